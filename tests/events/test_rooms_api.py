"""The rooms API (/api/v1/rooms): the policy matrix by role at API level, lists (visibility,
filters, pinned query counts), create/read/update/delete, transitions, the upgrade and the
writeOnly redaction, in the one error shape."""

import pytest
from rest_framework.test import APIClient

from events.models import AppManifestVersion, Participant, Role, Room, RoomAudit, RoomStatus
from tests.accounts.factories import UserFactory
from tests.events.appauth import acting, app_with_secret, minted_user_token, system, token_for
from tests.events.factories import AppFactory, ParticipantFactory, RoomFactory, manifest
from tests.events.test_rooms_services import LOTTERY_SETTINGS, SECRET_SETTINGS
from tests.marketplace.factories import GigFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/rooms/"


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def lottery_app(**fields):
    return AppFactory(manifest=manifest(settings=LOTTERY_SETTINGS), **fields)


def add_version(app, version="1.1.0", settings=None):
    data = manifest(settings=settings or LOTTERY_SETTINGS)
    data["meta"]["version"] = version
    AppManifestVersion.objects.create(app=app, version=version, manifest=data)


# --- the policy matrix (SPEC-events §2) at API level ------------------------------------------

ROLES = ["organizer", "moderator", "participant", "viewer", "non-member", "anonymous", "staff"]
MEMBER = {"moderator": Role.MODERATOR, "participant": Role.PARTICIPANT, "viewer": Role.VIEWER}
ACTIONS = ["create", "read public", "read private", "update", "delete", "upgrade"]

# action -> role -> expected status
EXPECTED = {
    "create": {**dict.fromkeys(ROLES, 201), "anonymous": 401},
    "read public": dict.fromkeys(ROLES, 200),
    "read private": {**dict.fromkeys(ROLES, 200), "non-member": 404, "anonymous": 404},
    "update": {
        **dict.fromkeys(["moderator", "participant", "viewer"], 403),
        "organizer": 200,
        "staff": 200,
        "non-member": 404,
        "anonymous": 401,
    },
}
EXPECTED["delete"] = {**EXPECTED["update"], "organizer": 204, "staff": 204}
EXPECTED["upgrade"] = EXPECTED["update"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_policy_matrix_by_role_and_action(role, action):
    app = lottery_app()
    add_version(app)
    public = action == "read public"
    room = RoomFactory(app=app, is_public=public, status=RoomStatus.ACTIVE, name="Before")
    user = {
        "organizer": room.created_by,
        "non-member": UserFactory(),
        "anonymous": None,
        "staff": UserFactory(is_staff=True),
    }.get(role)
    if role in MEMBER:
        user = ParticipantFactory(room=room, role=MEMBER[role]).user
    client, path = client_for(user), f"{LIST}{room.pk}"
    rooms_before = Room.objects.count()

    response = {
        "create": lambda: client.post(LIST, {"name": "Mine", "app": app.app_id}, format="json"),
        "read public": lambda: client.get(path),
        "read private": lambda: client.get(path),
        "update": lambda: client.patch(path, {"name": "After"}, format="json"),
        "delete": lambda: client.delete(path),
        "upgrade": lambda: client.post(
            f"{path}/upgrade-manifest", {"target_version": "1.1.0"}, format="json"
        ),
    }[action]()

    expected = EXPECTED[action][role]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()["error"]) == {"code", "message", "details"}
        code = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}[expected]
        assert response.json()["error"]["code"] == code
        room.refresh_from_db()
        assert (room.name, room.deleted_at, room.app_manifest_version.version) == (
            "Before",
            None,
            "1.0.0",
        )
        assert Room.objects.count() == rooms_before
        assert not RoomAudit.objects.exists()
    elif action == "create":
        assert response.json()["my_role"] == "organizer"
    elif action.startswith("read"):
        assert response.json()["id"] == room.pk


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_public_rooms_and_your_own_private_ones_staff_all():
    app = lottery_app()
    public = RoomFactory(app=app, is_public=True)
    private = RoomFactory(app=app, is_public=False)
    other_private = RoomFactory(app=app, is_public=False)
    deleted = RoomFactory(app=app, is_public=True, deleted_at=public.created_at)
    member = ParticipantFactory(room=private, role=Role.VIEWER).user
    pending = UserFactory()
    Participant.objects.create(room=other_private, user=pending, status="pending_approval")

    def ids(user):
        response = client_for(user).get(LIST)
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"next", "previous", "results"}
        return {row["id"] for row in response.json()["results"]}

    assert ids(None) == {public.pk}
    assert ids(pending) == {public.pk}  # pending approval is not a member yet
    assert ids(member) == {public.pk, private.pk}
    assert ids(UserFactory(is_staff=True)) == {public.pk, private.pk, other_private.pk}
    assert deleted.pk not in ids(UserFactory(is_staff=True))
    rows = client_for(member).get(LIST).json()["results"]
    assert {row["id"]: row["my_role"] for row in rows} == {public.pk: None, private.pk: "viewer"}
    detail = client_for(member).get(f"{LIST}{private.pk}").json()
    [row] = [row for row in rows if row["id"] == private.pk]
    assert row == {key: value for key, value in detail.items() if key != "app_settings"}


