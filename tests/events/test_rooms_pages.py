"""The rooms' pages (docs/rooms.md "Pages"): the list (/rooms/), creating a room (/rooms/new/) and
the organizer's manage page (/rooms/<id>/manage/) with each of its actions. Every action goes
through the services (their effects are checked in the database), refusals are 404 for a room
the visitor may not read and 403 for one they may not manage, and a service's refusal is a
message or an error next to the field, never a 500."""

import re

import pytest
from django.test import Client

from builtin_apps import manifest as builtin_manifest
from events.models import (
    App,
    AppManifestVersion,
    DrawCommitment,
    Participant,
    ParticipantStatus,
    Prize,
    Role,
    Room,
    RoomAudit,
    RoomStatus,
    Winner,
)
from events.services import rooms as room_services
from events.services.winners import winner_pick
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.events.factories import AppFactory, ParticipantFactory, PrizeFactory
from tests.marketplace.factories import GigFactory, VenueProfileFactory, in_days

pytestmark = pytest.mark.django_db

QUESTION = {
    "questions.__count": "1",
    "questions.0.id": "q1",
    "questions.0.text": "Which planet is largest?",
    "questions.0.options.0": "Mars",
    "questions.0.options.1": "Jupiter",
    "questions.0.correct_index": "1",
    "questions.0.time_limit_s": "30",
}


