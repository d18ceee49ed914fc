"""accounts.notifications: the kind registry, notify, mark read, preferences and the emails."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import transaction

from accounts import notifications, services
from accounts.apps import WELCOME
from accounts.models import Notification, NotificationPreference
from tests.accounts.factories import NewUserFactory, UserFactory
from umbrella.errors import ApplicationError, NotFoundError

pytestmark = pytest.mark.django_db

PING = "test.ping"  # a kind registered by these tests only; emailed by default
QUIET = "test.quiet"  # not emailed by default


@pytest.fixture(autouse=True)
def test_kinds():
    notifications.register_kind(PING, "Pings from the tests")
    notifications.register_kind(QUIET, "Quiet things", email_default=False)
    yield
    notifications.unregister_kind(PING)
    notifications.unregister_kind(QUIET)


def ping(user, text="Your gig moved to 9 pm.", url="/dashboard/"):
    return notifications.notify(user, verb=PING, target_url=url, text=text)


# --- registry and validation ------------------------------------------------------------------


def test_unknown_verb_is_refused_and_nothing_is_written():
    user = UserFactory()

    with pytest.raises(ValueError, match="Unknown notification verb"):
        notifications.notify(user, verb="gig.nope", target_url="/", text="Hi")

    assert not Notification.objects.exists()


@pytest.mark.parametrize("verb", ["gig", "Gig.cancelled", "gig..x", "gig.cancelled!", "x" * 70])
def test_register_kind_refuses_bad_verbs(verb):
    with pytest.raises(ValueError):
        notifications.register_kind(verb, "Label")


def test_accounts_registers_its_own_welcome_kind_without_email():
    welcome = notifications.kind_of(WELCOME)

    assert welcome.email_default is False
    assert welcome.label


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "gigs/12/",
        "/gigs/ 12/",
        "/gigs/\n12",
        "",
    ],
)
def test_target_must_be_a_path_on_this_site(url):
    user = UserFactory()

    with pytest.raises(ValueError, match="target_url"):
        ping(user, url=url)

    assert not Notification.objects.exists()


def test_target_may_carry_a_query_and_a_fragment():
    user = UserFactory()

    notification = ping(user, url="/gigs/12/?tab=applicants#a-3")

    assert notification.target_url == "/gigs/12/?tab=applicants#a-3"


def test_text_is_one_line_and_cut_at_280_characters():
    user = UserFactory()

    short = ping(user, text="  Line one\nline\u200b two  ")
    long = ping(user, text="word " * 100)

    assert short.text == "Line one line two"
    assert len(long.text) == 280
    assert long.text.endswith("…")


def test_empty_text_is_refused():
    with pytest.raises(ValueError):
        ping(UserFactory(), text=" \n ")


# --- the welcome notification (the accounts kind) --------------------------------------------


def test_onboarding_a_fan_welcomes_them_once():
    user = NewUserFactory()

    user = services.onboarding_choose_role(user=user, role="fan", display_name="Sam")
    services.onboarding_complete(user=user)  # already complete: no second welcome

    welcome = Notification.objects.get(user=user)
    assert welcome.verb == WELCOME
    assert "Sam" in welcome.text
    assert welcome.target_url == "/dashboard/"
    assert mail.outbox == []  # welcome is not emailed by default


def test_completing_an_artist_or_venue_onboarding_welcomes_them():
    user = NewUserFactory()
    user = services.onboarding_choose_role(user=user, role="venue", display_name="The Hall")
    assert not Notification.objects.filter(user=user).exists()  # not onboarded yet

    services.onboarding_complete(user=user)

    assert Notification.objects.filter(user=user, verb=WELCOME).count() == 1


# --- emails after commit ----------------------------------------------------------------------


def test_email_goes_out_after_commit_with_link_and_unsubscribe(
    django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://umbrella.example"
    user = UserFactory()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = ping(user)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    (email,) = mail.outbox
    assert email.to == [user.email]
    assert "Your gig moved to 9 pm." in email.subject
    assert "https://umbrella.example/dashboard/" in email.body
    assert "https://umbrella.example/notifications/preferences/" in email.body
    assert email.extra_headers["List-Unsubscribe"] == (
        "<https://umbrella.example/notifications/preferences/>"
    )
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_no_email_and_no_row_when_the_transaction_rolls_back():
    user = UserFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        ping(user)
        raise RuntimeError("the domain's service failed after notifying")

    assert not Notification.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_once_the_real_transaction_commits():
    user = UserFactory()

    with transaction.atomic():
        ping(user)
        assert mail.outbox == []

    assert len(mail.outbox) == 1


def test_preference_off_means_no_email_but_the_in_app_row(django_capture_on_commit_callbacks):
    user = UserFactory()
    notifications.notification_preferences_set(user=user, email={PING: False})

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ping(user)

    assert callbacks == []  # not even enqueued
    assert mail.outbox == []
    assert Notification.objects.filter(user=user).count() == 1


def test_preference_on_overrides_a_quiet_default(django_capture_on_commit_callbacks):
    user = UserFactory()
    quiet = {"verb": QUIET, "target_url": "/", "text": "Quiet news"}
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(user, **quiet)
    assert mail.outbox == []

    notifications.notification_preferences_set(user=user, email={QUIET: True})
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(user, **quiet)

    assert len(mail.outbox) == 1


def test_turning_email_off_after_enqueueing_is_honoured_when_the_task_runs(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ping(user)
    notifications.notification_preferences_set(user=user, email={PING: False})

    for callback in callbacks:
        callback()

    assert mail.outbox == []


def test_unverified_address_gets_no_email(django_capture_on_commit_callbacks):
    user = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    with django_capture_on_commit_callbacks(execute=True):
        ping(user)

    assert mail.outbox == []
    assert Notification.objects.filter(user=user).exists()


def test_an_anonymised_account_gets_no_notification_at_all():
    user = UserFactory()
    services.user_soft_delete(user=user)

    notification = ping(user)

    assert notification.pk is None
    assert not Notification.objects.exists()


def test_deactivated_and_deleted_accounts_get_no_email(django_capture_on_commit_callbacks):
    inactive = UserFactory(is_active=False)
    deleted = UserFactory()
    services.user_soft_delete(user=deleted)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ping(inactive)
        ping(deleted)

    assert callbacks == []
    assert mail.outbox == []


def test_an_account_deactivated_before_the_task_runs_gets_no_email(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ping(user)
    user.is_active = False
    user.save()

    for callback in callbacks:
        callback()

    assert mail.outbox == []


def test_a_retried_task_sends_the_email_only_once(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = ping(user)

    again = notifications.notification_email_send(notification_id=notification.pk)

    assert again is False
    assert len(mail.outbox) == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(
    django_capture_on_commit_callbacks, monkeypatch
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        notification = ping(user)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    with pytest.raises(OSError):
        notifications.notification_email_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    monkeypatch.undo()

    assert notifications.notification_email_send(notification_id=notification.pk) is True
    assert len(mail.outbox) == 1


# --- mark read --------------------------------------------------------------------------------


def test_mark_read_by_ids_is_idempotent_and_keeps_the_first_time():
    user = UserFactory()
    first, second = ping(user), ping(user)

    assert notifications.notifications_mark_read(user=user, ids=[first.pk]) == 1
    first.refresh_from_db()
    read_at = first.read_at
    assert notifications.notifications_mark_read(user=user, ids=[first.pk]) == 0

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at == read_at
    assert second.read_at is None
    assert notifications.unread_count(user=user) == 1


def test_mark_all_read_touches_only_the_users_own():
    user, other = UserFactory(), UserFactory()
    ping(user), ping(user), ping(other)

    assert notifications.notifications_mark_read(user=user, everything=True) == 2

    assert notifications.unread_count(user=user) == 0
    assert notifications.unread_count(user=other) == 1


def test_marking_someone_elses_notification_is_404_and_changes_nothing():
    user, other = UserFactory(), UserFactory()
    mine, theirs = ping(user), ping(other)

    with pytest.raises(NotFoundError):
        notifications.notifications_mark_read(user=user, ids=[mine.pk, theirs.pk])

    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_mark_read_needs_ids_or_everything():
    with pytest.raises(ApplicationError):
        notifications.notifications_mark_read(user=UserFactory(), ids=[])


def test_unread_count_can_stop_counting_at_a_cap():
    user = UserFactory()
    for _ in range(5):
        ping(user)

    assert notifications.unread_count(user=user) == 5
    assert notifications.unread_count(user=user, cap=3) == 3


# --- preferences ------------------------------------------------------------------------------


def test_preferences_list_every_kind_with_defaults_and_choices():
    user = UserFactory()
    notifications.notification_preferences_set(user=user, email={QUIET: True})

    chosen = {p.verb: p for p in notifications.notification_preferences(user=user)}

    assert chosen[PING].email is True and chosen[PING].email_default is True
    assert chosen[QUIET].email is True and chosen[QUIET].email_default is False
    assert chosen[WELCOME].email is False
    assert chosen[PING].label == "Pings from the tests"


def test_an_unknown_kind_in_preferences_saves_nothing():
    user = UserFactory()

    with pytest.raises(ApplicationError) as caught:
        notifications.notification_preferences_set(
            user=user, email={PING: False, "gig.unknown": True}
        )

    assert caught.value.code == "validation_error"
    assert not NotificationPreference.objects.exists()


def test_setting_a_preference_twice_keeps_one_row():
    user = UserFactory()

    notifications.notification_preferences_set(user=user, email={PING: False})
    notifications.notification_preferences_set(user=user, email={PING: True})

    assert NotificationPreference.objects.get(user=user, verb=PING).email is True


# --- admin (read-only) and account deletion ---------------------------------------------------


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_staff_see_notifications_in_admin_but_cannot_change_them(staff):
    user = UserFactory()
    notification = ping(user, text="Seen by support")

    listing = staff.get("/admin/accounts/notification/")
    page = staff.get(f"/admin/accounts/notification/{notification.pk}/change/")
    post = staff.post(f"/admin/accounts/notification/{notification.pk}/change/", {"text": "x"})

    assert listing.status_code == 200 and "Seen by support" in listing.content.decode()
    assert page.status_code == 200 and 'name="text"' not in page.content.decode()
    assert post.status_code == 403
    assert staff.get("/admin/accounts/notification/add/").status_code == 403
    assert staff.get(f"/admin/accounts/notification/{notification.pk}/delete/").status_code == 403
    assert "delete_selected" not in listing.content.decode()
    notification.refresh_from_db()
    assert notification.text == "Seen by support"


def test_deleting_the_account_in_admin_takes_its_notifications(staff):
    user = UserFactory()
    ping(user)
    notifications.notification_preferences_set(user=user, email={PING: False})

    response = staff.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Notification.objects.exists()
    assert not NotificationPreference.objects.exists()


def test_anonymising_an_account_removes_its_notifications():
    user = UserFactory()
    ping(user, text="Private detail about a booking")
    notifications.notification_preferences_set(user=user, email={PING: False})

    services.user_soft_delete(user=user)

    assert not Notification.objects.filter(user=user).exists()
    assert not NotificationPreference.objects.filter(user=user).exists()


# --- demo -------------------------------------------------------------------------------------


def test_seed_demo_welcomes_every_demo_account_once(settings, tmp_path):
    from django.core.management import call_command

    from accounts.demo import DEMO_STAFF, DEMO_USERS

    settings.MEDIA_ROOT = tmp_path
    emails = [email for email, _, _ in DEMO_USERS] + [DEMO_STAFF[0]]
    for _ in range(2):  # idempotent
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for email in emails:
        assert Notification.objects.filter(user__email=email, verb=WELCOME).count() == 1, email


# --- races (PostgreSQL) -----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_preferences_make_one_row_and_no_error():
    from tests.concurrency import run_together

    user = UserFactory()

    results = run_together(
        lambda: notifications.notification_preferences_set(user=user, email={PING: False}), 8
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert NotificationPreference.objects.filter(user=user, verb=PING).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_mark_all_read_counts_each_notification_once():
    from tests.concurrency import run_together

    user = UserFactory()
    for _ in range(5):
        ping(user)

    results = run_together(
        lambda: notifications.notifications_mark_read(user=user, everything=True), 6
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    assert sum(results) == 5  # each became read exactly once
    assert notifications.unread_count(user=user) == 0
