"""The live room page ``/rooms/{id}/`` (docs/rooms.md, "Live room page"): what it shows to each
person before any socket connects, its forms (join, leave, draw) without JavaScript, the
snapshot it is rendered from (its sequence number matches what it shows, under concurrent
changes), its query count, and that the correct answer of an open quiz question is nowhere in
its source."""

import json
import re
import threading
from typing import Any

import pytest
from django.test import Client

from events.models import (
    Draw,
    Participant,
    ParticipantStatus,
    Role,
    RoomEvent,
    RoomStatus,
    Winner,
)
from events.selectors_room_live import room_live_state
from events.services import participants as participant_services
from events.services import quiz
from events.services.draws import room_draw
from events.services.winners import winner_pick
from tests.accounts.factories import UserFactory
from tests.events.appserver import AppServer
from tests.events.factories import (
    AppFactory,
    ParticipantFactory,
    PrizeFactory,
    RoomFactory,
    manifest,
)
from tests.events.members_helpers import cast_room, registering_app
from tests.events.quizkit import QUESTIONS, quiz_room

pytestmark = pytest.mark.django_db

# An app that does not choose winners: draws are the platform's verifiable ones, no webhook.
NO_APP = manifest(
    capabilities=["notifications"],
    webhooks={"notifications": {"path": "/hooks/notify", "async": True}},
    fallbacks={},
)
DATA = re.compile(r'<script id="room-live-data" type="application/json">(.*?)</script>', re.S)


