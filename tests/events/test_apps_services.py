"""events.services.apps against the database: registration, versions, deprecation, secret
rotation, switches, and who may do them."""

import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Notification, User
from events import usage
from events.models import App, AppCredential, AppManifestVersion, WebhookSecret
from events.services import apps as services
from events.services.credentials import client_secret_matches
from tests.accounts.factories import NewUserFactory, UserFactory
from tests.concurrency import run_together
from tests.events.factories import AppFactory, manifest
from umbrella.errors import ApplicationError

pytestmark = pytest.mark.django_db


def _version(version: str, **overrides: object) -> dict:
    data = manifest(**overrides)
    data["meta"]["version"] = version
    return data


def _counts() -> tuple[int, int, int, int]:
    return (
        App.objects.count(),
        AppManifestVersion.objects.count(),
        AppCredential.objects.count(),
        WebhookSecret.objects.count(),
    )


@pytest.fixture
def rooms_using():
    """Register a room counter for the test, as the rooms of the next issue will: it answers
    ``rooms`` for the capabilities in ``used`` and records what it was asked."""
    state: dict = {"rooms": 0, "used": set(), "asked": []}

    def counter(*, app: App, capabilities: frozenset[str]) -> int:
        state["asked"].append((app.app_id, capabilities))
        return state["rooms"] if capabilities & state["used"] else 0

    remove = usage.room_counter_register(counter)
    yield state
    remove()


@pytest.fixture
def organizers():
    state: dict = {"users": []}

    def finder(*, app: App, version: str) -> list[User]:
        return list(state["users"])

    remove = usage.version_organizers_register(finder)
    yield state
    remove()


# --- registration ---------------------------------------------------------------------------


def test_register_makes_the_app_its_first_version_and_two_secrets_shown_once():
    owner = UserFactory()
    registration = services.app_register(owner=owner, manifest=manifest())

    app = App.objects.get()
    assert registration.app == app
    assert (app.app_id, app.owner, app.name) == ("app_holiday_lottery", owner, "Holiday Lottery")
    assert app.manifest == manifest() and app.manifest_version == "1.0.0"
    version = AppManifestVersion.objects.get(app=app)
    assert (version.version, version.manifest) == ("1.0.0", manifest())
    credential = AppCredential.objects.get(app=app)
    assert registration.client_secret.startswith("ucs_")
    assert registration.client_secret not in credential.secret_hash
    assert client_secret_matches(registration.client_secret, credential.secret_hash)
    assert registration.webhook_secret.startswith("whsec_")
    assert WebhookSecret.objects.live().get(app=app).secret == registration.webhook_secret


def test_a_chosen_app_id_is_kept_and_a_taken_one_refused_changing_nothing():
    services.app_register(owner=UserFactory(), manifest=manifest(), app_id="app_lottery_v1")
    before = _counts()
    with pytest.raises(ApplicationError) as caught:
        services.app_register(owner=UserFactory(), manifest=manifest(), app_id="app_lottery_v1")
    assert (caught.value.code, caught.value.status_code) == ("app_id_taken", 409)
    assert "app_id" in caught.value.details
    assert _counts() == before


def test_generated_app_ids_do_not_collide():
    first = services.app_register(owner=UserFactory(), manifest=manifest()).app
    second = services.app_register(owner=UserFactory(), manifest=manifest()).app
    assert (first.app_id, second.app_id) == ("app_holiday_lottery", "app_holiday_lottery_2")


@pytest.mark.parametrize(
    ("app_id", "code"),
    [("token", "app_id_taken"), ("Bad-Id", "validation_error"), ("ab", "validation_error")],
)
def test_reserved_and_malformed_app_ids_are_refused(app_id, code):
    with pytest.raises(ApplicationError) as caught:
        services.app_register(owner=UserFactory(), manifest=manifest(), app_id=app_id)
    assert caught.value.code == code
    assert _counts() == (0, 0, 0, 0)


def test_an_invalid_manifest_registers_nothing():
    with pytest.raises(ApplicationError) as caught:
        services.app_register(owner=UserFactory(), manifest=manifest(base_url="ftp://x"))
    assert caught.value.code == "invalid_manifest"
    assert _counts() == (0, 0, 0, 0)


