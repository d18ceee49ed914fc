"""Browser journeys: a real Chromium (the system's, /usr/bin/chromium) driven by Playwright's
sync API against pytest-django's ``live_server``.

* The e2e tests are skipped with a visible reason when Chromium or Playwright is missing.
* Playwright's sync API keeps an asyncio event loop running in this thread for as long as it is
  started, and Django refuses ORM calls while a loop runs (``SynchronousOnlyOperation``). The
  test code only touches the database between browser calls, never concurrently with them, so
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set while the browser is up. tests/conftest.py clears that
  running loop for the other apps' tests; every browser test puts it back first (an autouse
  fixture below), or Playwright's next call closes its connection.
* Every test gets a fresh browser context (own cookies, so its own sign-in) and page; the one
  Chromium is started once per xdist worker (session scope).
* Tests that are not about signing in sign in with ``sign_in_by_cookie``: Django's test client
  logs the user in (``force_login``) and its session cookie is planted in the context, which
  saves the sign-in form's round trips. The sign-in form itself is walked by the sign-up and
  artist journeys.
"""

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous for a cold start on a loaded CI machine, yet a broken page fails within seconds.
TIMEOUT_MS = 15_000

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the venv has it; a bare checkout may not
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "e2e: the Python package 'playwright' is not installed"
    if not CHROMIUM.exists():
        return f"e2e: no Chromium at {CHROMIUM} (install Debian's 'chromium' package)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _skip_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def sign_in_by_cookie(context: "BrowserContext", user, url: str) -> None:
    """Sign ``user`` in for every page of ``context`` on the server at ``url``: a session made
    by the test client's ``force_login``, its cookie planted in the browser."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": url}])


# The event loop of the session's sync Playwright, once it is started.
_PLAYWRIGHT_LOOP: list[asyncio.AbstractEventLoop | None] = []


def _playwright_loop_back() -> None:
    """Mark Playwright's loop as this thread's running loop again, as Playwright leaves it after
    each call. tests/conftest.py clears that mark for the other apps' tests
    (``_no_loop_left_by_playwright``); Playwright's next call, run with no running loop,
    closed its connection ("Playwright connection closed") and every later browser test on the
    same xdist worker failed."""
    if _PLAYWRIGHT_LOOP and _PLAYWRIGHT_LOOP[0] is not None:
        asyncio._set_running_loop(_PLAYWRIGHT_LOOP[0])


@pytest.fixture(autouse=True)
def _playwright_loop_for_browser_tests() -> None:
    _playwright_loop_back()


@pytest.fixture(scope="session")
def browser() -> Iterator["Browser"]:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    _PLAYWRIGHT_LOOP.append(asyncio._get_running_loop())
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            _playwright_loop_back()  # the last test may have been another app's
            chromium.close()
    finally:
        _playwright_loop_back()
        playwright.stop()
        _PLAYWRIGHT_LOOP.clear()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser: "Browser", live_server) -> Iterator["BrowserContext"]:
    ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: "BrowserContext") -> "Page":
    return context.new_page()


def _asgi_application():  # module level: the child process builds it
    from channels.routing import get_default_application
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    return ASGIStaticFilesHandler(get_default_application())


@pytest.fixture
def asgi_settings() -> dict:
    """Settings the ASGI server process starts with, besides the ones it always needs; a module
    overrides this fixture to add its own (the process copies the settings when it starts)."""
    return {}


@pytest.fixture
def asgi_server(settings, asgi_settings: dict) -> Iterator[str]:
    """A real ASGI server (Daphne in a child process, serving pages and WebSockets as ``bin/dev``
    does) and its address. PostgreSQL only: the server process must see the test's committed
    rows. One process serves pages and sockets, so the in-memory channel layer reaches every
    socket (and xdist workers sharing one Redis never hear each other)."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process reads the test's rows")
    from daphne.testing import DaphneProcess

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    for name, value in asgi_settings.items():
        setattr(settings, name, value)
    connections.close_all()  # the child must not share the parent's connection
    server = DaphneProcess("127.0.0.1", _asgi_application)
    server.start()
    if not server.ready.wait(60):
        server.terminate()
        pytest.fail("Daphne did not start")
    try:
        yield f"http://127.0.0.1:{server.port.value}"
    finally:
        server.terminate()
        server.join(10)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest):
    """``screenshot(page, "dashboard")`` saves ``$E2E_SCREENSHOT_DIR/e2e-dashboard.png`` (full
    page) when that variable is set, e.g. ``E2E_SCREENSHOT_DIR=/tmp``; otherwise does nothing."""
    folder = os.environ.get("E2E_SCREENSHOT_DIR")

    def take(page: "Page", name: str) -> Path | None:
        if not folder:
            return None
        path = Path(folder) / f"e2e-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def accessible():
    """``accessible(page, "name")``: axe (no serious or critical violations) at 1280 and 390 px
    and no sideways scroll at 390 px, on the page as it is now. See tests/e2e/a11y.py."""
    from tests.e2e.a11y import assert_accessible

    return assert_accessible
