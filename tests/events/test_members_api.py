"""The members API (SPEC-events §6): join/revive/409 codes and bodies, the lists' filters,
visibility of pending people and metadata, pagination with a fixed number of queries, the
manual pick's 409s, revoke, prize quantity changes, and app system calls confined to the app's
own rooms."""

import pytest
from django.test import Client

from events.models import Participant, ParticipantStatus, Prize, Role, RoomStatus, Winner
from tests.accounts.factories import UserFactory
from tests.events.appauth import app_with_secret, system, token_for
from tests.events.factories import ParticipantFactory, PrizeFactory, RoomFactory
from tests.events.members_helpers import cast_room

pytestmark = pytest.mark.django_db


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def url(room, rest=""):
    return f"/api/v1/rooms/{room.pk}/{rest}"


def test_join_is_201_then_409_and_a_rejoin_after_leaving_is_200():
    room = RoomFactory(status=RoomStatus.ACTIVE)
    user = UserFactory()
    client = client_for(user)

    first = client.post(
        url(room, "participants/"), {"metadata": {"team": "red"}}, "application/json"
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["user_id"] == user.pk and body["role"] == "participant"
    assert body["status"] == "active" and body["metadata"] == {"team": "red"}
    again = client.post(url(room, "participants"), {}, "application/json")  # no slash: same
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_active"

    assert client.delete(url(room, "participants/me")).status_code == 204
    revived = client.post(url(room, "participants/"), {}, "application/json")
    assert revived.status_code == 200 and revived.json()["id"] == body["id"]


def test_joining_a_room_that_is_not_active_is_409_and_unknown_fields_are_400():
    room = RoomFactory(status=RoomStatus.DRAFT)
    client = client_for(UserFactory())
    response = client.post(url(room, "participants/"), {}, "application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "room_not_active"
    active = RoomFactory(status=RoomStatus.ACTIVE)
    typo = client.post(url(active, "participants/"), {"metdata": {}}, "application/json")
    assert typo.status_code == 400 and "metdata" in typo.json()["error"]["details"]
    assert active.participants.count() == 1


def test_the_participant_list_filters_and_hides_pending_people_and_metadata_from_members():
    cast = cast_room()
    cast.rows["participant"].metadata = {"age": 30}
    cast.rows["participant"].save()

    as_member = client_for(cast.user("viewer")).get(url(cast.room, "participants/")).json()
    assert as_member["count"] == 5  # the pending person is not shown
    assert {row["metadata"] for row in as_member["results"]} == {None}

    as_manager = client_for(cast.user("moderator")).get(url(cast.room, "participants/")).json()
    assert as_manager["count"] == 6
    mine = [r for r in as_manager["results"] if r["id"] == cast.rows["participant"].pk]
    assert mine[0]["metadata"] == {"age": 30}
    pending = client_for(cast.user("organizer")).get(
        url(cast.room, "participants/?status=PENDING_APPROVAL")
    )
    assert [r["id"] for r in pending.json()["results"]] == [cast.rows["pending"].pk]
    organizers = client_for().get(url(cast.room, "participants/?role=organizer")).json()
    assert [r["id"] for r in organizers["results"]] == [cast.rows["organizer"].pk]
    bad = client_for().get(url(cast.room, "participants/?role=king"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("participants/", lambda room, i: ParticipantFactory(room=room)),
        ("prizes/", lambda room, i: PrizeFactory(room=room)),
        ("winners/", None),
    ],
)
def test_lists_take_the_same_number_of_queries_whatever_their_length(
    path, make, django_assert_max_num_queries
):
    def filled(n):
        room = RoomFactory(status=RoomStatus.ACTIVE)
        if make is not None:
            for i in range(n):
                make(room, i)
        else:
            prize = PrizeFactory(room=room, quantity=50)
            for _ in range(n):
                Winner.objects.create(
                    room=room,
                    prize=prize,
                    participant=ParticipantFactory(room=room),
                    method="manual",
                )
        return room

    small, big = filled(1), filled(15)
    client = client_for(UserFactory())
    client.get(url(small, path))  # warm: the session, the user cache
    counts = []
    for room in (small, big):
        with django_assert_max_num_queries(14) as captured:
            response = client.get(url(room, path))
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert response.json()["count"] >= 15


def test_update_approve_and_the_refusals_of_the_participant_api():
    cast = cast_room()
    organizer = client_for(cast.user("organizer"))
    viewer_url = url(cast.room, f"participants/{cast.rows['viewer'].pk}")

    promoted = organizer.patch(viewer_url, {"role": "MODERATOR"}, "application/json")
    assert promoted.status_code == 200 and promoted.json()["role"] == "moderator"
    made_organizer = organizer.patch(viewer_url, {"role": "organizer"}, "application/json")
    assert made_organizer.status_code == 403
    assert made_organizer.json()["error"]["code"] == "role_not_grantable"
    self_demote = organizer.patch(
        url(cast.room, f"participants/{cast.rows['organizer'].pk}"),
        {"role": "viewer"},
        "application/json",
    )
    assert self_demote.status_code == 409
    assert self_demote.json()["error"]["code"] == "last_organizer"
    approve = organizer.patch(
        url(cast.room, f"participants/{cast.rows['pending'].pk}"),
        {"approve": True},
        "application/json",
    )
    assert approve.status_code == 200 and approve.json()["status"] == "active"
    leave = client_for(cast.user("organizer")).delete(url(cast.room, "participants/me"))
    assert leave.status_code == 403 and leave.json()["error"]["code"] == "forbidden"
    assert Participant.objects.get(pk=cast.rows["organizer"].pk).role == Role.ORGANIZER


def test_prizes_through_the_api_keep_units_given_and_soft_delete():
    cast = cast_room()
    organizer = client_for(cast.user("organizer"))
    created = organizer.post(
        url(cast.room, "prizes/"), {"name": "Signed LP", "quantity": 2}, "application/json"
    )
    assert created.status_code == 201
    prize = created.json()
    assert (prize["quantity"], prize["quantity_remaining"]) == (2, 2)
    pick = organizer.post(
        url(cast.room, "winners/"),
        {"prize_id": prize["id"], "participant_id": cast.rows["participant"].pk},
        "application/json",
    )
    assert pick.status_code == 201
    assert pick.json()["method"] == "manual" and pick.json()["prize_name"] == "Signed LP"
    changed = organizer.patch(
        url(cast.room, f"prizes/{prize['id']}"), {"quantity": 5}, "application/json"
    )
    assert changed.json()["quantity_remaining"] == 4
    zero = organizer.patch(
        url(cast.room, f"prizes/{prize['id']}"), {"quantity": 0}, "application/json"
    )
    assert zero.status_code == 400
    assert organizer.delete(url(cast.room, f"prizes/{prize['id']}")).status_code == 204
    assert Prize.objects.get(pk=prize["id"]).deleted_at is not None  # it has a winner
    assert client_for().get(url(cast.room, f"prizes/{prize['id']}")).status_code == 404
    assert client_for().get(url(cast.room, "prizes/")).json()["count"] == 0


def test_a_manual_pick_answers_409_for_a_duplicate_and_for_an_exhausted_prize():
    cast = cast_room()
    prize = PrizeFactory(room=cast.room, quantity=2)
    moderator = client_for(cast.user("moderator"))
    body = {"prize_id": prize.pk, "participant_id": cast.rows["participant"].pk}
    assert moderator.post(url(cast.room, "winners/"), body, "application/json").status_code == 201
    duplicate = moderator.post(url(cast.room, "winners/"), body, "application/json")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "duplicate"
    not_eligible = moderator.post(
        url(cast.room, "winners/"),
        {"prize_id": prize.pk, "participant_id": cast.rows["viewer"].pk},
        "application/json",
    )
    assert not_eligible.status_code == 400
    second = ParticipantFactory(room=cast.room)
    body = {"prize_id": prize.pk, "participant_id": second.pk}
    assert moderator.post(url(cast.room, "winners/"), body, "application/json").status_code == 201
    other = ParticipantFactory(room=cast.room)
    exhausted = moderator.post(
        url(cast.room, "winners/"),
        {"prize_id": prize.pk, "participant_id": other.pk},
        "application/json",
    )
    assert exhausted.status_code == 409
    assert exhausted.json()["error"]["code"] == "prize_exhausted"
    winner = Winner.objects.filter(prize=prize).first()
    revoke = client_for(cast.user("organizer")).delete(url(cast.room, f"winners/{winner.pk}"))
    assert revoke.status_code == 204
    assert Prize.objects.get(pk=prize.pk).quantity_remaining == 1
    twice = client_for(cast.user("organizer")).delete(url(cast.room, f"winners/{winner.pk}"))
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_revoked"
    listed = client_for().get(url(cast.room, "winners/?include_revoked=true")).json()
    assert [w["revoked_at"] is not None for w in listed["results"]] == [True, False]
    assert client_for().get(url(cast.room, "winners/")).json()["count"] == 1


def test_a_system_call_reaches_only_its_own_apps_rooms_and_names_who_joins():
    app, secret = app_with_secret(permissions=["participants:write", "participants:read"])
    own = RoomFactory(status=RoomStatus.ACTIVE, app=app, is_public=False)
    foreign = RoomFactory(status=RoomStatus.ACTIVE)  # another app's public room
    headers = system(token_for(app, secret))
    newcomer = UserFactory()
    client = client_for()

    nobody = client.post(url(own, "participants/"), {}, "application/json", **headers)
    assert nobody.status_code == 400 and "user_id" in nobody.json()["error"]["details"]
    added = client.post(
        url(own, "participants/"), {"user_id": newcomer.pk}, "application/json", **headers
    )
    assert added.status_code == 201 and added.json()["user_id"] == newcomer.pk
    listed = client.get(url(own, "participants/"), **headers).json()
    assert {r["user_id"] for r in listed["results"]} == {own.created_by_id, newcomer.pk}
    elsewhere = client.post(
        url(foreign, "participants/"), {"user_id": newcomer.pk}, "application/json", **headers
    )
    assert elsewhere.status_code == 404
    assert not Participant.objects.filter(room=foreign, user=newcomer).exists()
    leave = client.delete(url(own, "participants/me"), **headers)
    assert leave.status_code == 403 and leave.json()["error"]["code"] == "app_not_allowed"
    assert Participant.objects.get(room=own, user=newcomer).status == ParticipantStatus.ACTIVE