def test_registering_needs_a_finished_onboarding():
    with pytest.raises(ApplicationError) as caught:
        services.app_register(owner=NewUserFactory(), manifest=manifest())
    assert (caught.value.code, caught.value.status_code) == ("onboarding_required", 403)
    assert _counts() == (0, 0, 0, 0)


def test_an_owner_has_at_most_the_allowed_number_of_apps(monkeypatch):
    monkeypatch.setattr(services, "APPS_MAX_PER_OWNER", 2)
    owner = UserFactory()
    for _ in range(2):
        services.app_register(owner=owner, manifest=manifest())
    with pytest.raises(ApplicationError) as caught:
        services.app_register(owner=owner, manifest=manifest())
    assert caught.value.code == "too_many_apps"
    assert App.objects.filter(owner=owner).count() == 2


# --- versions -------------------------------------------------------------------------------


def test_a_higher_version_becomes_current_and_the_old_one_stays_unchanged():
    app = AppFactory()
    old = AppManifestVersion.objects.get(app=app)
    old_manifest = dict(old.manifest)
    new = _version("1.1.0", capabilities=["winner_selection", "notifications", "prize_fund"])
    new["meta"]["name"] = "Holiday Lottery Plus"

    row = services.app_version_publish(app=app, manifest=new, by=app.owner)

    app.refresh_from_db()
    assert (row.version, row.manifest) == ("1.1.0", new)
    assert (app.manifest_version, app.manifest, app.name) == ("1.1.0", new, "Holiday Lottery Plus")
    old.refresh_from_db()
    assert (old.version, old.manifest, old.deprecated_at) == ("1.0.0", old_manifest, None)
    assert AppManifestVersion.objects.filter(app=app).count() == 2


@pytest.mark.parametrize("version", ["1.0.0", "0.9.9", "1.0.0+build.7", "1.0.0-rc.1"])
def test_a_version_that_is_not_higher_is_refused_changing_nothing(version):
    app = AppFactory()
    with pytest.raises(ApplicationError) as caught:
        services.app_version_publish(app=app, manifest=_version(version), by=app.owner)
    assert (caught.value.code, caught.value.status_code) == ("version_not_higher", 409)
    assert caught.value.details == {"version": version, "current_version": "1.0.0"}
    app.refresh_from_db()
    assert app.manifest_version == "1.0.0"
    assert AppManifestVersion.objects.filter(app=app).count() == 1


def test_semver_precedence_orders_pre_releases():
    app = AppFactory()
    for version in ("1.1.0-alpha", "1.1.0-alpha.2", "1.1.0-rc.1", "1.1.0", "1.10.0"):
        services.app_version_publish(app=app, manifest=_version(version), by=app.owner)
    app.refresh_from_db()
    assert app.manifest_version == "1.10.0"
    with pytest.raises(ApplicationError):
        services.app_version_publish(app=app, manifest=_version("1.9.0"), by=app.owner)


def test_publishing_an_invalid_manifest_is_refused():
    app = AppFactory()
    bad = _version("2.0.0", permissions=["everything"])
    with pytest.raises(ApplicationError) as caught:
        services.app_version_publish(app=app, manifest=bad, by=app.owner)
    assert caught.value.code == "invalid_manifest"
    assert caught.value.details["fields"][0]["path"] == "$.permissions[0]"
    assert AppManifestVersion.objects.filter(app=app).count() == 1


def test_strangers_get_not_found_and_staff_may_publish():
    app = AppFactory()
    with pytest.raises(ApplicationError) as caught:
        services.app_version_publish(app=app, manifest=_version("2.0.0"), by=UserFactory())
    assert (caught.value.code, caught.value.status_code) == ("not_found", 404)
    # not even the manifest's errors are shown to a stranger
    with pytest.raises(ApplicationError) as caught:
        services.app_version_publish(app=app, manifest={"x": 1}, by=UserFactory())
    assert caught.value.code == "not_found"
    staff = UserFactory(is_staff=True)
    services.app_version_publish(app=app, manifest=_version("2.0.0"), by=staff)
    app.refresh_from_db()
    assert app.manifest_version == "2.0.0"


