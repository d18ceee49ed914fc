"""The live room page in real browsers, against a real ASGI server (Daphne in a child process,
pages and WebSockets, as ``bin/dev`` serves them) and the built-in apps' own process (started
as the Procfile starts it, registered by ``register_builtin_apps``), so draws and quiz answers
go through the real Lottery and Quiz apps.

* A lottery: the organizer activates the room (the commitment appears live on the page), two
  people in two browser contexts join with the page's form, the organizer draws, and both see
  the same result live without a reload; the verification page then shows ✔.
* A quiz round over the real WebSocket: the organizer starts the quiz and shows a question, the
  participant sees it with a countdown and answers, the question closes on time (the page reads
  the state at the question's settling time: nobody else closes it here), the right option is
  marked and the leaderboard updates. Every frame the participant's socket received before the
  close, the page's source, its DOM and the quiz read are checked: the correct answer is in none
  of them (and it is in the close's frame, so the capture works).
* axe (no serious or critical violation) at 1280 and 390 px on both kinds of room.

PostgreSQL only: the server process must see the test's committed rows.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from events.models import App, Draw, DrawCommitment, Room, Winner
from events.services import participants as participant_services
from events.services import prizes as prize_services
from events.services import rooms as room_services
from events.webhooks import breaker
from tests.accounts.factories import UserFactory
from tests.builtin_apps import process

pytest.importorskip("playwright.sync_api", reason="e2e: the Python package 'playwright' is missing")
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from tests.e2e.conftest import TIMEOUT_MS, sign_in_by_cookie

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(300),
]

QUESTION = {
    "id": "red-planet",
    "text": "Which planet is called the red planet?",
    "options": ["Venus", "Mars", "Jupiter"],
    "correct_index": 1,
    "time_limit_s": 15,  # room to check the page before the close on a loaded machine
}
SECOND_QUESTION = {
    "id": "rings",
    "text": "Which planet has the widest rings?",
    "options": ["Saturn", "Earth"],
    "correct_index": 0,
    "time_limit_s": 30,
}


@pytest.fixture
def asgi_settings() -> dict:
    return {"EVENTS_WEBHOOK_ALLOW_PRIVATE": True}  # the apps process listens on 127.0.0.1


@pytest.fixture
def builtin_apps(asgi_server: str, settings, tmp_path: Path) -> Iterator[dict[str, App]]:
    """Lottery and Quiz registered through the API, their process running with their secrets
    and reaching the platform at the ASGI server."""
    port = process.free_port()
    settings.BUILTIN_APPS = {**settings.BUILTIN_APPS, "base_url": f"http://127.0.0.1:{port}/apps"}
    credentials = tmp_path / "builtin.json"
    call_command("register_builtin_apps", credentials=str(credentials))
    for app_id in ("app_lottery", "app_quiz"):
        for capability in ("winner_selection", "notifications", "quiz_validation"):
            breaker.reset(app_id, capability)
    running = process.start(
        tmp_path, credentials=credentials, platform_url=asgi_server, workers=1, port=port
    )
    try:
        yield {app.app_id: app for app in App.objects.all()}
    finally:
        running.stop()


@pytest.fixture
def signed_in(browser: Browser, asgi_server: str) -> Iterator:
    opened: list[BrowserContext] = []

    def make(user: Any, **options: Any) -> BrowserContext:
        ctx = browser.new_context(base_url=asgi_server, locale="en-US", **options)
        ctx.set_default_timeout(TIMEOUT_MS)
        sign_in_by_cookie(ctx, user, asgi_server)
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def _open_live(ctx: BrowserContext, path: str) -> Page:
    page = ctx.new_page()
    page.goto(path)
    expect(page.locator("[data-live=ready]")).to_have_count(1)
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads
    return page


def _api(page: Page, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """A call of the API from the page, as the signed-in person (session cookie and CSRF)."""
    return page.evaluate(
        """async ([method, path, body]) => {
          const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
          const init = {method, credentials: "same-origin",
                        headers: {"Accept": "application/json", "X-CSRFToken": token}};
          if (body !== null) {
            init.headers["Content-Type"] = "application/json";
            init.body = JSON.stringify(body);
          }
          const response = await fetch(path, init);
          return {status: response.status, body: await response.json()};
        }""",
        [method, path, body],
    )


# --- a lottery ----------------------------------------------------------------------------------


def test_a_lottery_drawn_live_for_two_people_and_verified(
    signed_in, builtin_apps, accessible, screenshot
):
    organizer = UserFactory(display_name="Olivia Organizer")
    ada = UserFactory(display_name="Ada Lovelace")
    grace = UserFactory(display_name="Grace Hopper")
    # Created by the services (the create page is another part's); activated from the page.
    room = room_services.room_create(
        by=organizer,
        app=builtin_apps["app_lottery"],
        name="Encore raffle",
        description="One signed vinyl for tonight's crowd.",
    )
    prize = prize_services.prize_create(room=room, by=organizer, name="Signed vinyl", quantity=1)
    path = f"/rooms/{room.pk}/"

    host = _open_live(signed_in(organizer), path)
    host_errors = _watch_errors(host)
    expect(host.get_by_test_id("room-status")).to_have_text("Draft")
    expect(host.get_by_test_id("commitment")).to_be_hidden()

    # The organizer activates the room: the status and the commitment c_N arrive live.
    assert _api(host, "POST", f"/api/v1/rooms/{room.pk}/activate")["status"] == 200
    expect(host.get_by_test_id("room-status")).to_have_text("Active")
    commitment = DrawCommitment.objects.get(room=room).commitment
    expect(host.get_by_test_id("commitment")).to_have_text(commitment)
    expect(host.get_by_test_id("draw-button")).to_be_visible()

    # Two people join with the page's form, each in their own browser.
    guests: list[Page] = []
    for person in (ada, grace):
        page = signed_in(person).new_page()
        page.goto(path)
        expect(page.get_by_test_id("commitment")).to_have_text(commitment)
        page.get_by_role("button", name="Join the room").click()
        expect(page.get_by_text(f"You joined {room.name}.")).to_be_visible()
        expect(page.locator("[data-live=ready]")).to_have_count(1)
        page.evaluate("() => { window.__sameDocument = true; }")
        guests.append(page)
    # The organizer's page saw them come in, live.
    people = host.get_by_test_id("participants")
    expect(people.get_by_text("Ada Lovelace")).to_be_visible()
    expect(people.get_by_text("Grace Hopper")).to_be_visible()
    expect(host.get_by_test_id("participants-count")).to_have_text("3")
    expect(guests[0].get_by_test_id("participants").get_by_text("Grace Hopper")).to_be_visible()
    assert guests[0].get_by_test_id("draw-button").count() == 0  # only managers draw
    accessible(guests[0], "room-live-lottery-joined")

    # Grace's socket drops just before the draw: she hears nothing while away.
    guests[1].evaluate("() => window.umbrellaRoomLive.drop()")
    expect(guests[1].locator("[data-live=closed]")).to_have_count(1)

    # The organizer draws; everyone connected sees the same winner appear, without a reload.
    host.get_by_role("button", name="Draw Signed vinyl").click()
    [draw] = _wait_for(lambda: list(Draw.objects.filter(room=room)))
    winner_name = Winner.objects.get(draw=draw).participant.user.display_name
    assert winner_name in ("Ada Lovelace", "Grace Hopper")
    expect(guests[0].get_by_test_id("draw")).to_contain_text(f"Won by {winner_name}")
    guests[1].wait_for_timeout(500)
    expect(guests[1].get_by_test_id("draw")).to_have_count(0)

    # She reconnects: the server replays what she missed since her last number, once.
    guests[1].evaluate("() => window.umbrellaRoomLive.resume()")
    expect(guests[1].locator("[data-live=ready]")).to_have_count(1)
    for page in (host, *guests):
        result = page.get_by_test_id("draw").first
        expect(result).to_contain_text("Draw #1")
        expect(result).to_contain_text(f"Won by {winner_name}")
        expect(page.get_by_test_id("winners").get_by_test_id("winner")).to_have_count(1)
        expect(page.get_by_test_id("winners")).to_contain_text(f"{winner_name} won Signed vinyl")
        expect(page.get_by_test_id("announcer")).to_contain_text(
            f"Draw 1 for Signed vinyl: {winner_name} wins."
        )
        expect(page.get_by_test_id("prizes")).to_contain_text("0 of 1 left")
        assert page.evaluate("() => window.__sameDocument === true")
    seqs = [page.evaluate("() => window.umbrellaRoomLive.lastSeq()") for page in (host, *guests)]
    assert seqs == [Room.objects.get(pk=room.pk).event_seq] * 3
    for page in guests:
        expect(page.get_by_test_id("draw")).to_have_count(1)  # no duplicate
    expect(host.get_by_test_id("draw-button")).to_be_hidden()  # nothing left to draw
    assert draw.prize_id == prize.pk and draw.method == "app"  # the Lottery app chose
    accessible(host, "room-live-lottery-drawn")
    screenshot(host, "room-live-lottery-organizer")
    screenshot(guests[0], "room-live-lottery-guest")

    # Anyone can check it: the verification page recomputes it in the browser.
    guests[1].get_by_role("link", name="Verify draw #1").click()
    expect(guests[1].get_by_test_id("verify-summary")).to_have_text("✔ This draw verifies.")
    assert host_errors == []


def _wait_for(read, timeout: float = 15.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


# --- a quiz round -------------------------------------------------------------------------------


def _frames(page: Page) -> list[str]:
    """Every text frame the page's sockets receive, in order."""
    received: list[str] = []

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: received.append(str(payload)))

    page.on("websocket", on_socket)
    return received


