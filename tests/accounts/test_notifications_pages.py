"""The bell in the menu, the notifications page (mark read without JavaScript) and the email
preferences page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import notifications
from accounts.models import Notification, NotificationPreference
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

PING = "test.ping"


@pytest.fixture(autouse=True)
def test_kind():
    notifications.register_kind(PING, "Pings from the tests")
    yield
    notifications.unregister_kind(PING)


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def ping(user, n=1, text="Ping"):
    return [
        notifications.notify(user, verb=PING, target_url=f"/gigs/{i}/", text=f"{text} {i}")
        for i in range(n)
    ]


def bell(html: str) -> str:
    match = re.search(r'<a [^>]*data-testid="bell".*?</a>', html, re.S)
    assert match, "no bell in the menu"
    return match.group(0)


def test_the_bell_shows_the_unread_count(signed_in, user):
    ping(user, 3)
    ping(UserFactory(), 5)

    html = signed_in.get("/dashboard/").content.decode()

    assert 'data-testid="unread-count">3<' in bell(html)
    assert "Notifications" in bell(html)  # its accessible name


def test_the_bell_says_99_plus_beyond_99(signed_in, user):
    ping(user, 100)

    assert ">99+<" in bell(signed_in.get("/dashboard/").content.decode())


def test_no_badge_when_all_is_read(signed_in, user):
    ping(user, 2)
    notifications.notifications_mark_read(user=user, everything=True)

    assert "unread-count" not in bell(signed_in.get("/dashboard/").content.decode())


def notification_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "accounts_notification" in q["sql"]]


def test_the_bell_costs_one_count(signed_in, user):
    ping(user, 2)
    signed_in.get("/settings/")  # warm the session

    with CaptureQueriesContext(connection) as captured:
        signed_in.get("/settings/")

    (count,) = notification_queries(captured)
    assert "COUNT" in count.upper() and "LIMIT 100" in count.upper()


def test_anonymous_pages_ask_nothing_about_notifications(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/")

    assert response.status_code == 200
    assert 'data-testid="bell"' not in response.content.decode()


def test_the_page_needs_a_sign_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_lists_your_notifications_with_links(signed_in, user):
    ping(user, 2, text="Venue answered")
    ping(UserFactory(), 1, text="Someone else's")

    html = signed_in.get("/notifications/").content.decode()

    assert "Venue answered 1" in html and "Venue answered 0" in html
    assert "Someone else" not in html
    assert 'href="/gigs/1/"' in html
    assert html.index("Venue answered 1") < html.index("Venue answered 0")  # newest first
    assert "Mark all read" in html


def test_empty_states(signed_in, user):
    assert 'data-testid="empty-state"' in signed_in.get("/notifications/").content.decode()
    ping(user)
    notifications.notifications_mark_read(user=user, everything=True)

    unread_page = signed_in.get("/notifications/?unread=1").content.decode()

    assert "all caught up" in unread_page
    assert "Mark all read" not in unread_page


@pytest.mark.parametrize("rows", [3, 30])
def test_page_query_count_does_not_grow_with_rows(signed_in, user, rows):
    ping(user, rows)
    signed_in.get("/notifications/")  # warm the session

    with CaptureQueriesContext(connection) as captured:
        assert signed_in.get("/notifications/").status_code == 200

    # The bell's count and the page's rows; the rest is the session and, now and then,
    # allauth's device "last seen" update (session, user, savepoint, select, user, update).
    assert len(notification_queries(captured)) == 2
    assert len(captured) <= 9


def test_older_pages_by_cursor(signed_in, user):
    ping(user, 25)

    first = signed_in.get("/notifications/").content.decode()
    older = re.search(r'href="([^"]+)" rel="next"', first)
    assert older
    second = signed_in.get(older.group(1).replace("&amp;", "&")).content.decode()

    assert first.count('data-testid="notification"') == 20
    assert second.count('data-testid="notification"') == 5


def test_a_bad_unread_value_is_a_400_page_with_the_whole_list(signed_in, user):
    ping(user, text="Still listed")

    response = signed_in.get("/notifications/?unread=maybe")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Unread: use 1 or 0" in html and "Still listed 0" in html


def test_a_bad_cursor_is_a_404_page(signed_in):
    assert signed_in.get("/notifications/?cursor=garbage").status_code == 404


def test_mark_one_read_without_javascript(signed_in, user):
    first, second = ping(user, 2)

    response = signed_in.post(
        "/notifications/read/", {"id": first.pk, "next": "/notifications/?unread=1"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/?unread=1"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_all_read_from_the_page(signed_in, user):
    ping(user, 3)

    response = signed_in.post("/notifications/read/", {"all": "1"}, follow=True)

    assert notifications.unread_count(user=user) == 0
    assert "3 notifications marked read." in response.content.decode()


def test_next_may_not_leave_the_site(signed_in, user):
    (n,) = ping(user)

    response = signed_in.post("/notifications/read/", {"id": n.pk, "next": "//evil.example/"})

    assert response["Location"] == "/notifications/"


def test_marking_someone_elses_from_the_page_is_404(signed_in):
    (theirs,) = ping(UserFactory())

    response = signed_in.post("/notifications/read/", {"id": theirs.pk})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("data", [{}, {"id": "x"}, {"id": "1", "all": "1"}])
def test_bad_mark_read_posts_are_400(signed_in, user, data):
    ping(user)

    assert signed_in.post("/notifications/read/", data).status_code == 400
    assert notifications.unread_count(user=user) == 1


def test_mark_read_is_post_only(signed_in, user):
    (n,) = ping(user)

    assert signed_in.get(f"/notifications/read/?id={n.pk}").status_code == 405
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_preferences_page_turns_an_email_off(signed_in, user):
    html = signed_in.get("/notifications/preferences/").content.decode()
    assert "Pings from the tests" in html

    # Unchecked boxes are not sent: only the ones left on.
    response = signed_in.post("/notifications/preferences/", {}, follow=True)

    assert "saved" in response.content.decode()
    assert NotificationPreference.objects.get(user=user, verb=PING).email is False
    assert signed_in.post("/notifications/preferences/", {PING: "on"}).status_code == 302
    assert NotificationPreference.objects.get(user=user, verb=PING).email is True