def test_a_deleted_app_is_not_found():
    app = AppFactory(deleted_at=timezone.now())
    with pytest.raises(ApplicationError) as caught:
        services.app_get(app_id=app.app_id, by=app.owner)
    assert caught.value.code == "not_found"


def test_removing_a_capability_active_rooms_use_is_refused_with_the_room_count(rooms_using):
    rooms_using.update(rooms=3, used={"notifications"})
    app = AppFactory()
    new = _version("1.1.0", capabilities=["winner_selection"])
    del new["webhooks"]["notifications"]

    with pytest.raises(ApplicationError) as caught:
        services.app_version_publish(app=app, manifest=new, by=app.owner)

    error = caught.value
    assert (error.code, error.status_code) == ("capability_in_use", 409)
    assert error.details == {"capabilities": ["notifications"], "rooms": 3}
    assert "3 active rooms" in error.message
    assert rooms_using["asked"] == [(app.app_id, frozenset({"notifications"}))]
    app.refresh_from_db()
    assert app.manifest_version == "1.0.0"
    assert AppManifestVersion.objects.filter(app=app).count() == 1


def test_removing_a_capability_no_active_room_uses_is_allowed(rooms_using):
    rooms_using.update(rooms=3, used={"quiz_validation"})
    app = AppFactory(disabled_webhooks=["notifications"])
    new = _version("1.1.0", capabilities=["winner_selection"])
    del new["webhooks"]["notifications"]
    services.app_version_publish(app=app, manifest=new, by=app.owner)
    app.refresh_from_db()
    assert app.manifest["capabilities"] == ["winner_selection"]
    assert app.disabled_webhooks == []  # the removed capability's switch goes with it


def test_with_no_counter_registered_no_room_uses_anything():
    app = AppFactory()
    assert usage.active_rooms_using(app=app, capabilities={"notifications"}) == 0
    assert usage.organizers_on_version(app=app, version="1.0.0") == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_publishes_of_one_version_at_once_exactly_one_wins():
    app = AppFactory()
    owner = User.objects.get(pk=app.owner_id)

    def publish() -> str:
        row = services.app_version_publish(
            app=App.objects.get(pk=app.pk), manifest=_version("1.1.0"), by=owner
        )
        return row.version

    results = run_together(publish, 6)
    wins = [r for r in results if r == "1.1.0"]
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(wins) == 1, results
    assert len(refusals) == 5 and {r.code for r in refusals} == {"version_not_higher"}
    assert AppManifestVersion.objects.filter(app=app).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_of_different_versions_never_go_backwards():
    app = AppFactory()
    owner = User.objects.get(pk=app.owner_id)
    versions = iter(["1.1.0", "1.2.0", "1.3.0", "1.4.0"])
    lock = threading.Lock()

    def publish() -> str:
        with lock:
            version = next(versions)
        services.app_version_publish(
            app=App.objects.get(pk=app.pk), manifest=_version(version), by=owner
        )
        return version

    results = run_together(publish, 4)
    published = sorted(r for r in results if isinstance(r, str))
    app.refresh_from_db()
    assert published and app.manifest_version == "1.4.0"
    rows = AppManifestVersion.objects.filter(app=app).order_by("published_at", "id")
    history = [row.version for row in rows]
    assert history == sorted(history, key=lambda v: tuple(map(int, v.split("."))))
    assert len(history) == len(published) + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_registrations_racing_for_one_app_id_get_one_app():
    owners = [UserFactory() for _ in range(4)]
    turn = iter(owners)
    lock = threading.Lock()

    def register() -> str:
        with lock:
            owner = next(turn)
        registration = services.app_register(owner=owner, manifest=manifest(), app_id="app_wanted")
        return registration.app.app_id

    results = run_together(register, 4)
    assert results.count("app_wanted") == 1, results
    refusals = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refusals) == 3 and {r.code for r in refusals} == {"app_id_taken"}
    assert _counts() == (1, 1, 1, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_registrations_without_an_app_id_all_get_one():
    owners = [UserFactory() for _ in range(4)]
    turn = iter(owners)
    lock = threading.Lock()

    def register() -> str:
        with lock:
            owner = next(turn)
        return services.app_register(owner=owner, manifest=manifest()).app.app_id

    results = run_together(register, 4)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 4
    assert all(r.startswith("app_holiday_lottery") for r in results)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_registrations_never_pass_the_per_owner_limit(monkeypatch):
    monkeypatch.setattr(services, "APPS_MAX_PER_OWNER", 2)
    owner = UserFactory()

    def register() -> str:
        fresh = User.objects.get(pk=owner.pk)
        return services.app_register(owner=fresh, manifest=manifest()).app.app_id

    results = run_together(register, 5)
    assert len([r for r in results if isinstance(r, str)]) == 2, results
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"too_many_apps"}
    assert App.objects.filter(owner=owner).count() == 2


