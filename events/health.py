"""Health checks (SPEC-events §4): ``GET {base_url}/health`` of every active app every 5
minutes, through the webhook transport (the SSRF guard, no redirects, one 5-second deadline for
the whole call). Any 2xx is healthy; anything else — another status, a redirect, a timeout, a
refused or unreachable address — is a failed check.

Three failed checks in a row open a ``health`` incident and tell the owner
(``notifications.health_failing``) once; further failures while it lasts send nothing; the
next successful check closes it (a later run of three failures is a new incident).

**One check per app per 5-minute slot** (the beat runs at :00, :05, …; a slot is
``floor(unix time / 300)``). A task delivered twice, or a late delivery of an earlier run, must
not count the same failure twice and open an incident after two real failures: a check whose
slot already has a result (or a later one) sends no request and counts nothing; it answers the
recorded health. The HTTP call runs outside any transaction; recording its result locks the
app's :class:`~events.models.AppHealth` row and checks the slot again under the lock, so of two
deliveries of one check running at once exactly one is counted. The slot is the check's start
(``last_checked_at``), so a 5-second call crossing a boundary stays in its own slot.
"""

from datetime import datetime

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
SLOT_SECONDS = 300  # the beat's period (umbrella/beat.py): one counted check per slot


def health_slot(at: datetime) -> int:
    """The 5-minute slot ``at`` falls in."""
    return int(at.timestamp() // SLOT_SECONDS)


def _counted(health: AppHealth, slot: int) -> bool:
    """Has ``slot`` (or a later one) a recorded result already?"""
    return health.last_checked_at is not None and health_slot(health.last_checked_at) >= slot


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
    *,
    app_pk: int,
    ok: bool,
    status_code: int | None = None,
    error: str = "",
    checked_at: datetime | None = None,
) -> AppHealth:
    """Count the result of the check started at ``checked_at`` (default: now), unless its slot
    has one already (then nothing changes); the third failure in a row opens the incident (and
    tells the owner), a success closes it."""
    checked_at = checked_at or timezone.now()
    AppHealth.objects.get_or_create(app_id=app_pk)
    health = AppHealth.objects.select_for_update().select_related("app__owner").get(app_id=app_pk)
    if _counted(health, health_slot(checked_at)):
        return health  # another delivery of this check (or a later check) was counted
    health.last_checked_at = checked_at
    health.last_status_code = status_code
    if ok:
        health.consecutive_failures = 0
        health.last_ok_at = checked_at
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
    """Check one app now, once per slot (``None`` if it is gone or disabled). When this slot
    has a result already, no request is sent and the recorded health is answered."""
    app = App.objects.live().filter(pk=app_pk, is_active=True).first()
    if app is None:
        return None
    started = timezone.now()
    recorded = AppHealth.objects.filter(app_id=app_pk).first()
    if recorded is not None and _counted(recorded, health_slot(started)):
        return recorded
    ok, status_code, error = health_probe(app)
    return app_health_record(
        app_pk=app.pk, ok=ok, status_code=status_code, error=error, checked_at=started
    )


def apps_to_check() -> list[int]:
    return list(
        App.objects.live().filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
