"""Fans who join a room of an artist may opt in to the artist's fan list (issue 12; docs/rooms.md,
"Fan lists"): whose room it is (the gig's booked artist, else an artist organizer), which list
(the oldest open one), the consent record (verified address: at once; unverified: the double
opt-in), once however often or concurrently it is asked, nothing without the flag, and a clear
``409 no_fan_list`` with nothing written when there is no list to join."""

import pytest
from django.core import mail
from django.test import Client

from events.models import Participant, RoomStatus
from events.selectors_rooms import fan_list_offer, room_artist
from events.services import participants
from marketplace import services as marketplace_services
from marketplace.models import BookingStatus
from messaging.fans import consent
from messaging.fans import services as fan_services
from messaging.models import ArtistOptOut, ConsentEvent, ConsentEventKind, ContactMember
from tests.accounts.factories import UserFactory
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together
from tests.events.factories import RoomFactory
from tests.marketplace.factories import GigFactory
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def artist_with_lists(*names, closed=()):
    """An artist and their lists, made in this order (so the first is the oldest)."""
    artist = ArtistProfileFactory()
    made = []
    for name in names:
        fan_list = fan_services.contact_list_create(user=artist.user, name=name)
        if name in closed:
            fan_services.contact_list_update(
                user=artist.user, list_id=fan_list.pk, signup_open=False
            )
        made.append(fan_list)
    return artist, made


def booked_gig(artist):
    gig = GigFactory()
    application = marketplace_services.application_create(user=artist.user, gig_id=gig.pk, data={})
    booking = marketplace_services.application_accept(
        user=gig.venue.user, application_id=application.pk
    )
    return gig, booking


def gig_room(artist, **fields):
    """An active room of the venue, linked to a gig ``artist`` is booked for."""
    gig, _booking = booked_gig(artist)
    return RoomFactory(status=RoomStatus.ACTIVE, created_by=gig.venue.user, gig=gig, **fields)


def members(fan_list):
    return list(ContactMember.objects.filter(contact_list=fan_list))


def refused(**kwargs):
    with pytest.raises(ApplicationError) as error:
        participants.participant_join(**kwargs)
    return error.value


# --- whose room ---------------------------------------------------------------------------------


def test_a_room_is_its_gigs_booked_artist_else_its_artist_organizers_else_nobodys():
    nova = ArtistProfileFactory()
    organizer = ArtistProfileFactory()
    gig, booking = booked_gig(nova)
    # The show's artist wins over an artist who organizes the room.
    linked = RoomFactory(created_by=organizer.user, gig=gig)
    assert room_artist(linked) == nova
    # A cancelled booking leaves the gig without an artist: the organizer's room then.
    marketplace_services.booking_cancel(user=gig.venue.user, booking_id=booking.pk, reason="Storm.")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert room_artist(linked) == organizer
    assert room_artist(RoomFactory(created_by=nova.user)) == nova
    assert room_artist(RoomFactory()) is None  # a fan's room, no gig


def test_the_offer_names_the_artist_only_when_a_list_is_open():
    artist, _ = artist_with_lists("Austin fans")
    room = gig_room(artist)
    assert fan_list_offer(room) == {"artist_id": artist.pk, "artist_name": artist.stage_name}
    closed, _ = artist_with_lists("Old list", closed=("Old list",))
    assert fan_list_offer(gig_room(closed)) is None
    assert fan_list_offer(RoomFactory(status=RoomStatus.ACTIVE)) is None


# --- opting in ----------------------------------------------------------------------------------