# --- deprecation ----------------------------------------------------------------------------


def _with_two_versions() -> App:
    app = AppFactory()
    services.app_version_publish(app=app, manifest=_version("1.1.0"), by=app.owner)
    app.refresh_from_db()
    return app


def test_deprecating_an_old_version_records_why_and_notifies_its_organizers(organizers):
    app = _with_two_versions()
    alice, bob = UserFactory(), UserFactory()
    organizers["users"] = [alice, bob, alice]

    row = services.app_version_deprecate(
        app=app, version="1.0.0", reason="  Draws are unfair.  ", by=app.owner
    )

    row.refresh_from_db()
    assert row.deprecated_at is not None and row.deprecation_reason == "Draws are unfair."
    sent = Notification.objects.filter(verb="app.version_deprecated")
    assert sorted(n.user_id for n in sent) == sorted([alice.pk, bob.pk])  # each once
    assert all(n.target_url == f"/developers/apps/{app.app_id}/" for n in sent)
    assert "1.0.0" in sent[0].text


def test_deprecation_refusals_change_nothing(organizers):
    app = _with_two_versions()
    organizers["users"] = [UserFactory()]
    cases = [
        ({"version": "1.1.0", "reason": "x"}, "version_is_current", 409),
        ({"version": "9.9.9", "reason": "x"}, "not_found", 404),
        ({"version": "1.0.0", "reason": "   "}, "validation_error", 400),
        ({"version": "1.0.0", "reason": "x" * 501}, "validation_error", 400),
    ]
    for kwargs, code, status in cases:
        with pytest.raises(ApplicationError) as caught:
            services.app_version_deprecate(app=app, by=app.owner, **kwargs)
        assert (caught.value.code, caught.value.status_code) == (code, status)
    with pytest.raises(ApplicationError) as caught:
        services.app_version_deprecate(app=app, version="1.0.0", reason="x", by=UserFactory())
    assert caught.value.code == "not_found"
    assert not AppManifestVersion.objects.filter(deprecated_at__isnull=False).exists()
    assert not Notification.objects.exists()


def test_a_version_is_deprecated_once():
    app = _with_two_versions()
    services.app_version_deprecate(app=app, version="1.0.0", reason="old", by=app.owner)
    with pytest.raises(ApplicationError) as caught:
        services.app_version_deprecate(app=app, version="1.0.0", reason="again", by=app.owner)
    assert caught.value.code == "already_deprecated"
    assert AppManifestVersion.objects.get(app=app, version="1.0.0").deprecation_reason == "old"


# --- secrets --------------------------------------------------------------------------------


def _registered() -> App:
    return services.app_register(owner=UserFactory(), manifest=manifest()).app


def test_during_the_grace_every_live_secret_signs_and_after_it_only_the_new_one():
    app = _registered()
    old = WebhookSecret.objects.get(app=app)
    with time_machine.travel("2026-12-01 12:00:00+00:00", tick=False):
        new = services.app_webhook_secret_rotate(app=app, by=app.owner)
        old.refresh_from_db()
        assert old.expires_at == timezone.now() + timedelta(hours=24)
        assert set(WebhookSecret.objects.live().filter(app=app)) == {old, new}
    with time_machine.travel("2026-12-02 11:59:59+00:00", tick=False):
        assert set(WebhookSecret.objects.live().filter(app=app)) == {old, new}
    with time_machine.travel("2026-12-02 12:00:01+00:00", tick=False):
        assert list(WebhookSecret.objects.live().filter(app=app)) == [new]
    assert new.secret.startswith("whsec_") and new.expires_at is None


