"""Two pages over :mod:`events.metrics`:

* ``/developers/apps/<app_id>/metrics/`` — the console's metrics tab, for the app's owner and
  staff (anyone else: 404): per capability over the chosen window, and a chart of calls,
  success rate and p95 (uPlot, drawn by ``events/metrics-chart.js`` from the series the page
  carries as JSON data: no inline script). The tables carry every number without JavaScript.
* ``/staff/webhooks/`` — the staff webhook-health page: every app with its breakers, success
  rate and p95 over 24 h, dead letters, health check and open incidents. Staff only: anyone
  signed in who is not staff gets a 404 (the page is not advertised), anyone signed out the
  sign-in page.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import request_user
from events import metrics
from events.models import App, AppIncident
from events.notifications import console_path
from umbrella.errors import NotFoundError
from umbrella.pagination import page_number, page_without_count

STAFF_PAGE_SIZE = 50
STAFF_WINDOW = "24h"
STAFF_INCIDENTS_SHOWN = 100


def _window(request: HttpRequest) -> str:
    window = request.GET.get("window", "")
    return window if window in metrics.WINDOWS else metrics.DEFAULT_WINDOW


@login_required
def console_metrics(request: HttpRequest, app_id: str) -> HttpResponse:
    try:
        app = metrics.app_visible(user=request_user(request), app_id=app_id)
    except NotFoundError as error:
        raise Http404(error.message) from error
    window = _window(request)
    result = metrics.app_metrics(app=app, window=window)
    capability = request.GET.get("capability", "")
    if capability not in {c.capability for c in result.capabilities}:
        capability = ""
    series = metrics.app_series(app=app, window=window, capability=capability, now=result.until)
    chart = {
        "window": window,
        "points": [
            {
                "t": int(point["start"].timestamp()),
                "calls": point["calls"],
                "failures": point["failures"],
                "success": None
                if point["success_rate"] is None
                else round(point["success_rate"] * 100, 2),
                "p95": point["p95_ms"],
            }
            for point in series
        ],
    }
    return render(
        request,
        "events/console/metrics.html",
        {
            "app": app,
            "tab": "metrics",
            "result": result,
            "window": window,
            "windows": list(metrics.WINDOWS),
            "capability": capability,
            "series": series,
            "chart": chart,
            "console_url": console_path(app),
        },
    )


@login_required
def staff_webhooks(request: HttpRequest) -> HttpResponse:
    if not request_user(request).is_staff:
        raise Http404("No such page.")
    page = page_number(request.GET.get("page"))
    apps, has_next = page_without_count(
        App.objects.live().select_related("owner", "health").order_by("app_id"),
        page=page,
        size=STAFF_PAGE_SIZE,
    )
    rows: list[dict[str, Any]] = [
        {"metrics": result, "health": getattr(result.app, "health", None)}
        for result in metrics.apps_metrics(apps, window=STAFF_WINDOW)
    ]
    incidents = list(
        AppIncident.objects.open()
        .select_related("app")
        .order_by("-opened_at", "-id")[:STAFF_INCIDENTS_SHOWN]
    )
    return render(
        request,
        "events/staff/webhooks.html",
        {
            "rows": rows,
            "incidents": incidents,
            "page_number": page,
            "has_next": has_next,
            "window": STAFF_WINDOW,
        },
    )
