"""``manage.py register_builtin_apps``: both apps registered through the API (in process, and
against a running server), idempotent, secrets kept or rotated as docs/rooms.md says, new
versions published; the manifests valid for the platform; and the platform's own signed call
answered by the apps process running with the secrets the command wrote."""

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from jsonschema import Draft7Validator

from builtin_apps import APP_IDS, NAMES, manifest
from events import selectors_apps
from events.health import app_health_check
from events.manifest import manifest_errors
from events.models import App, AppManifestVersion
from events.services.tokens import app_token_issue
from events.webhooks import breaker
from events.webhooks.calls import webhook_call
from tests.builtin_apps import process
from umbrella.errors import ApplicationError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def register(path: Path, **options: Any) -> dict[str, Any]:
    call_command("register_builtin_apps", credentials=str(path), **options)
    return json.loads(path.read_text())["apps"]


def client_secret_works(app_id: str, secret: str) -> bool:
    try:
        app_token_issue(app_id=app_id, app_secret=secret)
    except ApplicationError:
        return False
    return True


def signing_secret_live(app_id: str, secret: str) -> bool:
    app = App.objects.get(app_id=app_id)
    return secret in [s.secret for s in selectors_apps.live_webhook_secrets(app=app)]


def test_manifests_are_valid_for_the_platform_and_hide_the_quiz_answers():
    for name in NAMES:
        assert manifest_errors(manifest(name)) == [], name
        assert manifest_errors(manifest(name, "https://apps.example.com/apps")) == []
    lottery, quiz = (Draft7Validator(manifest(name)["settings"]) for name in NAMES)
    properties = manifest("lottery")["settings"]["properties"]
    assert properties["ticket_count"] | {"title": ""} == {
        "type": "integer",
        "title": "",
        "minimum": 1,
        "maximum": 10000,
        "default": 100,
    }
    assert properties["allow_multiple_wins"]["default"] is False
    assert lottery.is_valid(
        {
            "ticket_count": 500,
            "draw_date": "2026-12-24T18:00:00Z",
            "theme": "winter",
            "allow_multiple_wins": True,
        }
    )
    assert not lottery.is_valid({"ticket_count": 10001})
    question = {
        "id": "q1",
        "text": "?",
        "options": ["a", "b"],
        "correct_index": 1,
        "time_limit_s": 30,
    }
    assert quiz.is_valid({"questions": [question]})
    assert not quiz.is_valid({"questions": [{**question, "options": ["a"]}]})
    assert not quiz.is_valid({"questions": [{**question, "options": list("abcdefg")}]})
    assert not quiz.is_valid({"questions": [{**question, "time_limit_s": 3600}]})
    item = manifest("quiz")["settings"]["properties"]["questions"]["items"]["properties"]
    assert item["correct_index"]["writeOnly"] is True
    assert [k for k, v in item.items() if v.get("writeOnly")] == ["correct_index"]


