"""An artist writes with Violet in a real Chromium, against a real ASGI server (Daphne in a
child process, as ``bin/dev`` serves it): the draft appears on the page piece by piece while
it is written (the offline provider streams slowly here), the allowance goes down, the draft
is saved into the profile in one click; axe finds nothing serious on the workspace, before and
after, at 1280 and 390 px.

PostgreSQL only: the server process must see the test's committed rows.
"""

import pytest

from artists.models import ArtistProfile
from tests.violet.factories import full_artist
from violet.models import Generation

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asgi_settings() -> dict:
    # Slow enough to watch: a short bio is about 20 pieces, 0.15 s apart.
    return {"VIOLET_OFFLINE_STREAM_DELAY": 0.15, "VIOLET_API_KEY": ""}


def test_a_draft_streams_onto_the_page_and_is_saved_as_the_bio(
    browser: Browser, asgi_server: str, accessible
):
    artist = full_artist()
    context = browser.new_context(
        base_url=asgi_server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    sign_in_by_cookie(context, artist.user, asgi_server)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto("/violet/?tool=bio")
        expect(page.get_by_role("heading", name="Violet", exact=True)).to_be_visible()
        accessible(page, "violet-workspace")

        output = page.get_by_test_id("violet-output")
        page.get_by_label("Length").select_option("short")
        page.get_by_test_id("violet-write").click()

        # While it is being written: some text is there, more is coming.
        expect(output).to_have_attribute("aria-busy", "true")
        expect(output).not_to_have_text("")
        expect(output).to_contain_text("Nova Reyes")
        partial = output.inner_text()
        assert output.get_attribute("aria-busy") == "true", "the draft came in one piece"
        expect(page.get_by_test_id("violet-status")).to_have_text("Offline draft ready.")
        expect(output).to_have_attribute("aria-busy", "false")
        final = output.inner_text()
        assert len(partial) < len(final) and final.startswith(partial.strip()[:20])

        generation = Generation.objects.get(artist=artist)
        assert final.strip() == generation.output
        expect(page.get_by_test_id("violet-label")).to_have_text("Offline draft")
        expect(page.get_by_test_id("violet-allowance")).to_contain_text("49 of 50 prompts")
        expect(page.get_by_test_id("violet-facts")).to_contain_text("Big Thief")
        accessible(page, "violet-workspace-draft")

        page.get_by_role("button", name="Copy").click()
        expect(page.get_by_role("button", name="Copied")).to_be_visible()
        page.get_by_role("button", name="Save as your bio").click()
        expect(page.get_by_text("Saved as your bio.")).to_be_visible()
        assert ArtistProfile.objects.get(pk=artist.pk).bio == generation.output
        accessible(page, "violet-draft")
    finally:
        context.close()
