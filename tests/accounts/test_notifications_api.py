"""/api/v1/notifications/: list (cursor), unread count, mark read, preferences; only your own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import notifications
from accounts.models import Notification, NotificationPreference
from tests.accounts.factories import NewUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PING = "test.ping"
LIST = "/api/v1/notifications/"
READ = "/api/v1/notifications/read"
COUNT = "/api/v1/notifications/unread-count"
PREFERENCES = "/api/v1/notifications/preferences"


@pytest.fixture(autouse=True)
def test_kind():
    notifications.register_kind(PING, "Pings from the tests")
    yield
    notifications.unregister_kind(PING)


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def client(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def ping(user, n=1):
    return [
        notifications.notify(user, verb=PING, target_url=f"/gigs/{i}/", text=f"Ping {i}")
        for i in range(n)
    ]


def test_the_list_needs_a_sign_in(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_the_list_shows_only_your_own_newest_first(client, user):
    ping(UserFactory(), 2)
    mine = ping(user, 3)

    body = client.get(LIST).json()

    assert [row["id"] for row in body["results"]] == [n.pk for n in reversed(mine)]
    first = body["results"][0]
    assert first == {
        "id": mine[-1].pk,
        "verb": PING,
        "label": "Pings from the tests",
        "text": "Ping 2",
        "target_url": "/gigs/2/",
        "created_at": first["created_at"],
        "read_at": None,
        "unread": True,
    }
    assert first["created_at"].endswith("Z")
    assert set(body) == {"next", "previous", "results"}


def test_the_cursor_walks_every_row_once(client, user):
    made = {n.pk for n in ping(user, 7)}
    seen: list[int] = []
    url = f"{LIST}?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_a_bad_cursor_is_404_in_the_error_shape(client):
    response = client.get(f"{LIST}?cursor=not-a-cursor")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unread_filter(client, user):
    first, second = ping(user, 2)
    notifications.notifications_mark_read(user=user, ids=[first.pk])

    for value in ("1", "true"):
        ids = [row["id"] for row in client.get(f"{LIST}?unread={value}").json()["results"]]
        assert ids == [second.pk]
    assert len(client.get(f"{LIST}?unread=0").json()["results"]) == 2


def test_a_bad_unread_value_is_400(client):
    response = client.get(f"{LIST}?unread=maybe")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "unread" in response.json()["error"]["details"]


@pytest.mark.parametrize("rows", [3, 40])
def test_list_query_count_does_not_grow_with_rows(
    client, user, rows, django_assert_max_num_queries
):
    ping(user, rows)

    with django_assert_max_num_queries(1):  # force_authenticate: the page's SELECT only
        response = client.get(f"{LIST}?page_size=30")

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 30)


def test_unread_count(client, user):
    ping(user, 3)
    ping(UserFactory(), 2)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(COUNT).json()

    assert body == {"unread_count": 3}
    assert len(queries) == 1


def test_mark_some_read(client, user):
    first, second, _third = ping(user, 3)

    response = client.post(READ, {"ids": [first.pk, second.pk]}, format="json")

    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread_count": 1}
    again = client.post(READ, {"ids": [first.pk]}, format="json").json()
    assert again == {"marked": 0, "unread_count": 1}  # idempotent


def test_mark_all_read(client, user):
    ping(user, 3)

    assert client.post(READ, {"all": True}, format="json").json() == {
        "marked": 3,
        "unread_count": 0,
    }


def test_nobody_reads_or_marks_someone_elses_notifications(client, user):
    (theirs,) = ping(other := UserFactory())
    (mine,) = ping(user)

    listed = [row["id"] for row in client.get(LIST).json()["results"]]
    response = client.post(READ, {"ids": [mine.pk, theirs.pk]}, format="json")

    assert theirs.pk not in listed
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not Notification.objects.filter(read_at__isnull=False).exists()  # nothing changed
    client.post(READ, {"all": True}, format="json")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert notifications.unread_count(user=other) == 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": [1], "all": True},
        {"all": False},
        {"ids": ["x"]},
        {"ids": list(range(1, 102))},
        {"ids": [1], "everything": True},
    ],
)
def test_bad_mark_read_bodies_are_400(client, user, body):
    ping(user)

    response = client.post(READ, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert notifications.unread_count(user=user) == 1


def test_marking_read_works_before_onboarding(api_client):
    newcomer = NewUserFactory()
    (n,) = ping(newcomer)
    api_client.force_authenticate(newcomer)

    response = api_client.post(READ, {"ids": [n.pk]}, format="json")

    assert response.status_code == 200


def test_preferences_round_trip(client, user):
    before = client.get(PREFERENCES).json()["preferences"]
    expected = {"verb": PING, "label": "Pings from the tests", "email": True, "email_default": True}
    assert expected in before

    response = client.put(
        PREFERENCES, {"preferences": [{"verb": PING, "email": False}]}, format="json"
    )

    assert response.status_code == 200
    after = {p["verb"]: p["email"] for p in response.json()["preferences"]}
    assert after[PING] is False
    assert NotificationPreference.objects.get(user=user, verb=PING).email is False


@pytest.mark.parametrize(
    "body",
    [
        {"preferences": [{"verb": PING, "email": False}, {"verb": "gig.nope", "email": True}]},
        {"preferences": [{"verb": PING}]},
        {"preferences": [{"verb": PING, "email": False, "sms": True}]},
        {"preferences": "all"},
        {},
    ],
)
def test_bad_preferences_are_400_and_save_nothing(client, body):
    response = client.put(PREFERENCES, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not NotificationPreference.objects.exists()


def test_preferences_are_per_user(client, user):
    other = UserFactory()
    notifications.notification_preferences_set(user=other, email={PING: False})

    mine = {p["verb"]: p["email"] for p in client.get(PREFERENCES).json()["preferences"]}

    assert mine[PING] is True