def test_opting_in_adds_the_fan_to_the_oldest_open_list_once_with_its_record():
    artist, (closed, oldest, newer) = artist_with_lists(
        "Closed", "Austin fans", "UK fans", closed=("Closed",)
    )
    room, other_room = (
        gig_room(artist),
        RoomFactory(status=RoomStatus.ACTIVE, created_by=artist.user),
    )
    fan = UserFactory(email="Sam@Example.com", display_name="Sam Fan")

    row, created = participants.participant_join(room=room, by=fan, fan_list_opt_in=True)

    assert created and row.user_id == fan.pk
    [member] = members(oldest)
    assert (member.email, member.name, member.source) == ("sam@example.com", "Sam Fan", "room")
    assert member.opted_in and member.consent_at is not None and member.opted_out_at is None
    assert members(closed) == [] and members(newer) == []
    assert consent.reachable_members(oldest, consent.EMAIL).filter(pk=member.pk).exists()
    [record] = ConsentEvent.objects.filter(artist=artist)
    assert record.kind == ConsentEventKind.ROOM_OPT_IN
    assert record.contact_list_id == oldest.pk and record.email == "sam@example.com"
    assert record.detail == {"user": fan.pk, "room": room.pk}
    assert record.at == member.consent_at

    # Again, from another room of the artist and after leaving and coming back: still one
    # member, one record.
    participants.participant_join(room=other_room, by=fan, fan_list_opt_in=True)
    participants.participant_leave(room=room, by=fan)
    _row, created = participants.participant_join(room=room, by=fan, fan_list_opt_in=True)
    assert not created
    assert len(members(oldest)) == 1
    assert ConsentEvent.objects.filter(artist=artist).count() == 1
    assert mail.outbox == []


def test_without_the_flag_nothing_is_added():
    artist, (fan_list,) = artist_with_lists("Austin fans")
    room = gig_room(artist)

    participants.participant_join(room=room, by=UserFactory())

    assert members(fan_list) == []
    assert not ConsentEvent.objects.filter(artist=artist).exists()


def test_an_unverified_address_gets_the_double_opt_in_first(django_capture_on_commit_callbacks):
    artist, (fan_list,) = artist_with_lists("Austin fans")
    room = gig_room(artist)
    fan = UserFactory(verified_email=False)

    with django_capture_on_commit_callbacks(execute=True):
        participants.participant_join(room=room, by=fan, fan_list_opt_in=True)

    [member] = members(fan_list)
    assert member.source == "room" and not member.opted_in and member.consent_at is None
    [record] = ConsentEvent.objects.filter(artist=artist)
    assert record.kind == ConsentEventKind.SIGNUP_REQUESTED
    assert record.detail == {"user": fan.pk, "room": room.pk}
    [email] = mail.outbox
    assert email.to == [fan.email]
    link = next(word for word in email.body.split() if "/fans/confirm/" in word)
    confirmed = fan_services.signup_confirm(token=link.rstrip("/").rsplit("/", 1)[1])
    assert confirmed.pk == member.pk and confirmed.opted_in and confirmed.consent_at


def test_the_fans_own_opt_in_lifts_their_earlier_email_opt_out_of_the_artist():
    artist, (fan_list,) = artist_with_lists("Austin fans")
    fan = UserFactory()
    old = fan_services.member_add(user=artist.user, list_id=fan_list.pk, email=fan.email)
    fan_services.unsubscribe(token=consent.unsubscribe_token(old))
    assert ArtistOptOut.objects.filter(artist=artist, email=fan.email).exists()

    participants.participant_join(room=gig_room(artist), by=fan, fan_list_opt_in=True)

    old.refresh_from_db()
    assert old.opted_in and old.opted_out_at is None
    assert not ArtistOptOut.objects.filter(artist=artist, email=fan.email).exists()
    assert consent.may_message(old, consent.EMAIL)
    assert ConsentEvent.objects.filter(kind=ConsentEventKind.ROOM_OPT_IN).count() == 1


# --- refusals: nothing written ------------------------------------------------------------------


def test_a_room_of_nobody_or_of_an_artist_without_an_open_list_is_409_and_nobody_joins():
    fan = UserFactory()
    nobodys = RoomFactory(status=RoomStatus.ACTIVE)
    error = refused(room=nobodys, by=fan, fan_list_opt_in=True)
    assert (error.code, error.status_code) == ("no_fan_list", 409)
    assert error.details == {"reason": "no_artist", "artist_id": None}
    assert not Participant.objects.filter(user=fan).exists()

    artist, (fan_list,) = artist_with_lists("Old", closed=("Old",))
    error = refused(room=gig_room(artist), by=fan, fan_list_opt_in=True)
    assert (error.code, error.details) == (
        "no_fan_list",
        {"reason": "no_open_list", "artist_id": artist.pk},
    )
    assert not Participant.objects.filter(user=fan).exists()
    assert members(fan_list) == [] and not ConsentEvent.objects.exists()


