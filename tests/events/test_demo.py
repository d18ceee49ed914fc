"""The demo app: registered through the services, with a week of webhook history; the built-in
apps registered and the demo's live rooms (an active lottery at a gig, an active quiz, a
completed lottery with a verifiable draw), made through the services; safe twice."""

import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from events import demo, demo_rooms
from events.models import (
    App,
    AppManifestVersion,
    DeadLetter,
    Draw,
    DrawCommitment,
    Outcome,
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    Room,
    RoomEvent,
    RoomStatus,
    WebhookDelivery,
    Winner,
    WinnerMethod,
)
from events.selectors_apps import live_webhook_secrets
from events.selectors_rooms import fan_list_offer, room_artist, room_settings_for
from tests.events import draws_reference as ref

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """The demo, seeded once for the module (it takes seconds) inside a transaction that is
    rolled back afterwards; each test runs in a savepoint of it, so what one test changes
    (seeding again) the next does not see."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],  # as each test
        ),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db):
    return _seeded_once


def test_the_demo_artist_has_an_app_with_two_versions_one_deprecated(seeded):
    app = App.objects.get(app_id=demo.DEMO_APP_ID)
    assert app.owner.email == demo.DEMO_OWNER
    assert app.manifest_version == "1.1.0"
    versions = dict(
        AppManifestVersion.objects.filter(app=app).values_list("version", "deprecated_at")
    )
    assert set(versions) == {"1.0.0", "1.1.0"}
    assert versions["1.0.0"] is not None and versions["1.1.0"] is None
    assert len(live_webhook_secrets(app=app)) == 2  # rotated, the older one in its grace
    assert app.credentials.filter(revoked_at=None).count() == 1
    assert f"created   demo app {demo.DEMO_APP_ID}" in seeded


def test_the_demo_app_has_a_week_of_deliveries_and_one_dead_letter(seeded, client):
    app = App.objects.get(app_id=demo.DEMO_APP_ID)
    rows = WebhookDelivery.objects.filter(app=app)
    outcomes = set(rows.values_list("outcome", flat=True))
    assert {Outcome.SUCCESS, Outcome.HTTP_ERROR, Outcome.TIMEOUT} <= outcomes
    assert rows.filter(outcome=Outcome.SUCCESS).count() > 0.8 * rows.count() > 100
    days = {d.date() for d in rows.values_list("created_at", flat=True)}
    assert len(days) >= demo.DEMO_DAYS
    letter = DeadLetter.objects.get(app=app)
    attempts = rows.filter(webhook_id=letter.webhook_id).order_by("attempt")
    assert [a.outcome for a in attempts] == ["timeout", "http_error", "http_error"]
    assert letter.attempts == 3 and letter.requeued_at is None
    first = attempts[0]
    assert first.request_headers["webhook-id"] == letter.webhook_id
    assert first.request_headers["webhook-signature"].count("v1,") == 2  # both live secrets

    client.force_login(app.owner)
    page = client.get(f"/developers/apps/{app.app_id}/metrics/")
    assert page.status_code == 200
    assert "Setlist Lottery" in page.content.decode()


def room_named(name):
    return Room.objects.live().get(name=name)


def counts():
    models = (App, AppManifestVersion, Room, Participant, Prize, Draw, Winner, DrawCommitment)
    return [m.objects.count() for m in models] + [
        WebhookDelivery.objects.count(),
        DeadLetter.objects.count(),
        RoomEvent.objects.count(),
    ]


def credentials():
    return json.loads(Path(django_settings.BUILTIN_APPS["credentials"]).read_text())["apps"]


def test_seeding_twice_adds_nothing(seeded):
    before, secrets = counts(), credentials()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert credentials() == secrets  # the working secrets are kept
    said = out.getvalue()
    assert f"exists    demo app {demo.DEMO_APP_ID}" in said
    assert "unchanged  app_lottery" in said and "unchanged  app_quiz" in said
    for spec in demo_rooms.ROOMS:
        assert f"exists    room “{spec['name']}”" in said


# --- the built-in apps and the live rooms ---------------------------------------------------


def test_the_demo_registers_both_built_in_apps_and_stores_their_secrets(seeded):
    apps = credentials()
    for name, app_id in (("lottery", "app_lottery"), ("quiz", "app_quiz")):
        app = App.objects.get(app_id=app_id)
        assert app.is_active and apps[name]["app_id"] == app_id
        assert apps[name]["client_secret"] and apps[name]["webhook_secret"]
        assert f"registered {app_id}" in seeded


def test_an_active_public_lottery_at_a_gig_with_two_prizes_and_a_dozen_fans(seeded):
    room = room_named("Weekend Headliner prize draw")
    assert room.app.app_id == "app_lottery" and room.status == RoomStatus.ACTIVE
    assert room.is_public and room.app_settings["ticket_count"] == 250
    assert room.gig is not None and room.gig.title == "Weekend Headliner"
    assert room.gig.venue.user == room.created_by
    assert room.created_by.email == demo_rooms.VENUE
    prizes = Prize.objects.live().filter(room=room).order_by("id")
    assert [(p.name, p.quantity, p.quantity_remaining) for p in prizes] == [
        ("Signed tour poster", 3, 3),
        ("Backstage pass for two", 1, 1),
    ]
    fans = Participant.objects.live().filter(
        room=room, role=Role.PARTICIPANT, status=ParticipantStatus.ACTIVE
    )
    assert sorted(fans.values_list("user__email", flat=True)) == sorted(
        email for email, _ in demo_rooms.DEMO_FANS
    )
    assert len(demo_rooms.DEMO_FANS) == 12
    # The commitment was made at activation, before anyone joined (its event comes first).
    commitment = DrawCommitment.objects.get(room=room)
    assert commitment.draws_made == 0 and len(commitment.commitment) == 64
    types = list(RoomEvent.objects.filter(room=room).order_by("seq").values_list("type", flat=True))
    assert types.index("draw:committed") < types.index("participant:joined")
    assert room_artist(room) is not None  # the gig's booked artist


def test_an_active_quiz_with_a_prize_whose_answers_participants_cannot_read(seeded):
    room = room_named("Night Drive listening quiz")
    assert room.app.app_id == "app_quiz" and room.status == RoomStatus.ACTIVE
    assert DrawCommitment.objects.filter(room=room).exists()
    assert [(p.name, p.quantity) for p in Prize.objects.live().filter(room=room)] == [
        ("Signed vinyl of Night Drive", 1)
    ]
    questions = room.app_settings["questions"]
    assert len(questions) == 5 and all("correct_index" in q for q in questions)
    fan = Participant.objects.live().filter(room=room, role=Role.PARTICIPANT).first().user
    assert all("correct_index" not in q for q in room_settings_for(fan, room)["questions"])
    # The artist runs it: a fan joining may opt in to her fan list.
    nova = room_artist(room)
    assert nova is not None and nova.user.email == demo_rooms.ARTIST
    assert fan_list_offer(room) == {"artist_id": nova.pk, "artist_name": nova.stage_name}


def test_a_completed_lottery_whose_draw_anyone_can_verify(seeded, client):
    room = room_named("Sunday Residency encore draw")
    assert room.status == RoomStatus.COMPLETED and room.gig.title == "Sunday Residency"
    commitment = DrawCommitment.objects.get(room=room)
    [draw] = Draw.objects.filter(room=room)
    winners = Winner.objects.live().filter(room=room)
    assert draw.count == 2 and winners.count() == 2
    assert sorted(winners.values_list("participant_id", flat=True)) == sorted(draw.result)
    # No apps process runs while seeding: the platform drew, verifiably.
    assert draw.fallback_used and draw.method == WinnerMethod.FALLBACK_RANDOM
    assert ref.chain_ok(draw.revealed, draw.number, commitment.commitment)
    assert ref.entrants_digest(list(draw.entrants)) == draw.entrants_hash
    assert ref.winners(
        draw.revealed, list(draw.entrants), draw.prize_id, draw.number, draw.count
    ) == list(draw.result)
    page = client.get(reverse("draw-verify", kwargs={"room_id": room.pk, "number": 1}))
    assert page.status_code == 200
