"""Health checks (SPEC-events §4): ``GET {base_url}/health`` of every active app every 5
minutes, through the webhook transport (the SSRF guard, no redirects, one 5-second deadline for
the whole call). Any 2xx is healthy; anything else — another status, a redirect, a timeout, a
refused or unreachable address — is a failed check.

Three failed checks in a row open a ``health`` incident and tell the owner
(``notifications.health_failing``) once; further failures while it lasts send nothing; the
next successful check closes it (a later run of three failures is a new incident).

The HTTP call runs outside any transaction; recording its result locks the app's
:class:`~events.models.AppHealth` row, so two checks of one app finishing at once both count.
"""

from django.db import transaction
from django.utils import timezone

from events.models import App, AppHealth, AppIncident, IncidentKind
from events.services.incidents import incident_close, incident_raise
from events.webhooks.calls import webhook_url
from events.webhooks.transport import TransportError, request

HEALTH_PATH = "/health"
HEALTH_TIMEOUT_SECONDS = 5.0
FAILURES_TO_ALERT = 3
HEALTH_HEADERS = {"accept": "application/json", "user-agent": "Umbrella-Health/1"}


def health_probe(app: App) -> tuple[bool, int | None, str]:
    """One check: (healthy, status code if any, what went wrong)."""
    try:
        response = request(
            webhook_url(app, HEALTH_PATH),
            method="GET",
            headers=HEALTH_HEADERS,
            timeout=HEALTH_TIMEOUT_SECONDS,
        )
    except TransportError as error:
        return False, error.status_code, f"{error.outcome}: {error.message}"[:1000]
    if 200 <= response.status_code < 300:
        return True, response.status_code, ""
    return False, response.status_code, f"HTTP {response.status_code}"


@transaction.atomic
def app_health_record(
    *, app_pk: int, ok: bool, status_code: int | None = None, error: str = ""
) -> AppHealth:
    """Count one check's result; the third failure in a row opens the incident (and tells the
    owner), a success closes it."""
    AppHealth.objects.get_or_create(app_id=app_pk)
    health = AppHealth.objects.select_for_update().select_related("app__owner").get(app_id=app_pk)
    now = timezone.now()
    health.last_checked_at = now
    health.last_status_code = status_code
    if ok:
        health.consecutive_failures = 0
        health.last_ok_at = now
        health.last_error = ""
    else:
        health.consecutive_failures += 1
        health.last_error = error[:1000]
    health.save()
    if ok:
        incident_close(app_pk=app_pk, kind=IncidentKind.HEALTH)
    elif (
        health.consecutive_failures >= FAILURES_TO_ALERT
        and not AppIncident.objects.open().filter(app_id=app_pk, kind=IncidentKind.HEALTH).exists()
    ):
        incident_raise(  # the constraint still guards two checks racing here
            app=health.app,
            kind=IncidentKind.HEALTH,
            detail=f"GET {HEALTH_PATH} failed {health.consecutive_failures} times in a row "
            f"({health.last_error}).",
        )
    return health


def app_health_check(*, app_pk: int) -> AppHealth | None:
    """Check one app now (``None`` if it is gone or disabled)."""
    app = App.objects.live().filter(pk=app_pk, is_active=True).first()
    if app is None:
        return None
    ok, status_code, error = health_probe(app)
    return app_health_record(app_pk=app.pk, ok=ok, status_code=status_code, error=error)


def apps_to_check() -> list[int]:
    return list(
        App.objects.live().filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