def test_a_list_closed_while_joining_undoes_the_join(monkeypatch):
    """The list is found again under its lock: closed after the check, the join rolls back."""
    artist, (fan_list,) = artist_with_lists("Austin fans")
    room = gig_room(artist)
    fan = UserFactory()
    checked = participants._fan_list_artist

    def then_closed(*args, **kwargs):
        artist_id = checked(*args, **kwargs)
        fan_services.contact_list_update(user=artist.user, list_id=fan_list.pk, signup_open=False)
        return artist_id

    monkeypatch.setattr(participants, "_fan_list_artist", then_closed)
    error = refused(room=room, by=fan, fan_list_opt_in=True)
    assert error.code == "no_fan_list"
    assert not Participant.objects.filter(room=room, user=fan).exists()


def test_only_the_person_joining_can_opt_in():
    artist, (fan_list,) = artist_with_lists("Austin fans")
    room = gig_room(artist)
    fan = UserFactory()
    error = refused(room=room, by=room.created_by, user=fan, fan_list_opt_in=True)
    assert (error.code, error.status_code) == ("validation_error", 400)
    assert "fan_list_opt_in" in error.details
    system = refused(room=room, by=None, user=fan, fan_list_opt_in=True)
    assert system.code == "validation_error"
    assert not Participant.objects.filter(user=fan).exists() and members(fan_list) == []


# --- the API ------------------------------------------------------------------------------------


def join(user, room, body):
    client = Client()
    client.force_login(user)
    return client.post(f"/api/v1/rooms/{room.pk}/participants/", body, "application/json")


def test_the_api_joins_and_opts_in_and_says_where_the_fan_stands():
    artist, (fan_list,) = artist_with_lists("Austin fans")
    room = gig_room(artist)

    opted = join(UserFactory(), room, {"fan_list_opt_in": True})
    plain = join(UserFactory(), room, {})
    pending = join(UserFactory(verified_email=False), room, {"fan_list_opt_in": True})

    assert opted.status_code == 201, opted.content
    expected = {"artist_id": artist.pk, "artist_name": artist.stage_name}
    assert opted.json()["fan_list"] == {**expected, "status": "subscribed"}
    assert plain.status_code == 201 and plain.json()["fan_list"] is None
    assert pending.json()["fan_list"] == {**expected, "status": "pending"}
    assert len(members(fan_list)) == 2


def test_the_api_refuses_a_room_without_a_fan_list_in_the_error_shape_and_changes_nothing():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    fan = UserFactory()

    answer = join(fan, room, {"fan_list_opt_in": True})
    bad_flag = join(fan, room, {"fan_list_opt_in": "perhaps"})

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "no_fan_list"
    assert error["details"] == {"reason": "no_artist", "artist_id": None}
    assert bad_flag.status_code == 400 and "fan_list_opt_in" in bad_flag.json()["error"]["details"]
    assert not Participant.objects.filter(user=fan).exists()


# --- races (PostgreSQL) -------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_opt_in_joins_of_one_fan_to_two_rooms_add_them_once():
    artist, (fan_list,) = artist_with_lists("Austin fans")
    rooms = [gig_room(artist), RoomFactory(status=RoomStatus.ACTIVE, created_by=artist.user)]
    fan = UserFactory()
    turn = iter(range(40))

    def call():
        room = rooms[next(turn) % 2]
        return participants.participant_join(room=room, by=fan, fan_list_opt_in=True)

    results = run_together(call, 20)

    made = [r for r in results if isinstance(r, tuple)]
    assert len(made) == 2 and {row.room_id for row, _ in made} == {r.pk for r in rooms}
    assert {getattr(r, "code", None) for r in results if r not in made} <= {"already_active"}
    assert len(members(fan_list)) == 1
    assert ConsentEvent.objects.filter(kind=ConsentEventKind.ROOM_OPT_IN).count() == 1