LEAKS = re.compile(r"correct_index|\"correct\"|is-correct|right answer", re.I)
# What may be said before a question closes, field by field (docs/rooms.md, "Quiz"): anything
# else (a new field, whatever its name) fails, so a leak can't hide behind an innocent name.
QUESTION_FIELDS = {
    "question_id", "index", "count", "text", "options", "time_limit_s", "opened_at",
    "closes_at", "settles_at",
}  # fmt: skip
BEFORE_CLOSE = {
    "room:subscribed": {"last_seq", "complete"},
    "quiz:status_changed": {"old_status", "new_status", "question_id"},
    "quiz:question_shown": QUESTION_FIELDS,
    "quiz:answer_submitted": {"question_id", "answers"},  # the room's count, nobody named
    # to the answering socket alone: its own option and time, no correctness
    "quiz:answer_ack": {"question_id", "answer_index", "received_at", "response_ms"},
}
EVERY_MESSAGE = {"room_id", "timestamp"}
PAGE_DATA = re.compile(r'<script id="room-live-data" type="application/json">(.*?)</script>', re.S)


def _no_answer_in_state(quiz: dict[str, Any]) -> None:
    """A quiz state read while the question is open: the question's documented fields only,
    my answers without correctness, nothing closed, no leaderboard."""
    state = {"status", "question", "rounds", "my_answers", "leaderboard"}
    assert set(quiz) - {"supported", "server_time"} == state, quiz  # the read adds those two
    assert set(quiz["question"]) == QUESTION_FIELDS, quiz["question"]
    for answer in quiz["my_answers"]:
        assert set(answer) == {"question_id", "answer_index", "response_ms"}, answer
    assert quiz["rounds"] == [] and quiz["leaderboard"] == []