def page_of(room: Any, user: Any = None) -> tuple[str, dict[str, Any]]:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(f"/rooms/{room.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    match = DATA.search(html)
    assert match, "the page hands its script its data"
    return html, json.loads(match.group(1))


def lottery(**kw: Any) -> Any:
    return RoomFactory(app=AppFactory(manifest=NO_APP), **kw)


# --- what the page shows ---------------------------------------------------------------------


def test_an_active_lottery_room_as_its_organizer_sees_it(django_assert_max_num_queries):
    room = lottery(status=RoomStatus.ACTIVE, name="Spring raffle", description="Win a record.")
    alice = ParticipantFactory(room=room, user=UserFactory(display_name="Alice"))
    bob = ParticipantFactory(room=room, user=UserFactory(display_name="Bob"))
    vinyl = PrizeFactory(room=room, name="Signed vinyl", quantity=1)
    poster = PrizeFactory(room=room, name="Tour poster", quantity=3)
    [draw] = room_draw(room=room, by=room.created_by, prize_ids=[vinyl.pk]).draws
    winner_pick(room=room, by=room.created_by, prize_id=poster.pk, participant_id=alice.pk)
    room.refresh_from_db()

    client = Client()
    client.force_login(room.created_by)
    with django_assert_max_num_queries(22) as counted:
        response = client.get(f"/rooms/{room.pk}/")
    html = response.content.decode()
    data = json.loads(DATA.search(html).group(1))

    assert "Spring raffle" in html and "Win a record." in html
    assert 'data-status="active"' in html and room.app.name in html
    assert room.commitment.commitment in html  # c_N, shown from activation
    assert f'href="/rooms/{room.pk}/draws/{draw.number}/"' in html  # verify the draw
    assert f'href="/rooms/{room.pk}/manage/"' in html
    drawn = Participant.objects.get(pk=draw.result[0]).user.display_name
    assert re.search(rf"Won by <span data-draw-winners>{drawn}</span>", html)
    # Draw buttons only for prizes with units left (the vinyl is gone, 2 posters are left).
    visible = re.findall(r'data-draw-form>\s*<input[^>]*name="csrfmiddlewaretoken"[^>]*>'
                         r'<input type="hidden" name="prize_id" value="(\d+)"', html)  # fmt: skip
    assert visible == [str(poster.pk)]
    assert re.search(r"0 of 1 left", html) and re.search(r"2 of 3 left", html)
    assert "Leave the room" not in html  # an organizer stays
    assert data["seq"] == room.event_seq and data["status"] == "active"
    assert data["participants_count"] == 3 and data["winners_count"] == 2
    assert data["can"]["draw"] and data["can"]["subscribe"] and not data["can"]["quiz_answer"]
    assert {p["id"]: p["awarded"] for p in data["prizes"]} == {vinyl.pk: 1, poster.pk: 1}
    assert data["names"][str(bob.pk)] == "Bob" and data["quiz"] is None

    # More of everything: the same number of queries.
    more = [ParticipantFactory(room=room) for _ in range(8)]
    for _ in range(3):
        extra = PrizeFactory(room=room, quantity=2)
        room_draw(room=room, by=room.created_by, prize_ids=[extra.pk])
    winner_pick(room=room, by=room.created_by, prize_id=poster.pk, participant_id=more[0].pk)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert client.get(f"/rooms/{room.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("person", "shows", "hides"),
    [
        ("anonymous", ["Sign in</a> to join"], ["Join the room", "Leave the room"]),
        ("non_member", ["Join the room"], ["Leave the room", 'data-testid="draw-button"']),
        ("pending", ["An organizer has to approve you", "Withdraw my request"], ["Join the"]),
        ("participant", ["as <strong>participant</strong>", "Leave the room"], ["Join the"]),
        ("viewer", ["as <strong>viewer</strong>", "Leave the room"], ["draw-button"]),
        ("moderator", ["Leave the room", 'data-testid="draw-button"'], ["Manage this room"]),
        ("organizer", ["can't leave", "Manage this room", 'data-testid="draw-button"'], []),
    ],
)
def test_each_person_sees_what_they_may_do(person, shows, hides):
    cast = cast_room(app=AppFactory(manifest=NO_APP))
    PrizeFactory(room=cast.room, quantity=2)
    html, data = page_of(cast.room, cast.user(person))
    for text in shows:
        assert text in html, text
    for text in hides:
        assert text not in html, text
    expected = {"anonymous": "anonymous", "non_member": "none", "pending": "pending"}
    assert data["membership"] == expected.get(person, "member")
    assert data["can"]["subscribe"] == (person not in ("anonymous", "non_member", "pending"))


def test_a_draft_room_says_it_is_not_open_and_has_no_commitment_yet():
    room = lottery()
    html, data = page_of(room, UserFactory())
    assert "has not opened yet" in html and "Join the room" not in html
    assert "published when the room is activated" in html
    assert data["status"] == "draft" and not data["can"]["join"]


def test_a_private_room_is_404_to_outsiders_and_shown_to_members():
    room = lottery(status=RoomStatus.ACTIVE, is_public=False, name="Secret draw")
    member = ParticipantFactory(room=room).user
    outsider = Client()
    outsider.force_login(UserFactory())
    response = outsider.get(f"/rooms/{room.pk}/")
    assert response.status_code == 404 and "Secret draw" not in response.content.decode()
    assert "Secret draw" in page_of(room, member)[0]


def test_the_page_lists_the_newest_people_and_counts_them_all(settings):
    import events.selectors_room_live as live

    room = lottery(status=RoomStatus.ACTIVE)
    people = [ParticipantFactory(room=room) for _ in range(4)]
    ParticipantFactory(room=room, status=ParticipantStatus.PENDING_APPROVAL)  # not counted
    left = ParticipantFactory(room=room)
    participant_services.participant_leave(room=room, by=left.user)
    original = live.PARTICIPANTS_SHOWN
    live.PARTICIPANTS_SHOWN = 3
    try:
        html, data = page_of(room)
    finally:
        live.PARTICIPANTS_SHOWN = original
    shown = [int(x) for x in re.findall(r'data-participant-id="(\d+)" data-testid', html)]
    assert shown == [p.pk for p in reversed(people)][:3]  # newest first
    assert data["participants_count"] == 5  # four and the organizer
    assert "The newest 3 are shown." in html


# --- the forms (no JavaScript) ---------------------------------------------------------------


def test_join_and_leave_as_forms():
    room = lottery(status=RoomStatus.ACTIVE, name="Open draw")
    client = Client()
    client.force_login(user := UserFactory())

    joined = client.post(f"/rooms/{room.pk}/join/", follow=True)
    assert joined.redirect_chain == [(f"/rooms/{room.pk}/", 302)]
    assert "You joined Open draw." in joined.content.decode()
    assert "Leave the room" in joined.content.decode()
    row = Participant.objects.get(room=room, user=user)
    assert row.status == ParticipantStatus.ACTIVE and row.role == Role.PARTICIPANT

    again = client.post(f"/rooms/{room.pk}/join/", follow=True)
    assert "Already a participant of this room." in again.content.decode()
    assert Participant.objects.filter(room=room, user=user).count() == 1

    gone = client.post(f"/rooms/{room.pk}/leave/", follow=True)
    assert "You left Open draw." in gone.content.decode()
    assert "Join the room" in gone.content.decode()
    assert Participant.objects.get(room=room, user=user).deleted_at is not None


def test_joining_a_room_whose_app_does_not_answer_waits_for_approval(settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    with AppServer() as server:  # no route: the registration webhook answers 404
        room = RoomFactory(app=registering_app(server.base_url), status=RoomStatus.ACTIVE)
        client = Client()
        client.force_login(user := UserFactory())
        response = client.post(f"/rooms/{room.pk}/join/", follow=True)
    html = response.content.decode()
    assert "An organizer has to approve you." in html  # the message
    assert "Withdraw my request" in html  # and the page's pending state
    assert Participant.objects.get(room=room, user=user).status == "pending_approval"
    withdrawn = client.post(f"/rooms/{room.pk}/leave/", follow=True)
    assert "You withdrew your request to join." in withdrawn.content.decode()


def test_the_organizer_can_not_leave_and_is_told_why():
    room = lottery(status=RoomStatus.ACTIVE)
    client = Client()
    client.force_login(room.created_by)
    response = client.post(f"/rooms/{room.pk}/leave/", follow=True)
    assert "Your role in this room does not allow this." in response.content.decode()
    assert Participant.objects.live().filter(room=room, user=room.created_by).exists()


def test_the_draw_form_draws_for_a_manager_and_refuses_anyone_else():
    room = lottery(status=RoomStatus.ACTIVE)
    prize = PrizeFactory(room=room, quantity=1, name="Signed vinyl")
    entrant = ParticipantFactory(room=room)
    refused = Client()
    refused.force_login(entrant.user)
    response = refused.post(f"/rooms/{room.pk}/draw/", {"prize_id": prize.pk}, follow=True)
    assert "Your role in this room does not allow this." in response.content.decode()
    assert not Draw.objects.filter(room=room).exists()

    organizer = Client()
    organizer.force_login(room.created_by)
    response = organizer.post(f"/rooms/{room.pk}/draw/", {"prize_id": prize.pk}, follow=True)
    html = response.content.decode()
    assert "Draw #1 made" in html
    assert Winner.objects.get(room=room).participant_id == entrant.pk
    assert f'href="/rooms/{room.pk}/draws/1/"' in html
    # Nothing left: the next draw is refused with the service's reason, nothing written.
    response = organizer.post(f"/rooms/{room.pk}/draw/", {"prize_id": prize.pk}, follow=True)
    assert "Only 0 of this prize left." in response.content.decode()
    unknown = organizer.post(f"/rooms/{room.pk}/draw/", {"prize_id": "nope"}, follow=True)
    assert "No such prize in this room." in unknown.content.decode()
    assert Draw.objects.filter(room=room).count() == 1


def test_the_forms_send_anonymous_visitors_to_sign_in_and_hide_private_rooms():
    room = lottery(status=RoomStatus.ACTIVE)
    private = lottery(status=RoomStatus.ACTIVE, is_public=False)
    anonymous = Client()
    for action in ("join", "leave", "draw"):
        response = anonymous.post(f"/rooms/{room.pk}/{action}/")
        assert response.status_code == 302
        assert response["Location"].endswith(f"?next=/rooms/{room.pk}/")
        assert anonymous.get(f"/rooms/{room.pk}/{action}/").status_code == 405
    outsider = Client()
    outsider.force_login(UserFactory())
    for action in ("join", "leave", "draw"):
        assert outsider.post(f"/rooms/{private.pk}/{action}/").status_code == 404
    assert not Participant.objects.filter(room=private).exclude(role=Role.ORGANIZER).exists()


# --- the quiz: the open question's answer is not in the page ---------------------------------


CORRECTNESS = re.compile(r"correct_index|\"correct\"|is-correct|right answer", re.I)


def test_the_page_of_an_open_question_never_carries_its_correct_answer(settings):
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    with AppServer() as server:
        room = quiz_room(server)
        player = ParticipantFactory(room=room)
        quiz.quiz_start(room=room, by=room.created_by)
        quiz.quiz_next_question(room=room, by=room.created_by)
        quiz.quiz_answer(room=room, by=player.user, question_id="q1", answer_index=1)

        for person in (player.user, room.created_by, None, UserFactory()):
            html, data = page_of(room, person)
            assert "2 + 2?" in html  # the question is there…
            assert not CORRECTNESS.search(html), person  # …its answer is not
            assert data["quiz"]["question"]["question_id"] == "q1"
        # The answerer's page knows their own choice, not whether it was right.
        _html, data = page_of(room, player.user)
        [mine] = data["quiz"]["my_answers"]
        assert mine.keys() == {"question_id", "answer_index", "response_ms"}
        assert (mine["question_id"], mine["answer_index"]) == ("q1", 1)
        assert data["can"]["quiz_answer"] and 'data-answer="1"' in _html

        # Closed: now the page says what the answer was, and who was first.
        quiz.quiz_next_question(room=room, by=room.created_by)
        html, data = page_of(room, player.user)
    assert "the answer was <strong>4</strong>" in html
    assert data["quiz"]["rounds"][0]["correct_index"] == QUESTIONS[0]["correct_index"]
    assert data["quiz"]["leaderboard"][0]["participant_id"] == player.pk
    assert "The capital of France?" in html and not re.search(r"correct_index\": 0", html)


def test_a_question_whose_time_is_up_is_closed_before_the_page_is_read(settings):
    import time_machine
    from django.utils import timezone

    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    with AppServer() as server, time_machine.travel(timezone.now(), tick=False) as clock:
        room = quiz_room(server)
        quiz.quiz_start(room=room, by=room.created_by)
        quiz.quiz_next_question(room=room, by=room.created_by)
        clock.shift(60)
        _html, data = page_of(room)
    assert data["quiz"]["status"] == "between" and data["quiz"]["question"] is None
    assert RoomEvent.objects.filter(room=room, type="quiz:question_closed").count() == 1
    assert data["seq"] == RoomEvent.objects.filter(room=room).order_by("-seq")[0].seq


# --- the snapshot: what the page shows is exactly the events up to its number -----------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_state_and_its_sequence_number_are_one_moment_under_concurrent_joins(on_postgres):
    """Joins commit while pages are read: every read's participant count must equal the joins
    numbered up to its ``seq`` (a page then replays exactly the events after it). Under READ
    COMMITTED, with each read its own moment, this fails within a few reads."""
    room = lottery(status=RoomStatus.ACTIVE)
    users = [UserFactory() for _ in range(40)]
    stop = threading.Event()
    seen: list[tuple[int, int]] = []

    def join_all() -> None:
        from django.db import connection

        try:
            for user in users:
                participant_services.participant_join(room=room, by=user)
        finally:
            stop.set()
            connection.close()

    def read_pages() -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                state = room_live_state(room.pk, None)
                seen.append((state.seq, state.participants_count))
        finally:
            connection.close()

    threads = [threading.Thread(target=join_all), threading.Thread(target=read_pages)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    joined_at = {e.seq for e in RoomEvent.objects.filter(room=room, type="participant:joined")}
    assert len(seen) >= 5
    for seq, count in seen:
        assert count == 1 + sum(1 for s in joined_at if s <= seq), (seq, count)
