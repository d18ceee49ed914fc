"""The alerts of SPEC-events §4, evaluated every 5 minutes (beat) for every active app and
webhook capability, each sent once per incident (:mod:`events.services.incidents`):

* ``success_rate``: under 95 % of the last hour's attempts succeeded (warning), under 90 %
  (critical; an open warning turning critical is sent once more);
* ``slow``: the last hour's p95 latency is over 80 % of the capability's timeout;
* ``dead_letters``: more than 100 dead letters wait.

The first two need at least :data:`MIN_CALLS` attempts in the hour: one failed call out of one
is no "success rate" (the breaker, the dead letters and the health check watch quiet apps).
"Breaker opened" is sent by the webhook caller at the transition (events.webhooks.calls).

One evaluation reads everything in a constant number of queries (apps, stats, dead letters, open
incidents) and writes only where an incident opens, escalates or closes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from events import metrics
from events.models import App, AppIncident, IncidentKind, Severity
from events.services.incidents import incident_close, incident_raise

SUCCESS_RATE_WARNING = 0.95
SUCCESS_RATE_CRITICAL = 0.90
SLOW_FRACTION = 0.8  # of the capability's timeout
DEAD_LETTERS_LIMIT = 100
MIN_CALLS = 10
WINDOW = "1h"
KINDS = (IncidentKind.SUCCESS_RATE, IncidentKind.SLOW, IncidentKind.DEAD_LETTERS)


@dataclass(frozen=True)
class Condition:
    severity: str
    detail: str


def conditions(c: metrics.CapabilityMetrics) -> dict[str, Condition]:
    """What is wrong with one capability now, by incident kind."""
    found: dict[str, Condition] = {}
    s = c.stats
    rate = s.success_rate
    if rate is not None and s.calls >= MIN_CALLS and rate < SUCCESS_RATE_WARNING:
        critical = rate < SUCCESS_RATE_CRITICAL
        found[IncidentKind.SUCCESS_RATE] = Condition(
            Severity.CRITICAL if critical else Severity.WARNING,
            f"{c.capability}: {rate:.1%} of the last hour's {s.calls} calls succeeded "
            f"(under {SUCCESS_RATE_CRITICAL if critical else SUCCESS_RATE_WARNING:.0%}).",
        )
    limit = SLOW_FRACTION * c.timeout_ms
    if s.p95_ms is not None and s.calls >= MIN_CALLS and s.p95_ms > limit:
        found[IncidentKind.SLOW] = Condition(
            Severity.WARNING,
            f"{c.capability}: p95 latency {s.p95_ms:.0f} ms over the last hour, more than "
            f"80 % of its {c.timeout_ms} ms timeout.",
        )
    if c.dead_letters > DEAD_LETTERS_LIMIT:
        found[IncidentKind.DEAD_LETTERS] = Condition(
            Severity.WARNING,
            f"{c.capability}: {c.dead_letters} dead letters wait (more than "
            f"{DEAD_LETTERS_LIMIT}). Inspect and replay them.",
        )
    return found


def alerts_evaluate(*, now: datetime | None = None) -> list[AppIncident]:
    """Open (and alert), escalate or close the incidents of every active app; the incidents
    whose alert went out now."""
    now = now or timezone.now()
    apps = list(App.objects.live().filter(is_active=True).select_related("owner"))
    opened = {
        (i.app_id, i.capability, i.kind): i.severity
        for i in AppIncident.objects.open()
        .filter(kind__in=KINDS)
        .only("app", "capability", "kind", "severity")
    }
    sent: list[AppIncident] = []
    live: set[tuple[int, str, str]] = set()
    for result in metrics.apps_metrics(apps, window=WINDOW, now=now, breakers=False):
        for capability in result.capabilities:
            found = conditions(capability)
            for kind in KINDS:
                key = (result.app.pk, capability.capability, kind)
                live.add(key)
                condition = found.get(kind)
                if condition is not None and opened.get(key) == condition.severity:
                    continue  # the same incident, already sent
                if condition is not None:
                    incident = incident_raise(
                        app=result.app,
                        kind=kind,
                        capability=capability.capability,
                        severity=condition.severity,
                        detail=condition.detail,
                    )
                    if incident is not None:
                        sent.append(incident)
                elif key in opened:
                    incident_close(
                        app_pk=result.app.pk, kind=kind, capability=capability.capability
                    )
    # An app disabled or deleted since, or a capability gone: nothing to watch, nothing open.
    for app_pk, gone_capability, gone_kind in opened.keys() - live:
        incident_close(app_pk=app_pk, kind=gone_kind, capability=gone_capability)
    return sent
