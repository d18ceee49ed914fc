"""The rooms' pages (tests/events/test_rooms_pages*.py test them without a browser) in a real
Chromium: axe finds no serious or critical problem on the list, the
create page (also with its errors) and the manage page, at 1280 and 390 px, and none of them
scrolls sideways on a phone; an organizer on a 390 px screen, with the keyboard only, creates a
Lottery room through the settings form generated from its manifest (an error first, shown by its
field), then activates it; the settings part follows the chosen app through htmx; and the
patterns the form gives the browser compile under the browser's rules and match what the
server's jsonschema matches."""

import re

import pytest

from builtin_apps import manifest as builtin_manifest
from events.models import (
    App,
    AppManifestVersion,
    DrawCommitment,
    ParticipantStatus,
    Role,
    Room,
    RoomStatus,
)
from events.services import rooms as room_services
from events.services.winners import winner_pick
from events.settings_form import browser_pattern
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, PrizeFactory

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in(page: Page, live_server, user) -> None:
    sign_in_by_cookie(page.context, user, live_server.url)


def apps() -> None:
    AppFactory(app_id="app_lottery", name="Lottery", manifest=builtin_manifest("lottery"))
    AppFactory(app_id="app_quiz", name="Quiz", manifest=builtin_manifest("quiz"))


def tab_to(page: Page, selector: str, *, most: int = 60) -> None:
    """Press Tab until the focus is on ``selector`` (fails after ``most`` presses)."""
    target = page.locator(selector)
    for _ in range(most):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def focused_id(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def test_the_three_pages_pass_axe(page: Page, live_server, accessible):
    apps()
    organizer = UserFactory(display_name="Olga Organizer")
    room = room_services.room_create(
        by=organizer,
        app=App.objects.get(app_id="app_lottery"),
        name="Spring raffle with a rather long name to see it wrap on a phone screen",
        description="Win a signed LP. " * 10,
    )
    room_services.room_activate(room=room, by=organizer)
    prize = PrizeFactory(room=room, name="Signed LP", quantity=3)
    member = ParticipantFactory(room=room)
    ParticipantFactory(room=room, role=Role.MODERATOR)
    ParticipantFactory(room=room, status=ParticipantStatus.PENDING_APPROVAL)
    winner_pick(room=room, by=organizer, prize_id=prize.pk, participant_id=member.pk)
    sign_in(page, live_server, organizer)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A refused form answers 400 (the house's rule) and the assisted upgrade 409 (the
    # service's migration_required), which Chromium logs; anything else counts.
    refused = re.compile(r"the server responded with a status of (400|409)")
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and not refused.search(m.text) else None
        ),
    )

    page.goto("/rooms/")
    expect(page.get_by_test_id("room-card")).to_have_count(1)
    accessible(page, "rooms list")
    page.goto("/rooms/?status=completed")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    accessible(page, "rooms list, empty")

    page.goto("/rooms/new/?app=app_quiz")
    expect(page.get_by_role("heading", name="Quiz settings")).to_be_visible()
    accessible(page, "new room (quiz settings)")
    page.get_by_label("Name", exact=True).fill("Quiz night")
    page.get_by_label("Id", exact=True).fill("not an id")
    page.get_by_test_id("create-room").click()
    expect(page.get_by_test_id("error-summary")).to_be_visible()
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    accessible(page, "new room with errors")

    page.goto(f"/rooms/{room.pk}/manage/")
    expect(page.get_by_test_id("winner-row")).to_have_count(1)
    expect(page.get_by_test_id("pending-row")).to_have_count(1)
    accessible(page, "manage page")

    # The assisted upgrade's page: a newer version wants a setting the room lacks.
    newer = builtin_manifest("lottery")
    newer["meta"]["version"] = "2.0.0"
    newer["settings"]["properties"]["host"] = {"type": "string", "title": "Host"}
    newer["settings"]["required"] = ["host"]
    lottery = App.objects.get(app_id="app_lottery")
    AppManifestVersion.objects.create(app=lottery, version="2.0.0", manifest=newer)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.get_by_test_id("upgrade").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upgrade to version 2.0.0")
    expect(page.get_by_label("Host")).to_have_attribute("aria-invalid", "true")
    accessible(page, "assisted upgrade")
    page.get_by_label("Host").fill("Ann")
    page.get_by_test_id("upgrade-assisted").click()
    expect(page.get_by_test_id("room-version")).to_have_text("2.0.0")
    assert errors == []