def test_registers_both_apps_through_the_api_and_is_idempotent(tmp_path, settings):
    settings.BUILTIN_APPS = {**settings.BUILTIN_APPS, "base_url": "http://127.0.0.1:8123/apps"}
    path = tmp_path / "builtin.json"
    first = register(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name in NAMES:
        app = App.objects.get(app_id=APP_IDS[name])
        assert app.owner.is_staff and not app.owner.has_usable_password()
        assert app.manifest["base_url"] == f"http://127.0.0.1:8123/apps/{name}"
        assert first[name]["version"] == "1.0.0" == app.manifest_version
        assert client_secret_works(app.app_id, first[name]["client_secret"])
        assert signing_secret_live(app.app_id, first[name]["webhook_secret"])
    # Again: nothing new, the same secrets.
    assert register(path) == first
    assert App.objects.count() == 2 and AppManifestVersion.objects.count() == 2


def test_lost_secrets_are_rotated_and_rotate_does_it_on_purpose(tmp_path):
    path = tmp_path / "builtin.json"
    first = register(path)
    # The file is the only copy: without it, both secrets are replaced (the old ones end now).
    path.unlink()
    second = register(path)
    for name in NAMES:
        app_id = APP_IDS[name]
        assert second[name]["client_secret"] != first[name]["client_secret"]
        assert not client_secret_works(app_id, first[name]["client_secret"])
        assert not signing_secret_live(app_id, first[name]["webhook_secret"])
        assert client_secret_works(app_id, second[name]["client_secret"])
    # --rotate: new secrets; the old signing secret stays live an hour for the running process.
    third = register(path, rotate=True)
    for name in NAMES:
        app_id = APP_IDS[name]
        assert not client_secret_works(app_id, second[name]["client_secret"])
        assert client_secret_works(app_id, third[name]["client_secret"])
        assert signing_secret_live(app_id, second[name]["webhook_secret"])
        assert signing_secret_live(app_id, third[name]["webhook_secret"])
    assert App.objects.count() == 2


def test_a_higher_version_is_published_and_a_changed_same_version_is_not(
    tmp_path, settings, monkeypatch, capsys
):
    path = tmp_path / "builtin.json"
    first = register(path)
    module = "events.management.commands.register_builtin_apps.manifest"

    def bumped(name: str, base_url: str | None = None) -> dict[str, Any]:
        data = manifest(name, base_url)
        data["meta"]["version"] = "1.1.0"
        return data

    monkeypatch.setattr(module, bumped)
    second = register(path)
    for name in NAMES:
        app = App.objects.get(app_id=APP_IDS[name])
        assert app.manifest_version == "1.1.0" == second[name]["version"]
        assert second[name]["client_secret"] == first[name]["client_secret"]
    assert AppManifestVersion.objects.count() == 4
    monkeypatch.undo()
    # 1.0.0 again, with another base_url: refused by the platform (not higher), said, kept.
    settings.BUILTIN_APPS = {**settings.BUILTIN_APPS, "base_url": "http://127.0.0.1:9999/apps"}
    register(path)
    assert "version_not_higher" in capsys.readouterr().err
    assert App.objects.get(app_id="app_lottery").manifest_version == "1.1.0"


def test_against_a_running_server(tmp_path, live_server):
    apps = register(tmp_path / "builtin.json", api_url=live_server.url)
    assert set(App.objects.values_list("app_id", flat=True)) == {"app_lottery", "app_quiz"}
    assert client_secret_works("app_quiz", apps["quiz"]["client_secret"])


def test_the_platform_calls_the_apps_process_with_the_registered_secrets(tmp_path, settings):
    """The whole chain on our side: registered by the command, the process reads the file it
    wrote, the platform's health check and signed ``winner_selection`` call reach it."""
    settings.EVENTS_WEBHOOK_ALLOW_PRIVATE = True
    port = process.free_port()
    settings.BUILTIN_APPS = {**settings.BUILTIN_APPS, "base_url": f"http://127.0.0.1:{port}/apps"}
    path = tmp_path / "builtin.json"
    register(path)
    for capability in ("winner_selection", "notifications"):
        breaker.reset("app_lottery", capability)
    running = process.start(
        tmp_path, credentials=path, platform_url="http://127.0.0.1:1", workers=1, port=port
    )
    try:
        app = App.objects.get(app_id="app_lottery")
        health = app_health_check(app_pk=app.pk)
        assert health is not None and health.consecutive_failures == 0
        assert health.last_status_code == 200
        result = webhook_call(
            app=app,
            capability="winner_selection",
            event="winner_selection",
            payload={
                "room_id": 1,
                "draw_id": 1,
                "count": 1,
                "participants": [{"id": 7, "user_id": 70, "metadata": {}}],
                "prizes": [{"id": 3, "name": "Vinyl", "quantity_remaining": 1}],
                "app_settings": {},
            },
        )
        assert result.ok, result
        assert result.answer == {
            "winners": [
                {
                    "participant_id": 7,
                    "prize_id": 3,
                    "metadata": {"method": "uniform", "draw_id": 1},
                }
            ]
        }
    finally:
        running.stop()


def test_bin_dev_registers_and_starts_the_apps_with_no_extra_step(settings):
    """bin/dev: migrate, then seed_demo (which registers the apps: events.demo_rooms runs the
    command, and bin/dev does not run it a second time), then the apps process in the
    background (stopped on exit), then the server."""
    lines = (process.ROOT / "bin" / "dev").read_text().splitlines()
    commands = [line for line in lines if not line.lstrip().startswith("#")]
    assert not any("register_builtin_apps" in line for line in commands)
    assert "events.demo_rooms" in settings.DEMO_SEEDERS
    steps = [
        next(i for i, line in enumerate(lines) if marker in line)
        for marker in (
            "manage.py migrate",
            "manage.py seed_demo",
            "gunicorn builtin_apps.wsgi:application",
            "trap ",
            "manage.py runserver",
        )
    ]
    assert steps == sorted(steps)
    assert not any(line.startswith("exec ") for line in lines)  # the trap must run