def test_a_quiz_round_over_the_socket_never_shows_the_answer_before_the_close(
    signed_in, builtin_apps, accessible, screenshot
):
    organizer = UserFactory(display_name="Quinn Quizmaster")
    player = UserFactory(display_name="Pat Player")
    room = room_services.room_create(
        by=organizer,
        app=builtin_apps["app_quiz"],
        name="Planet quiz",
        app_settings={"questions": [QUESTION, SECOND_QUESTION]},
    )
    room_services.room_activate(room=room, by=organizer)
    participant_services.participant_join(room=Room.objects.get(pk=room.pk), by=player)
    path = f"/rooms/{room.pk}/"

    host = _open_live(signed_in(organizer), path)
    player_ctx = signed_in(player, viewport={"width": 390, "height": 844})
    guest = player_ctx.new_page()
    frames = _frames(guest)
    errors = _watch_errors(guest)
    guest.goto(path)
    expect(guest.locator("[data-live=ready]")).to_have_count(1)
    guest.evaluate("() => { window.__sameDocument = true; }")
    expect(guest.get_by_test_id("quiz-status")).to_have_text("The quiz has not started yet.")

    # The organizer runs the quiz from the page, over the socket.
    host.get_by_role("button", name="Start the quiz").click()
    expect(guest.get_by_test_id("quiz-status")).to_have_text("Between questions.")
    host.get_by_role("button", name="Show the next question").click()

    # The participant sees the question and a countdown on the server's clock.
    question = guest.get_by_test_id("question")
    expect(question.get_by_role("heading", name="Question 1 of 2")).to_be_visible()
    expect(question).to_contain_text(QUESTION["text"])
    expect(guest.get_by_test_id("countdown")).to_have_text(re.compile(r"^\d+ seconds? left$"))
    left = int(guest.get_by_test_id("countdown").inner_text().split()[0])
    assert 1 <= left <= QUESTION["time_limit_s"]
    expect(guest.get_by_test_id("announcer")).to_contain_text(QUESTION["text"])

    # Before the close: the page's source, its DOM and the REST read hold no answer.
    source = player_ctx.request.get(path).text()
    read = player_ctx.request.get(f"/api/v1/rooms/{room.pk}/quiz").text()
    assert QUESTION["text"] in source and QUESTION["text"] in read
    for where, text in (("source", source), ("read", read), ("dom", guest.content())):
        assert not LEAKS.search(text), where
    _no_answer_in_state(json.loads(PAGE_DATA.search(source).group(1))["quiz"])
    _no_answer_in_state(json.loads(read))

    # The participant answers (the socket's person; the message names no one).
    guest.get_by_role("button", name="Mars").click()
    expect(guest.get_by_test_id("answer-feedback")).to_contain_text("Your answer is in: Mars")
    expect(host.locator("[data-answer-count]")).to_have_text("1 answer so far.")
    assert not LEAKS.search(guest.content())
    screenshot(guest, "room-live-quiz-answered")
    screenshot(host, "room-live-quiz-host-open")
    accessible(guest, "room-live-quiz-open")

    # Its time runs out; the page asks at the settling time and the question closes.
    closed_at_most = (QUESTION["time_limit_s"] + 2.5 + 6) * 1000
    expect(guest.get_by_test_id("answer-feedback")).to_have_text(
        "You were right!", timeout=closed_at_most
    )
    mars = guest.get_by_role("button", name=re.compile("^Mars"))
    expect(mars).to_have_class(re.compile("is-correct"))
    expect(guest.get_by_test_id("round-result")).to_contain_text("the answer was Mars")
    expect(guest.get_by_test_id("round-result")).to_contain_text("First right answer: Pat Player")
    board = guest.get_by_test_id("leaderboard")
    expect(board.locator("tbody tr")).to_have_count(1)
    expect(board.locator("tbody tr")).to_contain_text("Pat Player")
    expect(board.locator("tbody tr")).to_contain_text("1 of 1")
    expect(host.get_by_test_id("leaderboard").locator("tbody tr")).to_contain_text("Pat Player")
    assert guest.evaluate("() => window.__sameDocument === true")
    accessible(guest, "room-live-quiz-closed")
    screenshot(guest, "room-live-quiz-closed")

    # Every frame before the close is free of the answer; the close's frame carries it.
    messages = [json.loads(frame) for frame in frames]
    closes = [i for i, m in enumerate(messages) if m["type"] == "quiz:question_closed"]
    assert closes, [m["type"] for m in messages]
    before, close = frames[: closes[0]], messages[closes[0]]
    assert any(json.loads(f)["type"] == "quiz:question_shown" for f in before)
    assert any(json.loads(f)["type"] == "quiz:answer_submitted" for f in before)
    assert any(json.loads(f)["type"] == "quiz:answer_ack" for f in before)
    for frame in before:
        assert not LEAKS.search(frame), frame
        message = json.loads(frame)
        assert set(message) == {"type", "data", "seq"}, frame
        assert set(message["data"]) == BEFORE_CLOSE[message["type"]] | EVERY_MESSAGE, frame
    assert close["data"]["correct_index"] == QUESTION["correct_index"]
    # (not room events, they repeat the last number the socket was sent)
    unlogged = ("room:subscribed", "error", "quiz:answer_ack")
    seqs = [m["seq"] for m in messages if m["type"] not in unlogged]
    assert seqs == sorted(set(seqs))  # in order, never twice

    # The organizer moves on and ends the quiz; the final leaderboard is shown to both.
    host.get_by_role("button", name="Show the next question").click()
    expect(guest.get_by_test_id("question")).to_contain_text(SECOND_QUESTION["text"])
    host.get_by_role("button", name="End the quiz").click()
    for page in (host, guest):
        expect(page.get_by_test_id("quiz-status")).to_have_text("The quiz is over.")
    accessible(host, "room-live-quiz-finished")
    assert errors == []