def test_the_list_filters():
    app, other = lottery_app(), lottery_app()
    gig = GigFactory()
    creator = UserFactory()
    a = RoomFactory(app=app, status=RoomStatus.ACTIVE, created_by=creator)
    b = RoomFactory(app=other, is_public=False)
    c = RoomFactory(app=app, gig=gig, status=RoomStatus.COMPLETED)
    staff = client_for(UserFactory(is_staff=True))

    def ids(query):
        response = staff.get(LIST, query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids({"status": "ACTIVE"}) == {a.pk}
    assert ids({"status": "active,Completed"}) == {a.pk, c.pk}
    assert ids({"app": other.app_id}) == {b.pk}
    assert ids({"is_public": "false"}) == {b.pk}
    assert ids({"created_by": creator.pk}) == {a.pk}
    assert ids({"gig": gig.pk}) == {c.pk}
    bad = staff.get(LIST, {"status": "open"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"
    assert "status" in bad.json()["error"]["details"]


def test_the_list_pages_by_cursor():
    app = lottery_app()
    rooms = [RoomFactory(app=app) for _ in range(5)]
    first = client_for(None).get(LIST, {"page_size": 3}).json()
    second = client_for(None).get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert seen == [room.pk for room in reversed(rooms)]


@pytest.mark.parametrize("viewer", ["anonymous", "member", "staff"])
def test_list_and_detail_queries_do_not_grow_with_rows(viewer, django_assert_max_num_queries):
    app = lottery_app()
    user = {"anonymous": None, "staff": UserFactory(is_staff=True)}.get(viewer) or UserFactory()
    client = client_for(user)

    def make(count):
        for index in range(count):
            room = RoomFactory(app=app, is_public=index % 2 == 0, app_settings=SECRET_SETTINGS)
            if viewer == "member":
                ParticipantFactory(room=room, user=user)
            for _ in range(3):
                ParticipantFactory(room=room)

    make(2)
    room = Room.objects.filter(is_public=True).first()
    with django_assert_max_num_queries(4) as small:
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(4) as small_detail:
        assert client.get(f"{LIST}{room.pk}").status_code == 200
    make(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(client.get(LIST).json()["results"]) >= 6
    with django_assert_max_num_queries(len(small_detail.captured_queries)):
        assert client.get(f"{LIST}{room.pk}").status_code == 200


# --- create, update, transitions --------------------------------------------------------------


def test_create_answers_settings_errors_keyed_by_settings_path():
    app = lottery_app()
    response = client_for(UserFactory()).post(
        LIST,
        {
            "name": "R",
            "app": app.app_id,
            "app_settings": {"ticket_count": 0, "questions": [{"text": "", "options": []}]},
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]) == {
        "settings.ticket_count",
        "settings.questions[0].text",
        "settings.questions[0].options",
        "settings.questions[0].correct_index",
    }
    assert not Room.objects.exists()


def test_create_refuses_unknown_or_disabled_apps_and_unknown_fields():
    client = client_for(UserFactory())
    unknown = client.post(LIST, {"name": "R", "app": "app_nope"}, format="json")
    assert unknown.status_code == 400 and "app" in unknown.json()["error"]["details"]
    missing = client.post(LIST, {"name": "R"}, format="json")
    assert missing.status_code == 400 and "app" in missing.json()["error"]["details"]
    off = lottery_app(is_active=False)
    disabled = client.post(LIST, {"name": "R", "app": off.app_id}, format="json")
    assert disabled.status_code == 409 and disabled.json()["error"]["code"] == "app_inactive"
    extra = client.post(LIST, {"name": "R", "app": off.app_id, "status": "active"}, format="json")
    assert extra.status_code == 400 and "status" in extra.json()["error"]["details"]
    assert not Room.objects.exists()


def test_patch_runs_field_changes_and_the_transition_in_one_transaction():
    room = RoomFactory(app=lottery_app())
    client = client_for(room.created_by)
    path = f"{LIST}{room.pk}"

    ok = client.patch(path, {"name": "Live now", "status": "Active"}, format="json")

    assert ok.status_code == 200, ok.content
    assert (ok.json()["name"], ok.json()["status"]) == ("Live now", "active")
    refused = client.patch(path, {"name": "Again", "status": "draft"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "invalid_transition"
    room.refresh_from_db()
    assert (room.name, room.status) == ("Live now", "active")  # the rename was rolled back


@pytest.mark.parametrize(
    ("start", "action", "status", "end"),
    [
        (RoomStatus.DRAFT, "activate", 200, "active"),
        (RoomStatus.ACTIVE, "complete", 200, "completed"),
        (RoomStatus.ACTIVE, "cancel", 200, "cancelled"),
        (RoomStatus.DRAFT, "complete", 409, "draft"),
        (RoomStatus.CANCELLED, "activate", 409, "cancelled"),
    ],
)
def test_transition_endpoints(start, action, status, end):
    room = RoomFactory(app=lottery_app(), status=start)
    response = client_for(room.created_by).post(f"{LIST}{room.pk}/{action}")
    assert response.status_code == status, response.content
    room.refresh_from_db()
    assert room.status == end
    if status == 409:
        assert response.json()["error"]["details"]["from"] == start


def test_upgrade_answers_migration_required_then_moves_with_migration_data():
    app = lottery_app()
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    add_version(app, "2.0.0", {"type": "object", "required": ["venue_code"]})
    client = client_for(room.created_by)
    path = f"{LIST}{room.pk}/upgrade-manifest"

    refused = client.post(path, {"target_version": "2.0.0"}, format="json")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "migration_required"
    assert refused.json()["error"]["details"]["missing"] == ["settings.venue_code"]
    moved = client.post(
        path, {"target_version": "2.0.0", "migration_data": {"venue_code": "A"}}, format="json"
    )
    assert moved.status_code == 200, moved.content
    body = moved.json()
    assert (body["old_version"], body["new_version"], body["strategy"]) == (
        "1.0.0",
        "2.0.0",
        "assisted",
    )
    assert body["room"]["app_manifest_version"] == "2.0.0"
    assert body["room"]["app_settings"] == {"ticket_count": 5, "venue_code": "A"}


def test_write_only_settings_reach_only_those_who_may_update():
    room = RoomFactory(app=lottery_app(), app_settings=SECRET_SETTINGS, is_public=True)
    member = ParticipantFactory(room=room).user
    path = f"{LIST}{room.pk}"

    for user in (None, member):
        body = client_for(user).get(path).json()
        assert "api_key" not in body["app_settings"]
        assert all("correct_index" not in q for q in body["app_settings"]["questions"])
        assert "s3cret" not in str(body)
    assert client_for(room.created_by).get(path).json()["app_settings"] == SECRET_SETTINGS


def test_the_rooms_own_app_reads_its_write_only_settings_in_a_system_call_only():
    """The settings are the app's configuration (the Quiz app judges with the correct index);
    another app, or the app acting for a participant, sees what a participant sees."""
    own, own_secret = app_with_secret(
        manifest=manifest(settings=LOTTERY_SETTINGS, permissions=["rooms:read"])
    )
    room = RoomFactory(app=own, app_settings=SECRET_SETTINGS, is_public=True)
    other, other_secret = app_with_secret(permissions=["rooms:read"])
    path = f"{LIST}{room.pk}"
    client = APIClient()

    mine = client.get(path, **system(token_for(own, own_secret))).json()
    assert mine["app_settings"] == SECRET_SETTINGS
    theirs = client.get(path, **system(token_for(other, other_secret))).json()
    assert "api_key" not in theirs["app_settings"] and "s3cret" not in str(theirs)
    member = ParticipantFactory(room=room).user
    for_member = client.get(
        path, **acting(minted_user_token(member), token_for(own, own_secret))
    ).json()
    assert "api_key" not in for_member["app_settings"] and "s3cret" not in str(for_member)


def test_a_system_call_reads_its_own_private_rooms_and_manages_only_them():
    app, secret = app_with_secret(permissions=["rooms:read", "rooms:write"])
    own = RoomFactory(app=app, is_public=False)
    foreign = RoomFactory(is_public=True)
    headers = system(token_for(app, secret))
    client = APIClient()

    listed = client.get(LIST, **headers).json()["results"]
    assert {row["id"] for row in listed} == {own.pk, foreign.pk}
    assert client.get(f"{LIST}{own.pk}", **headers).status_code == 200
    renamed = client.patch(f"{LIST}{own.pk}", {"name": "By app"}, format="json", **headers)
    assert renamed.status_code == 200
    assert RoomAudit.objects.get(room=own).detail["app_id"] == app.app_id
    refused = client.patch(f"{LIST}{foreign.pk}", {"name": "X"}, format="json", **headers)
    assert refused.status_code == 404
    created = client.post(LIST, {"name": "App room"}, format="json", **headers)
    assert created.status_code == 201, created.content
    assert created.json()["created_by"] == app.owner_id
    other = client.post(LIST, {"name": "R", "app": foreign.app.app_id}, format="json", **headers)
    assert other.status_code == 403


# --- the gig page's room fragment -------------------------------------------------------------


def test_the_gig_page_loads_the_room_fragment_that_events_serves(client):
    gig = GigFactory()
    room = RoomFactory(app=lottery_app(), gig=gig, created_by=gig.venue.user, name="Encore draw")
    private = RoomFactory(app=room.app, gig=GigFactory(), is_public=False)

    page = client.get(f"/gigs/{gig.pk}/")
    fragment = client.get(f"/gigs/{gig.pk}/room/")
    hidden = client.get(f"/gigs/{private.gig_id}/room/")

    assert page.status_code == 200
    assert f'hx-get="/gigs/{gig.pk}/room/"' in page.content.decode()
    assert fragment.status_code == 200 and "Encore draw" in fragment.content.decode()
    assert f'href="/rooms/{room.pk}/"' in fragment.content.decode()  # the live room page
    assert hidden.status_code == 200 and hidden.content == b""  # not readable: nothing shown


def test_the_live_room_page_is_readable_by_the_rooms_read_rule_only(client):
    room = RoomFactory(app=lottery_app(), name="Open draw")
    private = RoomFactory(app=room.app, is_public=False, name="Secret draw")

    page = client.get(f"/rooms/{room.pk}/")
    hidden = client.get(f"/rooms/{private.pk}/")
    client.force_login(private.created_by)
    own = client.get(f"/rooms/{private.pk}/")

    assert page.status_code == 200 and "Open draw" in page.content.decode()
    assert hidden.status_code == 404 and "Secret draw" not in hidden.content.decode()
    assert own.status_code == 200 and "Secret draw" in own.content.decode()


# --- the page statement and its reference queryset agree (PostgreSQL) -------------------------


@pytest.mark.postgres
def test_the_page_statement_and_the_queryset_agree_for_random_filters_and_viewers():
    """docs/conventions.md "Fast reads": on PostgreSQL the list runs a hand-written statement
    (selectors_rooms.rooms_page_source); the queryset (rooms_list) is its reference."""
    import random

    from events import selectors_rooms as selectors

    apps = [lottery_app(), lottery_app()]
    users = [UserFactory() for _ in range(3)]
    gig = GigFactory()
    rng = random.Random(12)
    for n in range(30):
        room = RoomFactory(
            app=apps[n % 2],
            is_public=rng.random() < 0.6,
            status=rng.choice(RoomStatus.values),
            created_by=rng.choice(users),
            gig=gig if n % 7 == 0 else None,
            deleted_at=gig.created_at if n % 11 == 0 else None,
        )
        for user in rng.sample(users, rng.randrange(3)):
            if user != room.created_by:
                ParticipantFactory(
                    room=room,
                    user=user,
                    role=rng.choice([Role.VIEWER, Role.MODERATOR]),
                    status=rng.choice(["active", "active", "pending_approval"]),
                )
    from django.contrib.auth.models import AnonymousUser

    viewers = [AnonymousUser(), *users, UserFactory(is_staff=True)]
    for _ in range(60):
        filters: dict = {}
        if rng.random() < 0.4:
            filters["status"] = rng.sample(RoomStatus.values, rng.choice([1, 2]))
        if rng.random() < 0.3:
            filters["app"] = rng.choice(apps).app_id
        if rng.random() < 0.3:
            filters["is_public"] = rng.random() < 0.5
        if rng.random() < 0.2:
            filters["created_by"] = rng.choice(users).pk
        if rng.random() < 0.1:
            filters["gig"] = gig.pk
        viewer = rng.choice(viewers)
        anonymous = not viewer.is_authenticated
        system_app = rng.choice(apps) if anonymous and rng.random() < 0.5 else None
        statement = selectors.rooms_page_source(viewer, filters=filters, app=system_app)
        reference = selectors.room_card_rows(
            selectors.rooms_list(viewer, filters=filters, app=system_app)
        )
        for start, stop in ((0, 5), (5, 10), (0, 40)):
            got = [(r["id"], r["my_role"], r["version"]) for r in statement[start:stop]]
            want = [(r["id"], r["my_role"], r["version"]) for r in reference[start:stop]]
            assert got == want, (filters, viewer)
