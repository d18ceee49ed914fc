"""Two people chat live in two browser contexts, against a real ASGI server (Daphne, in a child
process, serving pages and WebSockets like ``bin/dev``): the message appears on the other page
without a reload, receipts turn to Read, and a page whose socket dropped catches up on what it
missed when it reconnects, with no gap and no duplicate. The inbox and the menu badge update live.

PostgreSQL only: the server process must see the test's committed rows.
"""

import re
from collections.abc import Iterator

import pytest

from accounts.models import Role
from messaging import services
from tests.accounts.factories import UserFactory

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(browser: Browser, asgi_server: str) -> Iterator:
    opened: list[BrowserContext] = []

    def make(user) -> BrowserContext:
        ctx = browser.new_context(base_url=asgi_server, locale="en-US")
        ctx.set_default_timeout(TIMEOUT_MS)
        sign_in_by_cookie(ctx, user, asgi_server)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


def _open_live(ctx: BrowserContext, path: str) -> Page:
    page = ctx.new_page()
    page.goto(path)
    expect(page.locator("[data-live=ready]")).to_have_count(1)
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads
    return page


def _texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("[data-testid=message] .chat-text").all_inner_texts()]


def test_two_people_chat_live_and_a_dropped_socket_catches_up(signed_in):
    venue = UserFactory(role=Role.VENUE, display_name="The Blue Lantern")
    artist = UserFactory(role=Role.ARTIST, display_name="Nova Reyes")
    conversation, _ = services.conversation_open(user=venue, other_id=artist.pk)
    services.message_send(user=venue, conversation_id=conversation.pk, content="Hi Nova!")
    path = f"/messages/{conversation.pk}/"

    artist_page = _open_live(signed_in(artist), path)
    venue_ctx = signed_in(venue)
    venue_page = _open_live(venue_ctx, path)
    assert _texts(artist_page) == ["Hi Nova!"]

    # The artist replies; both pages show it without a reload.
    artist_page.get_by_role("textbox", name="Message").fill("Hello! Friday works.")
    artist_page.get_by_role("button", name="Send").click()
    for page in (artist_page, venue_page):
        expect(page.locator("[data-testid=message]")).to_have_count(2)
        assert _texts(page) == ["Hi Nova!", "Hello! Friday works."]
        assert page.evaluate("() => window.__sameDocument === true")
    expect(artist_page.get_by_role("textbox", name="Message")).to_have_value("")

    # The venue's open page read it: the artist sees the receipt turn to Read.
    expect(artist_page.locator(".chat-message.mine [data-testid=receipt]")).to_have_text("Read")

    # The venue's socket drops; the artist sends two messages meanwhile.
    venue_page.evaluate("() => window.umbrellaLive.drop()")
    expect(venue_page.locator("[data-live=closed]")).to_have_count(1)
    for text in ("Are you still there?", "Sending the rider now."):
        artist_page.get_by_role("textbox", name="Message").fill(text)
        artist_page.get_by_role("button", name="Send").click()
        expect(artist_page.locator(".chat-message", has_text=text)).to_have_count(1)
    venue_page.wait_for_timeout(500)
    assert len(_texts(venue_page)) == 2  # nothing arrived while away

    # It reconnects and catches up: every missed message once, in order, no reload.
    venue_page.evaluate("() => window.umbrellaLive.resume()")
    expect(venue_page.locator("[data-testid=message]")).to_have_count(4)
    assert _texts(venue_page) == [
        "Hi Nova!",
        "Hello! Friday works.",
        "Are you still there?",
        "Sending the rider now.",
    ]
    ids = venue_page.locator("[data-testid=message]").evaluate_all(
        "items => items.map(i => Number(i.dataset.messageId))"
    )
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert venue_page.evaluate("() => window.__sameDocument === true")

    # Live after the reconnect too.
    artist_page.get_by_role("textbox", name="Message").fill("See you Friday.")
    artist_page.get_by_role("button", name="Send").click()
    expect(venue_page.locator("[data-testid=message]")).to_have_count(5)
    # The open page marks it read (a request of its own): wait for the receipt before closing
    # the page, or the close may cut that request off and the message stay unread.
    expect(artist_page.locator(".chat-message.mine [data-testid=receipt]").last).to_have_text(
        "Read"
    )

    # The venue's inbox and menu badge update live when the conversation page is closed.
    venue_page.close()
    inbox = _open_live(venue_ctx, "/messages/")
    expect(inbox.get_by_test_id("messages-badge")).to_be_hidden()
    artist_page.get_by_role("textbox", name="Message").fill(
        "One more thing: parking is behind the venue?"
    )
    artist_page.get_by_role("button", name="Send").click()
    row = inbox.locator(f"[data-conversation-id='{conversation.pk}']")
    expect(row.locator(".inbox-preview")).to_have_text(re.compile("One more thing"))
    expect(row.get_by_test_id("conversation-unread")).to_contain_text("1")
    expect(inbox.get_by_test_id("messages-badge")).to_be_visible()
    expect(inbox.get_by_test_id("messages-badge")).to_contain_text("1")
    assert inbox.evaluate("() => window.__sameDocument === true")