def client_of(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def settings_data(values: dict) -> dict:
    return {f"settings-{key}": value for key, value in values.items()}


def error_next_to(page: str, input_id: str) -> str:
    """The error shown with the input ``input_id`` (its ``…_error`` element's text)."""
    match = re.search(rf'id="{re.escape(input_id)}_error">([^<]*)<', page)
    assert match, f"no error next to {input_id}"
    return match.group(1)


@pytest.fixture
def lottery() -> App:
    data = builtin_manifest("lottery")
    return AppFactory(app_id="app_lottery", name="Lottery", manifest=data)


@pytest.fixture
def quiz() -> App:
    data = builtin_manifest("quiz")
    return AppFactory(app_id="app_quiz", name="Quiz", manifest=data)


@pytest.fixture
def organizer():
    return UserFactory(display_name="Olga Organizer")


@pytest.fixture
def room(lottery, organizer) -> Room:
    return room_services.room_create(
        by=organizer, app=lottery, name="Spring raffle", app_settings={"ticket_count": 50}
    )


def activate(room: Room) -> Room:
    return room_services.room_activate(room=room, by=room.created_by)


# --- the list ---------------------------------------------------------------------------------


def test_anyone_sees_public_rooms_with_a_link_to_each_live_page(lottery, organizer):
    public = room_services.room_create(by=organizer, app=lottery, name="Open raffle")
    private = room_services.room_create(
        by=organizer, app=lottery, name="Secret raffle", is_public=False
    )
    page = text(client_of().get("/rooms/"))
    assert f'href="/rooms/{public.pk}/"' in page and "Open raffle" in page
    assert "Secret raffle" not in page and f"/rooms/{private.pk}/" not in page
    assert "/manage/" not in page  # no manage link for a stranger
    assert 'href="/rooms/new/"' not in page  # anonymous: no create button


def test_members_see_their_private_rooms_and_managers_a_manage_link(lottery, organizer):
    private = room_services.room_create(
        by=organizer, app=lottery, name="Secret raffle", is_public=False
    )
    member = UserFactory()
    Participant.objects.create(room=private, user=member, role=Role.PARTICIPANT)
    moderator = UserFactory()
    Participant.objects.create(room=private, user=moderator, role=Role.MODERATOR)
    member_page = text(client_of(member).get("/rooms/"))
    assert "Secret raffle" in member_page and 'data-testid="room-private"' in member_page
    assert "You are participant." in member_page
    assert f"/rooms/{private.pk}/manage/" not in member_page
    for manager in (organizer, moderator, UserFactory(is_staff=True)):
        page = text(client_of(manager).get("/rooms/"))
        assert f'href="/rooms/{private.pk}/manage/"' in page, manager
    assert "Secret raffle" not in text(client_of(UserFactory()).get("/rooms/"))


def test_the_list_filters_by_status_app_and_mine(lottery, quiz, organizer):
    draft = room_services.room_create(by=organizer, app=lottery, name="Draft raffle")
    activate(room_services.room_create(by=organizer, app=lottery, name="Live raffle"))
    other = UserFactory()
    room_services.room_create(
        by=other,
        app=quiz,
        name="Quiz night",
        app_settings={
            "questions": [{"id": "a", "text": "?", "options": ["x", "y"], "correct_index": 0}]
        },
    )
    client = client_of(organizer)

    def names(query: str) -> set[str]:
        page = text(client.get(f"/rooms/?{query}"))
        return set(re.findall(r'data-room="\d+">\s*<header>\s*<h2><a [^>]*>([^<]+)<', page))

    assert names("") == {"Draft raffle", "Live raffle", "Quiz night"}
    assert names("status=active") == {"Live raffle"}
    assert names("app=app_quiz") == {"Quiz night"}
    assert names("mine=on") == {"Draft raffle", "Live raffle"}
    assert names("mine=on&status=draft") == {"Draft raffle"}
    assert names("status=draft&app=app_lottery&page=1") == {draft.name}


def test_bad_filters_are_shown_next_to_the_filter_and_list_nothing(room):
    response = client_of().get("/rooms/?status=sleeping")
    assert response.status_code == 200
    page = text(response)
    assert error_next_to(page, "id_status").startswith("Select a valid choice")
    assert 'data-testid="room-card"' not in page


def test_the_list_pages_without_a_count(lottery, organizer):
    for number in range(23):
        room_services.room_create(by=organizer, app=lottery, name=f"Raffle {number:02}")
    client = client_of(organizer)
    first = text(client.get("/rooms/?mine=on"))
    assert first.count('data-testid="room-card"') == 20
    assert "Raffle 22" in first and "Raffle 02" not in first  # newest first
    assert 'href="?mine=on&amp;page=2" rel="next"' in first
    second = text(client.get("/rooms/?mine=on&page=2"))
    assert second.count('data-testid="room-card"') == 3
    assert "Raffle 00" in second and 'rel="next"' not in second
    assert 'href="?mine=on&amp;page=1" rel="prev"' in second
    # A hand-edited page number is page 1, never an error.
    assert client.get("/rooms/?page=²").status_code == 200


def test_the_empty_states_call_to_action(lottery):
    anonymous = text(client_of().get("/rooms/"))
    assert 'data-testid="empty-state"' in anonymous and "Sign in to create a room" in anonymous
    signed_in = text(client_of(UserFactory()).get("/rooms/"))
    assert 'data-testid="empty-new-room"' in signed_in and 'href="/rooms/new/"' in signed_in
    filtered = text(client_of(UserFactory()).get("/rooms/?status=completed"))
    assert "No rooms match" in filtered


@pytest.mark.parametrize("rooms", [1, 20])
def test_the_list_takes_the_same_queries_for_one_room_or_a_full_page(
    rooms, lottery, organizer, django_assert_max_num_queries
):
    for number in range(rooms):
        created = room_services.room_create(
            by=organizer, app=lottery, name=f"Raffle {number}", is_public=number % 2 == 0
        )
        Participant.objects.create(room=created, user=UserFactory(), role=Role.PARTICIPANT)
    client = client_of(organizer)
    client.get("/rooms/")  # a first request may record the device (accounts.last_seen)
    # session, user, unread messages and notifications (the menu), the app filter, the page.
    with django_assert_max_num_queries(6):
        response = client.get("/rooms/?status=draft")
    assert text(response).count('data-testid="room-card"') == rooms
    with django_assert_max_num_queries(2):  # anonymous: the app filter, the page
        response = client_of().get("/rooms/")
    assert text(response).count('data-testid="room-card"') == (rooms + 1) // 2


def test_the_main_menu_links_the_rooms():
    assert 'href="/rooms/">Rooms</a>' in text(client_of().get("/"))
    assert 'href="/rooms/">Rooms</a>' in text(client_of(UserFactory()).get("/dashboard/"))


# --- create -----------------------------------------------------------------------------------


def test_creating_needs_a_signed_in_onboarded_user(lottery):
    anonymous = client_of().get("/rooms/new/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    unfinished = client_of(NewUserFactory()).get("/rooms/new/")
    assert unfinished.status_code == 302 and "/rooms/" not in unfinished["Location"]


def test_the_create_page_offers_live_enabled_apps_and_their_settings(lottery, quiz):
    AppFactory(app_id="app_off", name="Switched off", is_active=False)
    page = text(client_of(UserFactory()).get("/rooms/new/"))
    assert '<option value="app_lottery"' in page and '<option value="app_quiz"' in page
    assert "Switched off" not in page
    # The first app's settings, generated from its schema; htmx redraws them on change.
    assert "Lottery settings" in page and 'name="settings-ticket_count"' in page
    assert 'hx-get="/rooms/new/settings/"' in page and 'hx-target="#room-settings"' in page
    assert 'name="choose_app"' in page  # the same without JavaScript (in <noscript>)
    quiz_page = text(client_of(UserFactory()).get("/rooms/new/?app=app_quiz"))
    assert "Quiz settings" in quiz_page and 'name="settings-questions.0.text"' in quiz_page


def test_the_settings_part_alone_for_htmx(lottery, quiz):
    client = client_of(UserFactory())
    part = text(client.get("/rooms/new/settings/?app=app_quiz"))
    assert part.lstrip().startswith("<section") and "<html" not in part
    assert 'name="settings_app" value="app_quiz"' in part
    assert "Choose an app" in text(client.get("/rooms/new/settings/?app=nope"))


def test_no_app_means_no_form_but_a_way_forward():
    page = text(client_of(UserFactory()).get("/rooms/new/"))
    assert 'data-testid="no-apps"' in page and 'data-testid="room-form"' not in page


def test_creating_a_lottery_room_through_the_settings_form(lottery):
    user = UserFactory()
    data = {
        "app": "app_lottery",
        "settings_app": "app_lottery",
        "name": "  Summer raffle ",
        "description": "Win a signed LP.",
        "visibility": "private",
        **settings_data(
            {
                "ticket_count": "250",
                "draw_date": "2030-06-01T20:00",
                "theme": "Summer",
                "allow_multiple_wins": "on",
            }
        ),
    }
    response = client_of(user).post("/rooms/new/", data)
    room = Room.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rooms/{room.pk}/manage/"
    assert room.name == "Summer raffle" and not room.is_public and room.status == RoomStatus.DRAFT
    assert room.app_manifest_version.version == "1.0.0"
    assert room.app_settings == {
        "ticket_count": 250,
        "draw_date": "2030-06-01T20:00:00Z",
        "theme": "Summer",
        "allow_multiple_wins": True,
    }
    assert Participant.objects.get(room=room).user == user  # the creator is the organizer
    assert RoomAudit.objects.filter(room=room, action="create").exists()


def test_settings_errors_stand_next_to_their_fields_and_nothing_is_created(quiz):
    data = {
        "app": "app_quiz",
        "settings_app": "app_quiz",
        "name": "Quiz night",
        "visibility": "public",
        **settings_data(
            {
                **QUESTION,
                "questions.0.id": "q 1",
                "questions.0.options.1": "",
                "questions.0.correct_index": "",
            }
        ),
    }
    response = client_of(UserFactory()).post("/rooms/new/", data)
    assert response.status_code == 400
    assert not Room.objects.exists()
    page = text(response)
    assert "does not match" in error_next_to(page, "id_settings-questions.0.id")
    assert error_next_to(page, "id_settings-questions.0.correct_index") == (
        "This field is required."
    )
    assert "is too short" in error_next_to(page, "id_settings-questions.0.options-part")
    assert 'data-testid="error-summary"' in page
    assert 'href="#id_settings-questions.0.id"' in page  # the summary links to the input
    assert 'value="Quiz night"' in page  # what was typed stays


def test_room_field_errors_from_the_form_and_the_service(lottery):
    base = {"app": "app_lottery", "settings_app": "app_lottery", "visibility": "public"}
    client = client_of(UserFactory())
    response = client.post("/rooms/new/", {**base, "name": ""})
    assert response.status_code == 400
    assert error_next_to(text(response), "id_name") == "This field is required."
    response = client.post(
        "/rooms/new/", {**base, "name": "x", **settings_data({"ticket_count": "0"})}
    )
    assert "less than the minimum" in error_next_to(text(response), "id_settings-ticket_count")
    assert not Room.objects.exists()


def test_choosing_another_app_without_javascript_redraws_the_settings(lottery, quiz):
    response = client_of(UserFactory()).post(
        "/rooms/new/",
        {
            "app": "app_quiz",
            "settings_app": "app_lottery",
            "choose_app": "1",
            "name": "Quiz",
            "visibility": "public",
            **settings_data({"ticket_count": "5"}),
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Quiz settings" in page and 'name="settings-questions.0.text"' in page
    assert 'value="Quiz"' in page and 'data-testid="error-summary"' not in page
    assert not Room.objects.exists()


def test_settings_drawn_for_another_app_are_not_submitted(lottery, quiz):
    response = client_of(UserFactory()).post(
        "/rooms/new/",
        {
            "app": "app_quiz",
            "settings_app": "app_lottery",
            "name": "Quiz",
            "visibility": "public",
            **settings_data({"ticket_count": "5"}),
        },
    )
    page = text(response)
    assert "These are Quiz&#x27;s settings" in page and "Quiz settings" in page
    assert not Room.objects.exists()


def test_add_another_question_and_remove_one_without_javascript(quiz):
    client = client_of(UserFactory())
    base = {"app": "app_quiz", "settings_app": "app_quiz", "name": "Quiz", "visibility": "public"}
    response = client.post(
        "/rooms/new/", {**base, **settings_data(QUESTION), "settings-add": "questions"}
    )
    page = text(response)
    assert response.status_code == 200 and not Room.objects.exists()
    assert "Question 2" in page and 'data-testid="error-summary"' not in page
    assert re.search(r'name="settings-questions.1.time_limit_s" value="30"', page)
    assert 'name="settings-questions.__count" value="2"' in page
    second = {
        "questions.__count": "2",
        "questions.1.id": "q2",
        "questions.1.text": "Second?",
        "questions.1.options.0": "a",
        "questions.1.options.1": "b",
        "questions.1.correct_index": "0",
        "questions.1.time_limit_s": "20",
    }
    response = client.post(
        "/rooms/new/",
        {**base, **settings_data({**QUESTION, **second, "questions.0.__remove": "on"})},
    )
    assert response.status_code == 302
    assert Room.objects.get().app_settings["questions"] == [
        {
            "id": "q2",
            "text": "Second?",
            "options": ["a", "b"],
            "correct_index": 0,
            "time_limit_s": 20,
        }
    ]


def test_a_venue_links_its_own_gig_and_nobody_else_can(lottery):
    venue = VenueProfileFactory()
    gig = GigFactory(venue=venue, title="Friday jazz", date=in_days(5))
    other = GigFactory(date=in_days(5))
    client = client_of(venue.user)
    page = text(client.get("/rooms/new/"))
    assert f'<option value="{gig.pk}">Friday jazz' in page and f'value="{other.pk}"' not in page
    base = {
        "app": "app_lottery",
        "settings_app": "app_lottery",
        "name": "Jazz raffle",
        "visibility": "public",
    }
    response = client.post("/rooms/new/", {**base, "gig": str(other.pk)})
    assert response.status_code == 400 and not Room.objects.exists()
    assert "Select a valid choice" in error_next_to(text(response), "id_gig")
    assert client.post("/rooms/new/", {**base, "gig": str(gig.pk)}).status_code == 302
    assert Room.objects.get().gig == gig
    assert 'name="gig"' not in text(client_of(UserFactory()).get("/rooms/new/"))


def test_a_disabled_app_is_refused(lottery):
    App.objects.filter(pk=lottery.pk).update(is_active=False)
    response = client_of(UserFactory()).post(
        "/rooms/new/",
        {"app": "app_lottery", "settings_app": "app_lottery", "name": "x", "visibility": "public"},
    )
    assert response.status_code == 200 and not Room.objects.exists()
    assert 'data-testid="no-apps"' in text(response)


def test_descriptions_from_a_manifest_are_shown_as_text():
    data = builtin_manifest("lottery")
    data["settings"]["properties"]["theme"]["description"] = "<script>alert(1)</script>"
    data["settings"]["properties"]["theme"]["title"] = "<b>Theme</b>"
    AppFactory(app_id="app_evil", name="Evil <i>app</i>", manifest=data)
    page = text(client_of(UserFactory()).get("/rooms/new/"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>Theme</b>" not in page and "<i>app</i>" not in page


# --- the manage page: who ---------------------------------------------------------------------


def test_a_private_room_is_404_to_outsiders_and_a_missing_one_too(lottery, organizer):
    private = room_services.room_create(by=organizer, app=lottery, name="x", is_public=False)
    stranger = client_of(UserFactory())
    assert stranger.get(f"/rooms/{private.pk}/manage/").status_code == 404
    assert stranger.post(f"/rooms/{private.pk}/manage/status/", {"to": "active"}).status_code == 404
    assert stranger.get("/rooms/999999/manage/").status_code == 404
    room_services.room_delete(room=private, by=organizer)
    assert client_of(organizer).get(f"/rooms/{private.pk}/manage/").status_code == 404


def test_people_who_may_read_but_not_manage_get_403(room, organizer):
    activate(room)
    participant = ParticipantFactory(room=room).user
    viewer = ParticipantFactory(room=room, role=Role.VIEWER).user
    for user in (UserFactory(), participant, viewer):
        client = client_of(user)
        assert client.get(f"/rooms/{room.pk}/manage/").status_code == 403
        response = client.post(f"/rooms/{room.pk}/manage/status/", {"to": "completed"})
        assert response.status_code == 403
        assert client.post(f"/rooms/{room.pk}/manage/delete/").status_code == 403
    room.refresh_from_db()
    assert room.status == RoomStatus.ACTIVE and room.deleted_at is None
    anonymous = client_of().get(f"/rooms/{room.pk}/manage/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_organizer_sees_every_part_a_moderator_only_theirs(room):
    page = text(client_of(room.created_by).get(f"/rooms/{room.pk}/manage/"))
    for part in (
        'id="status"',
        'id="room"',
        'id="version"',
        'id="prizes"',
        'id="participants"',
        'id="winners"',
        'data-testid="transition-active"',
        'data-testid="delete-room"',
    ):
        assert part in page, part
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    response = client_of(moderator).get(f"/rooms/{room.pk}/manage/")
    assert response.status_code == 200
    page = text(response)
    assert 'id="status"' not in page and 'id="room"' not in page and 'id="version"' not in page
    assert 'data-testid="add-prize-form"' in page
    # A moderator can't change the organizer's row.
    row = re.search(r'data-participant="\d+">\s*<td>Olga Organizer.*?</tr>', page, re.S)
    assert row and "save-role" not in row.group(0)
    # Staff manage any room.
    assert client_of(UserFactory(is_staff=True)).get(f"/rooms/{room.pk}/manage/").status_code == 200


# --- the manage page: the room ----------------------------------------------------------------


def test_the_organizer_edits_the_room_and_its_settings(room):
    client = client_of(room.created_by)
    data = {
        "name": "Autumn raffle",
        "description": "New text.",
        "visibility": "private",
        **settings_data({"ticket_count": "75", "theme": "Leaves"}),
    }
    response = client.post(f"/rooms/{room.pk}/manage/", data)
    assert response.status_code == 302 and response["Location"].endswith("#room")
    room.refresh_from_db()
    assert (room.name, room.description, room.is_public) == ("Autumn raffle", "New text.", False)
    assert room.app_settings == {
        "ticket_count": 75,
        "theme": "Leaves",
        "allow_multiple_wins": False,
    }
    audit = RoomAudit.objects.filter(room=room, action="update").get()
    assert audit.detail["fields"] == ["app_settings", "description", "is_public", "name"]


def test_a_refused_edit_shows_the_error_by_the_field_and_changes_nothing(room):
    before = dict(room.app_settings)
    response = client_of(room.created_by).post(
        f"/rooms/{room.pk}/manage/",
        {
            "name": "Renamed",
            "visibility": "public",
            **settings_data({"ticket_count": "10001", "theme": "x" * 101}),
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "is greater than the maximum" in error_next_to(page, "id_settings-ticket_count")
    assert "is too long" in error_next_to(page, "id_settings-theme")
    room.refresh_from_db()
    assert room.name == "Spring raffle" and room.app_settings == before


def test_a_moderator_cannot_edit_the_room(room):
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    response = client_of(moderator).post(
        f"/rooms/{room.pk}/manage/", {"name": "Mine now", "visibility": "public"}
    )
    assert response.status_code == 403
    room.refresh_from_db()
    assert room.name == "Spring raffle"


def test_transitions_activate_complete_and_refuse_the_rest(room):
    client = client_of(room.created_by)
    url = f"/rooms/{room.pk}/manage/status/"
    response = client.post(url, {"to": "completed"}, follow=True)
    assert "A draft room can&#x27;t become completed" in text(response)
    room.refresh_from_db()
    assert room.status == RoomStatus.DRAFT
    response = client.post(url, {"to": "active"})
    assert response.status_code == 302 and response["Location"].endswith("#status")
    room.refresh_from_db()
    assert room.status == RoomStatus.ACTIVE and DrawCommitment.objects.filter(room=room).exists()
    client.post(url, {"to": "completed"})
    room.refresh_from_db()
    assert room.status == RoomStatus.COMPLETED
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert 'data-testid="transition-' not in page  # a final status: no more buttons
    assert client.post(url, {"to": "draft"}, follow=True).status_code == 200  # bad choice


def test_cancelling_asks_first_and_cancels(room):
    client = client_of(room.created_by)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert re.search(r'data-confirm="Cancel the room\? It ends for good\."', page)
    client.post(f"/rooms/{room.pk}/manage/status/", {"to": "cancelled"})
    room.refresh_from_db()
    assert room.status == RoomStatus.CANCELLED


def test_delete_is_soft_and_leads_back_to_the_list(room):
    response = client_of(room.created_by).post(f"/rooms/{room.pk}/manage/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/rooms/"
    assert "“Spring raffle” is deleted." in messages_of(response)
    room.refresh_from_db()
    assert room.deleted_at is not None and Room.objects.filter(pk=room.pk).exists()


# --- the manage page: the manifest upgrade ----------------------------------------------------


def publish(app: App, version: str, change) -> AppManifestVersion:
    data = builtin_manifest("lottery")
    data["meta"]["version"] = version
    change(data["settings"])
    App.objects.filter(pk=app.pk).update(manifest=data, manifest_version=version)
    return AppManifestVersion.objects.create(app=app, version=version, manifest=data)


def test_an_automatic_upgrade(room, lottery):
    publish(
        lottery,
        "1.1.0",
        lambda s: s["properties"].update({"prize_pool": {"type": "integer", "default": 3}}),
    )
    client = client_of(room.created_by)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert '<option value="1.1.0">1.1.0</option>' in page
    response = client.post(
        f"/rooms/{room.pk}/manage/upgrade/", {"target_version": "1.1.0"}, follow=True
    )
    assert "from version 1.0.0 to 1.1.0 (automatic)" in text(response)
    room.refresh_from_db()
    assert room.app_manifest_version.version == "1.1.0"
    assert room.app_settings["prize_pool"] == 3


def test_an_assisted_upgrade_asks_for_exactly_the_missing_settings(room, lottery):
    def needs_a_host(settings):
        settings["properties"]["host"] = {"type": "string", "title": "Host", "minLength": 2}
        settings["properties"]["ticket_count"]["maximum"] = 40  # the room has 50
        settings["required"] = ["host"]

    publish(lottery, "2.0.0", needs_a_host)
    client = client_of(room.created_by)
    response = client.post(f"/rooms/{room.pk}/manage/upgrade/", {"target_version": "2.0.0"})
    assert response.status_code == 409
    page = text(response)
    inputs = set(re.findall(r'name="settings-([^"]+)"', page))
    assert inputs == {"host", "ticket_count"}  # not theme, draw date…
    assert error_next_to(page, "id_settings-host") == "This field is required."
    assert "greater than the maximum" in error_next_to(page, "id_settings-ticket_count")
    assert 'name="fields" value="host"' in page and 'name="fields" value="ticket_count"' in page
    room.refresh_from_db()
    assert room.app_manifest_version.version == "1.0.0"
    # A second try still wrong: the errors again, nothing changes.
    fields = {"target_version": "2.0.0", "fields": ["host", "ticket_count"]}
    response = client.post(
        f"/rooms/{room.pk}/manage/upgrade/",
        {**fields, **settings_data({"host": "A", "ticket_count": "30"})},
    )
    assert response.status_code == 409
    assert "is too short" in error_next_to(text(response), "id_settings-host")
    # Then right: the room moves, assisted, with what was sent and the rest kept.
    response = client.post(
        f"/rooms/{room.pk}/manage/upgrade/",
        {**fields, **settings_data({"host": "Ann", "ticket_count": "30"})},
        follow=True,
    )
    assert "(assisted)" in text(response)
    room.refresh_from_db()
    assert room.app_manifest_version.version == "2.0.0"
    assert room.app_settings == {"ticket_count": 30, "host": "Ann", "allow_multiple_wins": False}


def test_no_upgrade_to_an_unknown_or_lower_version(room, lottery):
    client = client_of(room.created_by)
    assert 'data-testid="no-upgrade"' in text(client.get(f"/rooms/{room.pk}/manage/"))
    response = client.post(
        f"/rooms/{room.pk}/manage/upgrade/", {"target_version": "0.9.0"}, follow=True
    )
    assert "Choose a newer version of the app." in messages_of(response)


# --- the manage page: prizes ------------------------------------------------------------------


def test_prizes_are_added_edited_and_deleted(room):
    client = client_of(room.created_by)
    url = f"/rooms/{room.pk}/manage/prizes/"
    response = client.post(url, {"prize-new-name": "Signed LP", "prize-new-quantity": "3"})
    assert response.status_code == 302
    prize = Prize.objects.get(room=room)
    assert (prize.name, prize.quantity, prize.quantity_remaining) == ("Signed LP", 3, 3)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert re.search(
        r'data-testid="prize-quantity">3<.*data-testid="prize-remaining">3<', page, re.S
    )
    # Edit: one unit given away, then the quantity lowered: remaining = new - awarded.
    activate(room)
    winner_pick(
        room=room,
        by=room.created_by,
        prize_id=prize.pk,
        participant_id=ParticipantFactory(room=room).pk,
    )
    response = client.post(
        f"{url}{prize.pk}/",
        {f"prize-{prize.pk}-name": "Signed LP", f"prize-{prize.pk}-quantity": "2"},
    )
    assert response.status_code == 302
    prize.refresh_from_db()
    assert (prize.quantity, prize.quantity_remaining) == (2, 1)
    # Deleting a prize with a winner only hides it.
    response = client.post(f"{url}{prize.pk}/delete/", follow=True)
    assert "Prize deleted (its winners stay on record)." in messages_of(response)
    prize.refresh_from_db()
    assert prize.deleted_at is not None


def test_prize_errors_stand_next_to_the_field(room):
    response = client_of(room.created_by).post(
        f"/rooms/{room.pk}/manage/prizes/", {"prize-new-name": "", "prize-new-quantity": "0"}
    )
    assert response.status_code == 400
    page = text(response)
    assert error_next_to(page, "id_prize-new-name") == "This field is required."
    assert "greater than or equal to 1" in error_next_to(page, "id_prize-new-quantity")
    assert not Prize.objects.exists()


def test_a_moderator_manages_prizes_a_participant_cannot(room):
    activate(room)
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    data = {"prize-new-name": "Poster", "prize-new-quantity": "1"}
    assert client_of(moderator).post(f"/rooms/{room.pk}/manage/prizes/", data).status_code == 302
    participant = ParticipantFactory(room=room).user
    assert client_of(participant).post(f"/rooms/{room.pk}/manage/prizes/", data).status_code == 403
    assert Prize.objects.filter(room=room).count() == 1


def test_a_prize_of_another_room_is_a_message(room):
    other = PrizeFactory()
    response = client_of(room.created_by).post(
        f"/rooms/{room.pk}/manage/prizes/{other.pk}/delete/", follow=True
    )
    assert response.status_code == 200
    assert "No such prize in this room." in messages_of(response)
    assert Prize.objects.filter(pk=other.pk, deleted_at__isnull=True).exists()


# --- the manage page: participants ------------------------------------------------------------


def test_approve_a_pending_person_change_a_role_and_remove_someone(room):
    activate(room)
    pending = ParticipantFactory(room=room, status=ParticipantStatus.PENDING_APPROVAL)
    member = ParticipantFactory(room=room)
    client = client_of(room.created_by)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert 'data-testid="pending-row"' in page
    client.post(f"/rooms/{room.pk}/manage/participants/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == ParticipantStatus.ACTIVE
    response = client.post(
        f"/rooms/{room.pk}/manage/participants/{member.pk}/role/",
        {f"participant-{member.pk}-role": "moderator"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.role == Role.MODERATOR
    client.post(f"/rooms/{room.pk}/manage/participants/{member.pk}/remove/")
    member.refresh_from_db()
    assert member.deleted_at is not None


def test_the_role_invariants_are_messages(room):
    activate(room)
    member = ParticipantFactory(room=room)
    organizer_row = Participant.objects.get(room=room, user=room.created_by)
    client = client_of(room.created_by)
    # Nobody becomes organizer through the page (not a choice).
    response = client.post(
        f"/rooms/{room.pk}/manage/participants/{member.pk}/role/",
        {f"participant-{member.pk}-role": "organizer"},
        follow=True,
    )
    assert "Choose a moderator, participant or viewer role." in messages_of(response)
    # The last organizer keeps the role and can't be removed.
    response = client.post(
        f"/rooms/{room.pk}/manage/participants/{organizer_row.pk}/role/",
        {f"participant-{organizer_row.pk}-role": "viewer"},
        follow=True,
    )
    assert "A room keeps at least one organizer: this is the last one." in messages_of(response)
    response = client.post(
        f"/rooms/{room.pk}/manage/participants/{organizer_row.pk}/remove/", follow=True
    )
    assert "A room keeps at least one organizer: this is the last one." in messages_of(response)
    # A moderator can't touch an organizer's row.
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    response = client_of(moderator).post(
        f"/rooms/{room.pk}/manage/participants/{organizer_row.pk}/remove/", follow=True
    )
    assert "Only an organizer can change or remove an organizer." in messages_of(response)
    organizer_row.refresh_from_db()
    member.refresh_from_db()
    assert organizer_row.role == Role.ORGANIZER and organizer_row.deleted_at is None
    assert member.role == Role.PARTICIPANT
    # Approving someone who is not waiting.
    response = client.post(
        f"/rooms/{room.pk}/manage/participants/{member.pk}/approve/", follow=True
    )
    assert "This participant is not awaiting approval." in messages_of(response)


# --- the manage page: winners -----------------------------------------------------------------


def test_pick_a_winner_by_hand_then_revoke(room):
    activate(room)
    prize = PrizeFactory(room=room, name="Signed LP", quantity=1)
    member = ParticipantFactory(room=room)
    client = client_of(room.created_by)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    # The participant list only: the prize list's options have ids too (the same, on SQLite).
    listed = re.search(r'<select name="pick-participant".*?</select>', page, re.S)
    assert listed
    assert f'<option value="{member.pk}">' in listed.group()  # eligible participants are listed
    organizer = Participant.objects.get(user=room.created_by).pk
    assert f'<option value="{organizer}">' not in listed.group()
    response = client.post(
        f"/rooms/{room.pk}/manage/winners/",
        {"pick-prize": str(prize.pk), "pick-participant": str(member.pk)},
        follow=True,
    )
    winner = Winner.objects.get(room=room)
    assert winner.participant == member and winner.method == "manual"
    assert any("wins “Signed LP”" in m for m in messages_of(response))
    prize.refresh_from_db()
    assert prize.quantity_remaining == 0
    # The stock is gone: the next pick is refused, as a message.
    other = ParticipantFactory(room=room)
    response = client.post(
        f"/rooms/{room.pk}/manage/winners/",
        {"pick-prize": str(prize.pk), "pick-participant": str(other.pk)},
        follow=True,
    )
    assert response.status_code == 200 and Winner.objects.filter(room=room).count() == 1
    assert messages_of(response) == ["Only 0 of this prize left."]
    response = client.post(f"/rooms/{room.pk}/manage/winners/{winner.pk}/revoke/", follow=True)
    assert "The win is revoked; its unit is back with the prize." in messages_of(response)
    winner.refresh_from_db()
    prize.refresh_from_db()
    assert winner.revoked_at is not None and prize.quantity_remaining == 1
    response = client.post(f"/rooms/{room.pk}/manage/winners/{winner.pk}/revoke/", follow=True)
    assert "This win was already revoked." in messages_of(response)


def test_a_moderator_picks_but_cannot_revoke(room):
    activate(room)
    prize = PrizeFactory(room=room, quantity=2)
    member = ParticipantFactory(room=room)
    moderator = ParticipantFactory(room=room, role=Role.MODERATOR).user
    client = client_of(moderator)
    client.post(
        f"/rooms/{room.pk}/manage/winners/",
        {"pick-prize": str(prize.pk), "pick-participant": str(member.pk)},
    )
    winner = Winner.objects.get(room=room)
    page = text(client.get(f"/rooms/{room.pk}/manage/"))
    assert 'data-testid="winner-row"' in page and 'data-testid="revoke"' not in page
    assert client.post(f"/rooms/{room.pk}/manage/winners/{winner.pk}/revoke/").status_code == 403
    winner.refresh_from_db()
    assert winner.revoked_at is None


def test_picks_the_service_refuses_are_messages_not_500s(room):
    activate(room)
    prize = PrizeFactory(room=room, quantity=2)
    member = ParticipantFactory(room=room)
    viewer = ParticipantFactory(room=room, role=Role.VIEWER)
    client = client_of(room.created_by)
    url = f"/rooms/{room.pk}/manage/winners/"
    pick = {"pick-prize": str(prize.pk), "pick-participant": str(member.pk)}
    client.post(url, pick, follow=True)
    response = client.post(url, pick, follow=True)  # the same person again
    assert response.status_code == 200
    assert messages_of(response) == ["Already a winner of this prize."]
    # The page lists only participants: a viewer's number is not a choice.
    response = client.post(url, {**pick, "pick-participant": str(viewer.pk)}, follow=True)
    assert messages_of(response) == ["Choose a prize and a participant."]
    assert Winner.objects.filter(room=room).count() == 1
