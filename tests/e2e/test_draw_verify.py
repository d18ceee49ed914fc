"""The draw verification page in a real Chromium: the browser recomputes a real draw with
WebCrypto and shows ✔ three times; a page whose data was tampered with on the way (entrants,
revealed element, result) shows ✘ where it should. axe at 1280 and 390 px."""

import json
import re

import pytest

from events.models import RoomStatus
from events.services.draws import room_draw
from tests.events.factories import (
    AppFactory,
    ParticipantFactory,
    PrizeFactory,
    RoomFactory,
    manifest,
)

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Page, Route, expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DATA = re.compile(r'(<script id="draw-data" type="application/json">)(.*?)(</script>)', re.S)


def _draw(entrants: int = 40, quantity: int = 3):
    app = AppFactory(
        manifest=manifest(
            capabilities=["notifications"],
            webhooks={"notifications": {"path": "/hooks/notify", "async": True}},
            fallbacks={},
        )
    )
    room = RoomFactory(app=app, status=RoomStatus.ACTIVE, is_public=True, name="Spring raffle")
    prize = PrizeFactory(room=room, quantity=quantity, name="Signed vinyl")
    for _ in range(entrants):
        ParticipantFactory(room=room)
    [draw] = room_draw(room=room, by=room.created_by, prize_ids=[prize.pk]).draws
    return room, draw


def _tampering(page: Page, change) -> None:
    """Serve the page with its embedded data changed by ``change(data)`` before any script runs."""

    def handle(route: Route) -> None:
        response = route.fetch()
        html = response.text()
        match = DATA.search(html)
        assert match, "the page embeds its data"
        data = json.loads(match.group(2))
        change(data)
        html = html[: match.start(2)] + json.dumps(data) + html[match.end(2) :]
        route.fulfill(response=response, body=html)

    page.route(re.compile(r".*/rooms/\d+/draws/\d+/$"), handle)


def _marks(page: Page) -> dict[str, str]:
    return {
        name: page.locator(f'[data-check="{name}"] [data-mark]').inner_text()
        for name in ("chain", "entrants", "winners")
    }


def test_a_real_draw_verifies_in_the_browser(page: Page, accessible):
    room, draw = _draw()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"/rooms/{room.pk}/draws/{draw.number}/")
    summary = page.get_by_test_id("verify-summary")
    expect(summary).to_have_text("✔ This draw verifies.")
    assert _marks(page) == {"chain": "✔", "entrants": "✔", "winners": "✔"}
    expect(page.get_by_test_id("revealed")).to_have_text(draw.revealed)
    assert errors == []
    accessible(page, "draw-verify")


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("entrants", {"chain": "✔", "entrants": "✘", "winners": "✘"}),
        ("revealed", {"chain": "✘", "entrants": "✔", "winners": "✘"}),
        ("result", {"chain": "✔", "entrants": "✔", "winners": "✘"}),
        ("commitment", {"chain": "✘", "entrants": "✔", "winners": "✔"}),
    ],
)
def test_tampered_page_data_is_caught(page: Page, tamper, expected):
    room, draw = _draw()

    def change(data: dict) -> None:
        if tamper == "entrants":  # one entrant swapped for someone who was not there
            loser = next(e for e in data["entrants"] if e not in data["result"])
            data["entrants"] = sorted([e for e in data["entrants"] if e != loser] + [10**6])
        elif tamper == "revealed":
            data["revealed"] = "ab" * 32
        elif tamper == "result":
            data["result"] = list(reversed(data["result"]))
        else:
            data["commitment"] = "cd" * 32

    _tampering(page, change)
    page.goto(f"/rooms/{room.pk}/draws/{draw.number}/")
    expect(page.get_by_test_id("verify-summary")).to_have_text("✘ This draw does not verify.")
    assert _marks(page) == expected