def test_an_organizer_creates_a_lottery_room_and_activates_it_by_keyboard_on_a_phone(
    browser: Browser, live_server, accessible
):
    apps()
    organizer = UserFactory()
    ctx = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-US")
    ctx.set_default_timeout(TIMEOUT_MS)
    page = ctx.new_page()
    try:
        sign_in(page, live_server, organizer)
        page.on("dialog", lambda dialog: dialog.accept())  # the activation's confirmation
        page.goto("/rooms/")
        tab_to(page, '[data-testid="empty-new-room"]')
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/rooms/new/$"))

        # The settings part follows the app chosen (htmx: no page load).
        app = page.get_by_label("App", exact=True)
        page.evaluate("() => { window.stayed = true; }")
        app.select_option("app_quiz")
        expect(page.get_by_role("heading", name="Quiz settings")).to_be_visible()
        app.select_option("app_lottery")
        expect(page.get_by_role("heading", name="Lottery settings")).to_be_visible()
        assert page.evaluate("() => window.stayed === true")

        # The keyboard from the app select on: Name, Description, then the settings.
        app.focus()
        page.keyboard.press("Tab")
        assert focused_id(page) == "id_name"
        page.keyboard.type("Summer raffle")
        page.keyboard.press("Tab")
        assert focused_id(page) == "id_description"
        page.keyboard.type("Win a signed LP.")
        tab_to(page, "#id_settings-ticket_count")
        page.keyboard.press("Control+A")
        page.keyboard.type("0")  # below the schema's minimum: the server says so
        tab_to(page, "#id_settings-theme")
        page.keyboard.type("Summer")
        page.keyboard.press("Enter")  # submits (the form's default button: create)

        summary = page.get_by_test_id("error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text("Tickets")
        field = page.locator(".field.has-error").get_by_label("Tickets")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert not Room.objects.exists()
        summary.get_by_role("link").first.press("Enter")  # the link puts the focus in the field
        expect(page.locator("#id_settings-ticket_count")).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type("250")
        tab_to(page, "#id_settings-allow_multiple_wins")
        page.keyboard.press("Space")
        page.locator("#id_settings-draw_date").fill("2030-06-01T20:00")
        page.locator("#id_settings-theme").focus()
        page.keyboard.press("Enter")

        expect(page.get_by_role("heading", level=1)).to_have_text("Summer raffle")
        expect(page.get_by_test_id("room-status")).to_have_text("Draft")
        room = Room.objects.get()
        assert room.created_by == organizer
        assert room.app_settings == {
            "ticket_count": 250,
            "theme": "Summer",
            "draw_date": "2030-06-01T20:00:00Z",
            "allow_multiple_wins": True,
        }
        accessible(page, "manage page of the new room")

        tab_to(page, '[data-testid="transition-active"]', most=80)
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("room-status")).to_have_text("Active")
        room.refresh_from_db()
        assert room.status == RoomStatus.ACTIVE
        assert DrawCommitment.objects.filter(room=room).exists()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        ctx.close()


PATTERNS = {
    "^[A-Za-z0-9_-]{1,32}$": ["q1", "a-b_C", "q 1", "", "x" * 33, "é"],
    "^[-a-z]+$": ["-a", "ab", "A", "a b"],
    "^a|b$": ["ax", "xb", "x", "b"],
    "abc": ["abc", "xabcx", "ab"],
    r"^\d{3}\-\d{4}$": ["123-4567", "1234567", "12-34567"],
    "^[(){}/|]+$": ["(|)", "{/}", "a"],
}


def test_the_patterns_given_to_the_browser_match_what_the_server_matches(page: Page):
    for pattern, samples in PATTERNS.items():
        attribute = browser_pattern(pattern)
        assert attribute is not None, pattern
        # The browser compiles a pattern attribute as ^(?:…)$ with the v flag.
        results = page.evaluate(
            "([p, samples]) => samples.map(s => new RegExp('^(?:' + p + ')$', 'v').test(s))",
            [attribute, samples],
        )
        expected = [re.search(pattern, sample) is not None for sample in samples]
        assert results == expected, (pattern, attribute, samples)


def test_the_quiz_id_input_checks_its_pattern_in_the_browser(page: Page, live_server):
    apps()
    sign_in(page, live_server, UserFactory())
    page.goto("/rooms/new/?app=app_quiz")
    field = page.get_by_label("Id", exact=True)
    field.fill("q 1")
    assert field.evaluate("el => el.validity.patternMismatch") is True
    field.fill("q1")
    assert field.evaluate("el => el.validity.valid") is True
