"""events.services.apps, pinned where mutation testing (docs/testing.md, "Events") found the
suite silent: the generated app ids, each refusal's exact code, status, message and details, the
edges of the grace period and of the per-owner limit, and which rows a change touches."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from accounts.models import User
from events import usage
from events.models import App, AppCredential, AppManifestVersion, WebhookSecret
from events.selectors_apps import app_managed, live_credentials, may_manage
from events.services import apps as services
from events.services.credentials import credential_issue, webhook_secret_issue
from tests.accounts.factories import UserFactory
from tests.events.factories import AppFactory, manifest
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _version(version: str, **overrides: object) -> dict:
    data = manifest(**overrides)
    data["meta"]["version"] = version
    return data


def _named(name: str) -> dict:
    data = manifest()
    data["meta"]["name"] = name
    return data


def _refusal(call, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    return caught.value


@pytest.fixture
def rooms_using():
    state: dict = {"rooms": 0}

    def counter(*, app: App, capabilities: frozenset[str]) -> int:
        return state["rooms"] if capabilities else 0

    remove = usage.room_counter_register(counter)
    yield state
    remove()


def test_generated_app_ids_come_from_the_name():
    owner = UserFactory()
    long_name = "Ünïcode -- Grand   Lottery! " + "x" * 60

    ids = [
        services.app_register(owner=owner, manifest=_named(name)).app.app_id
        for name in ("Holiday Lottery", "Holiday Lottery", "Holiday Lottery", "!!!", long_name)
    ]

    assert ids == [
        "app_holiday_lottery",
        "app_holiday_lottery_2",
        "app_holiday_lottery_3",
        "app_app",
        "app_" + ("n_code_grand_lottery_" + "x" * 60)[:40],
    ]
    assert App.objects.get(app_id="app_app").name == "!!!"


def test_registration_refusals_are_exact():
    owner = UserFactory()
    reserved = _refusal(services.app_register, owner=owner, manifest=manifest(), app_id="token")
    assert (reserved.code, reserved.status_code, reserved.message, reserved.details) == (
        "app_id_taken",
        409,
        "The app id token is reserved.",
        {"app_id": ["token is reserved: choose another."]},
    )
    bad = _refusal(services.app_register, owner=owner, manifest=manifest(), app_id="Bad")
    assert (bad.code, bad.status_code, bad.message, bad.details) == (
        "validation_error",
        400,
        "An app id is 3 to 64 lower-case letters, digits and _, starting with a letter.",
        {"app_id": ["3 to 64 of a-z, 0-9 and _, starting with a letter."]},
    )
    services.app_register(owner=owner, manifest=manifest(), app_id="app_mine")
    taken = _refusal(services.app_register, owner=owner, manifest=manifest(), app_id="app_mine")
    assert (taken.code, taken.status_code, taken.message, taken.details) == (
        "app_id_taken",
        409,
        "The app id app_mine is taken.",
        {"app_id": ["app_mine is taken: choose another."]},
    )


def test_the_limit_counts_only_the_owners_live_apps(monkeypatch):
    monkeypatch.setattr(services, "APPS_MAX_PER_OWNER", 2)
    owner = UserFactory()
    AppFactory(owner=UserFactory())  # someone else's
    AppFactory(owner=owner, deleted_at=timezone.now())  # deleted
    services.app_register(owner=owner, manifest=manifest())
    services.app_register(owner=owner, manifest=manifest())
    error = _refusal(services.app_register, owner=owner, manifest=manifest())
    assert (error.code, error.status_code, error.message) == (
        "too_many_apps",
        409,
        "You have 2 apps, the most allowed.",
    )
    onboarding = _refusal(
        services.app_register,
        owner=User.objects.create_user(email="new@example.com", password="x" * 12),
        manifest=manifest(),
    )
    assert (onboarding.code, onboarding.message) == (
        "onboarding_required",
        "Finish onboarding before registering an app.",
    )


def test_only_the_owner_or_staff_manage_an_app_and_others_hear_not_found():
    app = AppFactory()
    assert app_managed(app_id=app.app_id, user=app.owner) == app
    assert app_managed(app_id=app.app_id, user=UserFactory(is_staff=True)) == app
    stranger = _refusal(app_managed, app_id=app.app_id, user=UserFactory())
    assert (stranger.code, stranger.status_code, stranger.message) == (
        "not_found",
        404,
        "No such app.",
    )
    assert may_manage(AnonymousUser(), app) is False


def test_publish_refusals_are_exact_and_the_name_and_switches_follow(rooms_using):
    app = AppFactory(disabled_webhooks=["notifications", "winner_selection"])
    lower = _refusal(
        services.app_version_publish, app=app, manifest=_version("0.9.0"), by=app.owner
    )
    assert lower.message == "Version 0.9.0 is not higher than the current 1.0.0."

    rooms_using["rooms"] = 1
    new = _version("1.1.0", capabilities=["winner_selection"])
    del new["webhooks"]["notifications"]
    one = _refusal(services.app_version_publish, app=app, manifest=new, by=app.owner)
    assert one.message == "1 active room uses notifications: it can't be removed while they do."
    rooms_using["rooms"] = 2
    two = _refusal(services.app_version_publish, app=app, manifest=new, by=app.owner)
    assert two.message == "2 active rooms use notifications: it can't be removed while they do."

    rooms_using["rooms"] = 0
    new["meta"]["name"] = "Renamed"
    services.app_version_publish(app=app, manifest=new, by=app.owner)
    app.refresh_from_db()
    assert (app.name, app.manifest_version, app.disabled_webhooks) == (
        "Renamed",
        "1.1.0",
        ["winner_selection"],
    )


def test_deprecation_refusals_are_exact():
    app = AppFactory()
    services.app_version_publish(app=app, manifest=_version("1.1.0"), by=app.owner)
    for reason in ("", "   ", "x" * 501):
        error = _refusal(
            services.app_version_deprecate, app=app, version="1.0.0", reason=reason, by=app.owner
        )
        assert (error.code, error.status_code, error.message, error.details) == (
            "validation_error",
            400,
            "Say why, in 1 to 500 characters.",
            {"reason": ["Say why, in 1 to 500 characters."]},
        )
    missing = _refusal(
        services.app_version_deprecate, app=app, version="0.1.0", reason="old", by=app.owner
    )
    assert (missing.code, missing.status_code, missing.message) == (
        "not_found",
        404,
        "The app has no version 0.1.0.",
    )
    current = _refusal(
        services.app_version_deprecate, app=app, version="1.1.0", reason="old", by=app.owner
    )
    assert (current.code, current.status_code, current.message) == (
        "version_is_current",
        409,
        "1.1.0 is the current version: publish a newer one before deprecating it.",
    )
    row = services.app_version_deprecate(
        app=app, version="1.0.0", reason="  " + "y" * 500 + "  ", by=app.owner
    )
    assert row.deprecation_reason == "y" * 500
    again = _refusal(
        services.app_version_deprecate, app=app, version="1.0.0", reason="old", by=app.owner
    )
    assert (again.code, again.status_code, again.message) == (
        "already_deprecated",
        409,
        "1.0.0 is already deprecated.",
    )
    # another app's version of the same number is not this app's
    other = AppFactory()
    services.app_version_publish(app=other, manifest=_version("1.1.0"), by=other.owner)
    assert AppManifestVersion.objects.get(app=other, version="1.0.0").deprecated_at is None


def test_the_grace_is_0_to_168_hours_and_the_refusal_is_exact():
    app = AppFactory()
    for hours in (-1, 169):
        error = _refusal(
            services.app_webhook_secret_rotate, app=app, by=app.owner, grace_hours=hours
        )
        assert (error.code, error.message, error.details) == (
            "validation_error",
            "The grace period is 0 to 168 hours.",
            {"grace_hours": ["0 to 168 hours."]},
        )
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        WebhookSecret.objects.create(app=app, secret="whsec_b2xk")
        services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=168)
    old = WebhookSecret.objects.get(secret="whsec_b2xk")
    assert old.expires_at == now + timedelta(hours=168)


def test_the_third_live_secret_may_be_made_but_not_the_fourth():
    app = AppFactory()
    webhook_secret_issue(app=app)
    services.app_webhook_secret_rotate(app=app, by=app.owner)
    services.app_webhook_secret_rotate(app=app, by=app.owner)
    assert WebhookSecret.objects.live(timezone.now()).filter(app=app).count() == 3
    error = _refusal(services.app_webhook_secret_rotate, app=app, by=app.owner)
    assert (error.code, error.status_code, error.message) == (
        "too_many_secrets",
        409,
        "3 signing secrets are live (at most 3): wait for the oldest to expire, or rotate with "
        "a grace of 0 hours to end them now.",
    )
    # another app's secrets do not count, and are left alone
    other = AppFactory()
    services.app_webhook_secret_rotate(app=other, by=other.owner, grace_hours=0)
    assert WebhookSecret.objects.live(timezone.now()).filter(app=app).count() == 3


def test_rotating_the_client_secret_revokes_only_this_apps_live_ones():
    app, other = AppFactory(), AppFactory()
    credential_issue(app=app)
    earlier = timezone.now() - timedelta(days=1)
    revoked, _ = credential_issue(app=app)
    AppCredential.objects.filter(pk=revoked.pk).update(revoked_at=earlier)
    theirs, _ = credential_issue(app=other)

    new, secret = services.app_credential_rotate(app=app, by=app.owner)

    assert secret.startswith("ucs_") and new.revoked_at is None
    revoked.refresh_from_db()
    assert revoked.revoked_at == earlier  # not moved
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert AppCredential.objects.filter(app=app, revoked_at__isnull=True).get() == new


def test_switches_are_for_staff_and_say_so():
    app = AppFactory()
    error = _refusal(services.app_disable, app=app, by=app.owner)
    assert (error.code, error.status_code, error.message) == (
        "permission_denied",
        403,
        "Only staff can disable or enable an app.",
    )
    staff = UserFactory(is_staff=True)
    assert services.app_disable(app=app, by=staff).is_active is False
    app.refresh_from_db()
    assert app.is_active is False
    assert services.app_enable(app=app, by=staff).is_active is True
    app.refresh_from_db()
    assert app.is_active is True


def test_enabling_a_webhook_the_app_does_not_have_is_refused_by_name():
    app = AppFactory(disabled_webhooks=["notifications", "winner_selection"])
    error = _refusal(
        services.app_webhook_enable, app=app, capability="quiz_validation", by=app.owner
    )
    assert (error.code, error.message, error.details) == (
        "validation_error",
        "The app has no quiz_validation webhook.",
        {"capability": ["The app has no quiz_validation webhook."]},
    )
    services.app_webhook_enable(app=app, capability="notifications", by=app.owner)
    app.refresh_from_db()
    assert app.disabled_webhooks == ["winner_selection"]


# --- answers to the survivors of the mutmut run (docs/testing.md, "Events: the rest of the
# platform") -----------------------------------------------------------------------------------


def test_removing_several_capabilities_in_use_names_them_all_comma_separated(rooms_using):
    app = AppFactory()
    rooms_using["rooms"] = 3
    new = _version("2.0.0", capabilities=[])
    del new["webhooks"], new["fallbacks"]

    error = _refusal(services.app_version_publish, app=app, manifest=new, by=app.owner)

    assert (error.code, error.message, error.details) == (
        "capability_in_use",
        "3 active rooms use notifications, winner_selection: it can't be removed while they do.",
        {"capabilities": ["notifications", "winner_selection"], "rooms": 3},
    )


def test_deprecating_a_version_touches_this_apps_version_even_when_another_app_has_it():
    other = AppFactory()  # its 1.0.0 row comes first
    services.app_version_publish(app=other, manifest=_version("1.1.0"), by=other.owner)
    app = AppFactory()
    services.app_version_publish(app=app, manifest=_version("1.1.0"), by=app.owner)

    row = services.app_version_deprecate(app=app, version="1.0.0", reason="old", by=app.owner)

    assert (row.app_id, row.version) == (app.pk, "1.0.0")
    deprecated = AppManifestVersion.objects.filter(deprecated_at__isnull=False)
    assert list(deprecated.values_list("app_id", "version")) == [(app.pk, "1.0.0")]


def test_the_organizers_asked_about_are_those_of_this_app_on_this_version():
    app = AppFactory()
    services.app_version_publish(app=app, manifest=_version("1.1.0"), by=app.owner)
    organizer = UserFactory()
    asked: list[tuple[int, str]] = []

    def finder(*, app: App, version: str) -> list[User]:
        asked.append((app.pk, version))
        return [organizer]

    remove = usage.version_organizers_register(finder)
    try:
        services.app_version_deprecate(app=app, version="1.0.0", reason="old", by=app.owner)
    finally:
        remove()

    assert asked == [(app.pk, "1.0.0")]
    assert organizer.notifications.filter(verb="app.version_deprecated").count() == 1


def test_enabling_a_webhook_of_an_app_without_webhooks_is_refused_not_a_crash():
    data = manifest(capabilities=[])
    del data["webhooks"], data["fallbacks"]
    app = services.app_register(owner=UserFactory(), manifest=data).app

    error = _refusal(services.app_webhook_enable, app=app, capability="notifications", by=app.owner)

    assert (error.code, error.status_code, error.message) == (
        "validation_error",
        400,
        "The app has no notifications webhook.",
    )


def test_the_managed_app_comes_with_its_owner_in_one_query(django_assert_num_queries):
    app = AppFactory()
    with django_assert_num_queries(1):
        found = app_managed(app_id=app.app_id, user=app.owner)
        assert found.owner.email == app.owner.email


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_plain_read_of_a_managed_app_takes_no_lock_and_needs_no_transaction():
    """The doors read apps outside any transaction (autocommit): a row lock there would be
    refused by PostgreSQL (every test above runs inside the test's transaction and can't see it)."""
    app = AppFactory()
    assert app_managed(app_id=app.app_id, user=app.owner) == app


def test_the_client_secrets_listed_are_this_apps_live_ones_newest_first():
    app, other = AppFactory(), AppFactory()
    older, _ = credential_issue(app=app)
    revoked, _ = services.app_credential_rotate(app=app, by=app.owner)
    AppCredential.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    credential_issue(app=other)
    newer, _ = credential_issue(app=app)
    AppCredential.objects.filter(pk=older.pk).update(revoked_at=None)  # live again, for order

    assert live_credentials(app=app) == [newer, older]
