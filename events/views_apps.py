"""The developer console's app pages (``/developers/apps/…``): the list, registering by pasting a
manifest, an app's overview (webhooks, secrets, switches) and its versions. Every change goes
through events.services.apps, the same calls as the API. An app that is not yours is a 404.

The console's other tabs (deliveries, dead letters, metrics) are served by their own modules
and share ``events/console/base.html``.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import request_user
from events import selectors_apps as selectors
from events.forms_apps import (
    AppPublishForm,
    AppRegisterForm,
    DeprecateForm,
    RotateForm,
    WebhookEnableForm,
    manifest_text,
)
from events.manifest import json_path
from events.models import WEBHOOK_CAPABILITIES, App
from events.services import apps as services
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error

# Default timeouts (SPEC-events §4), shown next to a webhook that does not set its own.
DEFAULT_TIMEOUT_MS = {
    "winner_selection": 5000,
    "participant_registration": 3000,
    "quiz_validation": 2000,
    "notifications": 30000,
}


def console_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page about one app: signed in, and the app's owner or staff; else 404."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, app_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            app = services.app_get(app_id=app_id, by=request_user(request))
        except NotFoundError as error:
            raise Http404("No such app.") from error
        return view(request, app, *args, **kwargs)

    return page


def _no_store(response: HttpResponse) -> HttpResponse:
    """A page that shows a secret is never cached (nor shown again from history)."""
    response["Cache-Control"] = "no-store"
    return response


# --- the pasted manifest, with its problems next to the lines they are about ----------------


@dataclass
class Line:
    text: str
    path: str
    problems: list[str] = field(default_factory=list)


def _lines(value: Any, parts: tuple, depth: int, label: str, comma: str, out: list[Line]) -> None:
    indent = "  " * depth
    path = json_path(parts)
    if isinstance(value, dict | list) and value:
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        out.append(Line(f"{indent}{label}{opening}", path))
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        for index, (key, child) in enumerate(items):
            child_label = (
                f"{json.dumps(key, ensure_ascii=False)}: " if isinstance(value, dict) else ""
            )
            last = index == len(items) - 1
            _lines(child, (*parts, key), depth + 1, child_label, "" if last else ",", out)
        out.append(Line(f"{indent}{closing}{comma}", ""))
    else:
        out.append(Line(f"{indent}{label}{json.dumps(value, ensure_ascii=False)}{comma}", path))


def annotated(manifest: Any, fields: list[dict[str, str]]) -> list[Line]:
    """The manifest pretty-printed, line by line, each bad field's message on its line (a
    missing field's on its parent's line, a problem of the whole manifest on the first)."""
    lines: list[Line] = []
    _lines(manifest, (), 0, "", "", lines)
    by_path = {line.path: line for line in lines if line.path}
    for problem in fields:
        path = problem["path"]
        while path not in by_path and path != "$":
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else "$"
        target = by_path.get(path, lines[0])
        shown = problem["path"] if problem["path"] != target.path else ""
        target.problems.append(f"{shown} {problem['message']}".strip())
    return lines


def _manifest_problems(form: Any, error: ApplicationError) -> dict[str, Any]:
    """Context for a refused manifest: the list by path, and the annotated manifest."""
    fields = error.details.get("fields", [])
    count = len(fields)
    pasted = form.cleaned_data.get("manifest")  # add_error drops it from cleaned_data
    form.add_error(
        "manifest",
        f"The manifest has {count} problem{'s' if count != 1 else ''}, listed below it.",
    )
    return {
        "manifest_fields": fields,
        "manifest_lines": annotated(pasted, fields),
    }


# --- pages ----------------------------------------------------------------------------------


@login_required
def app_list(request: HttpRequest) -> HttpResponse:
    """``/developers/apps/``"""
    apps = list(selectors.apps_visible(user=request_user(request))[:200])
    return render(request, "events/console/app_list.html", {"apps": apps})


@login_required
def app_new(request: HttpRequest) -> HttpResponse:
    """``/developers/apps/new/``: paste a manifest; the secrets are shown once after."""
    form = AppRegisterForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.app_register(
                owner=request_user(request),
                manifest=form.cleaned_data["manifest"],
                app_id=form.cleaned_data["app_id"] or None,
            )
        except ApplicationError as error:
            if error.code == "invalid_manifest":
                context.update(_manifest_problems(form, error))
            else:
                add_application_error(form, error)
        else:
            return _no_store(
                render(
                    request,
                    "events/console/secrets.html",
                    {
                        "app": registration.app,
                        "registered": True,
                        "client_secret": registration.client_secret,
                        "webhook_secret": registration.webhook_secret,
                    },
                )
            )
    return render(
        request, "events/console/app_new.html", context, status=400 if form.errors else 200
    )


def _webhooks(app: App) -> list[dict[str, Any]]:
    base = app.manifest.get("base_url", "")
    rows = []
    for capability, hook in app.manifest.get("webhooks", {}).items():
        spec = hook if isinstance(hook, dict) else {"path": hook}
        is_async = spec.get("async", capability == "notifications")
        rows.append(
            {
                "capability": capability,
                "url": base + spec["path"],
                "mode": "async" if is_async else "sync",
                "timeout_ms": spec.get("timeout_ms", DEFAULT_TIMEOUT_MS.get(capability)),
                "disabled": capability in app.disabled_webhooks,
            }
        )
    return rows


@console_page
def app_overview(request: HttpRequest, app: App) -> HttpResponse:
    """``/developers/apps/<app_id>/``"""
    version = selectors.versions_of(app=app).filter(version=app.manifest_version).first()
    context = {
        "app": app,
        "tab": "overview",
        "version": version,
        "webhooks": _webhooks(app),
        "needs_webhook": sorted(WEBHOOK_CAPABILITIES),
        "webhook_secrets": selectors.live_webhook_secrets(app=app),
        "client_secrets": selectors.live_credentials(app=app),
        "rotate_form": RotateForm(),
    }
    return render(request, "events/console/app_overview.html", context)


@console_page
@require_POST
def app_rotate(request: HttpRequest, app: App) -> HttpResponse:
    """Rotate the signing or the client secret; the new one is shown once."""
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose which secret to rotate.")
        return redirect("console-app", app_id=app.app_id)
    user = request_user(request)
    kind = form.cleaned_data["secret"]
    try:
        if kind == "client":
            _credential, client_secret = services.app_credential_rotate(app=app, by=user)
            shown = {"client_secret": client_secret}
        else:
            grace = form.cleaned_data["grace_hours"]
            secret = services.app_webhook_secret_rotate(app=app, by=user, grace_hours=grace)
            shown = {"webhook_secret": secret.secret, "grace_hours": grace}
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("console-app", app_id=app.app_id)
    return _no_store(render(request, "events/console/secrets.html", {"app": app, **shown}))


@console_page
@require_POST
def app_webhook_enable(request: HttpRequest, app: App) -> HttpResponse:
    form = WebhookEnableForm(request.POST)
    if form.is_valid():
        capability = form.cleaned_data["capability"]
        try:
            services.app_webhook_enable(app=app, capability=capability, by=request_user(request))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"The {capability} webhook is called again.")
    return redirect("console-app", app_id=app.app_id)


@console_page
@require_POST
def app_set_active(request: HttpRequest, app: App) -> HttpResponse:
    """Staff: disable or enable the whole app."""
    user = request_user(request)
    try:
        if request.POST.get("active") == "1":
            services.app_enable(app=app, by=user)
            messages.success(request, f"{app.name} is enabled.")
        else:
            services.app_disable(app=app, by=user)
            messages.success(request, f"{app.name} is disabled: no calls, no app tokens.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("console-app", app_id=app.app_id)


def _versions_page(
    request: HttpRequest,
    app: App,
    *,
    publish_form: AppPublishForm | None = None,
    deprecate_form: DeprecateForm | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    versions = list(selectors.versions_of(app=app)[:200])
    deprecatable = [
        v.version for v in versions if v.deprecated_at is None and v.version != app.manifest_version
    ]
    context: dict[str, Any] = {
        "app": app,
        "tab": "versions",
        "versions": versions,
        "publish_form": publish_form
        or AppPublishForm(initial={"manifest": manifest_text(app.manifest)}),
        "deprecate_form": deprecate_form or DeprecateForm(versions=deprecatable),
        "deprecatable": deprecatable,
        **(extra or {}),
    }
    failed = (publish_form and publish_form.errors) or (deprecate_form and deprecate_form.errors)
    return render(
        request, "events/console/app_versions.html", context, status=400 if failed else 200
    )


@console_page
def app_versions(request: HttpRequest, app: App) -> HttpResponse:
    """``/developers/apps/<app_id>/versions/``: history, deprecate, publish a new version."""
    return _versions_page(request, app)


@console_page
@require_POST
def app_version_publish(request: HttpRequest, app: App) -> HttpResponse:
    form = AppPublishForm(request.POST)
    extra: dict[str, Any] = {}
    if form.is_valid():
        try:
            row = services.app_version_publish(
                app=app, manifest=form.cleaned_data["manifest"], by=request_user(request)
            )
        except ApplicationError as error:
            if error.code == "invalid_manifest":
                extra = _manifest_problems(form, error)
            else:
                form.add_error("manifest", error.message)
        else:
            messages.success(request, f"Version {row.version} is now the current version.")
            return redirect("console-app-versions", app_id=app.app_id)
    return _versions_page(request, app, publish_form=form, extra=extra)


@console_page
@require_POST
def app_version_deprecate(request: HttpRequest, app: App) -> HttpResponse:
    versions = list(selectors.versions_of(app=app).values_list("version", flat=True))
    form = DeprecateForm(request.POST, versions=versions)
    if form.is_valid():
        try:
            services.app_version_deprecate(app=app, by=request_user(request), **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            version = form.cleaned_data["version"]
            messages.success(request, f"Version {version} is deprecated; organizers were told.")
            return redirect("console-app-versions", app_id=app.app_id)
    return _versions_page(request, app, deprecate_form=form)
