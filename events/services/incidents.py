"""Incidents: an alert (or a failing health check) is sent once when its condition starts, not
every time the condition is seen again, and a new incident starts only after the last one was
closed.

The guard is the partial unique constraint ``one_open_incident_per_kind`` (one open row per app,
capability and kind): whoever inserts the open row sends the alert, in the same transaction
(``notify`` writes its rows there and emails after commit). Two evaluators racing on
PostgreSQL: the second insert waits for the first transaction, then fails on the constraint and
sends nothing.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from events import notifications
from events.models import App, AppIncident, IncidentKind, Severity

SEVERITY_RANK = {Severity.WARNING: 0, Severity.CRITICAL: 1}


def _send(app: App, incident: AppIncident) -> None:
    if incident.kind == IncidentKind.HEALTH:
        notifications.health_failing(app)
    else:
        notifications.alert(app, text=incident.detail)


@transaction.atomic
def incident_raise(
    *,
    app: App,
    kind: str,
    detail: str,
    capability: str = "",
    severity: str = Severity.WARNING,
) -> AppIncident | None:
    """The condition ``kind`` holds for (``app``, ``capability``). Opens an incident and sends
    its alert unless one is open already; an open warning that turns critical is raised to
    critical and sent once more (an escalation), a critical one that eases is lowered quietly.
    Returns the incident when an alert went out, else ``None``."""
    try:
        with transaction.atomic():
            incident = AppIncident.objects.create(
                app=app, capability=capability, kind=kind, severity=severity, detail=detail[:500]
            )
    except IntegrityError:
        incident_or_none = (
            AppIncident.objects.open()
            .select_for_update()
            .filter(app=app, capability=capability, kind=kind)
            .first()
        )
        if incident_or_none is None:  # closed in between: the next evaluation opens a new one
            return None
        incident = incident_or_none
        if incident.severity == severity:
            return None
        escalated = SEVERITY_RANK[Severity(severity)] > SEVERITY_RANK[Severity(incident.severity)]
        incident.severity = severity
        incident.detail = detail[:500]
        incident.save(update_fields=["severity", "detail"])
        if not escalated:
            return None
    _send(app, incident)
    return incident


@transaction.atomic
def incident_close(*, app_pk: int, kind: str, capability: str = "") -> bool:
    """The condition cleared: close the open incident, if any (the next one alerts again)."""
    closed = AppIncident.objects.open().filter(app_id=app_pk, capability=capability, kind=kind)
    return closed.update(closed_at=timezone.now()) > 0