def test_a_grace_of_zero_ends_the_older_secrets_now():
    app = _registered()
    new = services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=0)
    assert list(WebhookSecret.objects.live().filter(app=app)) == [new]


def test_a_rotation_never_extends_an_older_secret():
    app = _registered()
    with time_machine.travel("2026-12-01 12:00:00+00:00", tick=False):
        services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=2)
    with time_machine.travel("2026-12-01 13:00:00+00:00", tick=False):
        services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=24)
    first = WebhookSecret.objects.filter(app=app).order_by("id").first()
    assert first is not None
    assert first.expires_at == datetime.fromisoformat("2026-12-01 14:00:00+00:00")


def test_at_most_three_secrets_are_live():
    app = _registered()
    services.app_webhook_secret_rotate(app=app, by=app.owner)
    services.app_webhook_secret_rotate(app=app, by=app.owner)
    with pytest.raises(ApplicationError) as caught:
        services.app_webhook_secret_rotate(app=app, by=app.owner)
    assert (caught.value.code, caught.value.status_code) == ("too_many_secrets", 409)
    assert WebhookSecret.objects.live().filter(app=app).count() == 3
    services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=0)
    assert WebhookSecret.objects.live().filter(app=app).count() == 1


@pytest.mark.parametrize("grace", [-1, 169])
def test_the_grace_is_bounded(grace):
    app = _registered()
    with pytest.raises(ApplicationError) as caught:
        services.app_webhook_secret_rotate(app=app, by=app.owner, grace_hours=grace)
    assert caught.value.code == "validation_error"
    assert WebhookSecret.objects.filter(app=app).count() == 1


def test_a_new_client_secret_revokes_the_older_ones_at_once():
    registration = services.app_register(owner=UserFactory(), manifest=manifest())
    app = registration.app
    credential, secret = services.app_credential_rotate(app=app, by=app.owner)
    old = AppCredential.objects.exclude(pk=credential.pk).get(app=app)
    assert old.revoked_at is not None
    assert credential.revoked_at is None
    assert client_secret_matches(secret, credential.secret_hash)
    assert not client_secret_matches(registration.client_secret, credential.secret_hash)


def test_strangers_cannot_rotate():
    app = _registered()
    for rotate in (services.app_webhook_secret_rotate, services.app_credential_rotate):
        with pytest.raises(ApplicationError) as caught:
            rotate(app=app, by=UserFactory())
        assert caught.value.code == "not_found"
    assert WebhookSecret.objects.filter(app=app).count() == 1
    assert AppCredential.objects.filter(app=app, revoked_at__isnull=True).count() == 1


# --- switches -------------------------------------------------------------------------------


def test_only_staff_disable_and_enable_an_app():
    app = AppFactory()
    with pytest.raises(ApplicationError) as caught:
        services.app_disable(app=app, by=app.owner)
    assert (caught.value.code, caught.value.status_code) == ("permission_denied", 403)
    with pytest.raises(ApplicationError) as caught:
        services.app_disable(app=app, by=UserFactory())
    assert caught.value.code == "not_found"
    app.refresh_from_db()
    assert app.is_active

    staff = UserFactory(is_staff=True)
    assert services.app_disable(app=app, by=staff).is_active is False
    assert services.app_disable(app=app, by=staff).is_active is False  # again: no change
    assert services.app_enable(app=app, by=staff).is_active is True


def test_a_webhook_disabled_by_410_is_enabled_again():
    app = AppFactory(disabled_webhooks=["notifications"])
    services.app_webhook_enable(app=app, capability="notifications", by=app.owner)
    app.refresh_from_db()
    assert app.disabled_webhooks == []
    services.app_webhook_enable(app=app, capability="notifications", by=app.owner)  # no-op
    with pytest.raises(ApplicationError) as caught:
        services.app_webhook_enable(app=app, capability="quiz_validation", by=app.owner)
    assert caught.value.code == "validation_error"
    with pytest.raises(ApplicationError) as caught:
        services.app_webhook_enable(app=app, capability="notifications", by=UserFactory())
    assert caught.value.code == "not_found"
