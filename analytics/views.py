"""Analytics pages: the artist's or venue's dashboard (charts, headline figures against the
period before, a table of the days, CSV export), the artist's choice of public figures, and the
public figures on an artist's page (a fragment its Stats tab loads)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import request_user
from analytics import export, metrics, selectors, services, sparkline
from analytics.forms import PeriodForm, PublicStatsForm
from analytics.selectors import Subject
from umbrella.daily_metrics import ARTIST
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error

ONBOARDING: dict[str, str] = {Role.ARTIST: "artist-onboarding", Role.VENUE: "venue-onboarding"}


def _subject(request: HttpRequest) -> Subject | HttpResponse:
    """The signed-in artist's or venue's profile, or where to send someone who has none."""
    user = request_user(request)
    try:
        return selectors.subject_of(user=user)
    except ApplicationError as error:
        if error.status_code == 404 and user.role in ONBOARDING:
            return redirect(ONBOARDING[user.role])  # no profile yet: the wizard first
        messages.info(request, "Analytics are for artist and venue accounts.")
        return redirect("dashboard")


def _period(request: HttpRequest) -> tuple[int, int]:
    """The asked period (days) and the status to answer: 400 for a period not offered (the
    dashboard of the default period is shown, with the message)."""
    form = PeriodForm(request.GET)
    if form.is_valid():
        return form.days_or_default(), 200
    messages.error(request, f"Choose a period of {', '.join(map(str, metrics.PERIODS))} days.")
    return metrics.DEFAULT_PERIOD, 400


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    subject = _subject(request)
    if isinstance(subject, HttpResponse):
        return subject
    days, status = _period(request)
    result = selectors.summary(subject, days=days)
    context: dict[str, Any] = {
        "subject": subject,
        "days": days,
        "periods": metrics.PERIODS,
        "result": result,
        "charts": selectors.charts(subject.kind, result["daily"]),
        "table": selectors.table(subject.kind, result["daily"]),
        "export_url": f"{reverse('analytics-export')}?days={days}",
        "last_rollup": services.last_rollup(),
    }
    if subject.kind == ARTIST:
        context["public_form"] = PublicStatsForm(
            initial={"metrics": selectors.public_metrics_of(artist_id=subject.id)}
        )
    return render(request, "analytics/dashboard.html", context, status=status)


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    subject = _subject(request)
    if isinstance(subject, HttpResponse):
        return subject
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponse(
            f"Choose a period of {', '.join(map(str, metrics.PERIODS))} days.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    span = selectors.period(form.days_or_default())
    days = selectors.daily(subject, first=span.first, last=span.last)
    response = HttpResponse(
        export.csv_text(subject.kind, days), content_type="text/csv; charset=utf-8"
    )
    name = f"umbrella-{subject.kind}-{subject.slug}-{span.first}-{span.last}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def public_stats_set(request: HttpRequest) -> HttpResponse:
    form = PublicStatsForm(request.POST)
    if form.is_valid():
        try:
            services.public_stats_set(
                user=request_user(request), metric_names=form.cleaned_data["metrics"]
            )
        except ApplicationError as error:
            add_application_error(form, error)
    if form.errors:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        chosen = form.cleaned_data["metrics"]
        messages.success(
            request,
            "Your public page now shows these figures." if chosen else "Your figures are private.",
        )
    return redirect(f"{reverse('analytics-dashboard')}#public-stats")


def public_stats(request: HttpRequest, slug: str) -> HttpResponse:
    """The figures a public artist chose to show: a fragment for the page's Stats tab (htmx),
    a page of its own otherwise (the link without JavaScript)."""
    found = selectors.public_stats(slug=slug)
    if found is None:
        raise Http404
    labels = {m.name: m for m in metrics.ARTIST_METRICS}
    figures = [
        {
            **figure,
            "lines": sparkline.points(
                [d[figure["name"]] for d in found["trend"]],
                span_gaps=labels[figure["name"]].nullable,
            ),
            "trend_label": f"{labels[figure['name']].label}, last "
            f"{selectors.PUBLIC_TREND_DAYS} days",
        }
        for figure in found["figures"]
    ]
    partial = request.headers.get("HX-Request") == "true"
    context = {
        **found,
        "figures": figures,
        "partial": partial,
        "trend_days": selectors.PUBLIC_TREND_DAYS,
        "box": {"width": sparkline.WIDTH, "height": sparkline.HEIGHT},
    }
    template = "analytics/public_stats.html" if partial else "analytics/public_stats_page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response
