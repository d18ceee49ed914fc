"""Marketplace pages: the venue onboarding wizard, and the private calendar feed. Every change
goes through marketplace.services (the same calls as the API)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Role
from accounts.selectors import request_user
from marketplace import hooks, selectors, services, steps
from marketplace.calendar import feed_ics, feed_owner
from marketplace.forms import (
    ApplicationForm,
    GigFilterForm,
    GigForm,
    ReasonForm,
    VenueFieldsForm,
)
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_number as parse_page_number
from umbrella.pagination import page_without_count

GIG_PAGE_SIZE = 20


def _venue_only(request: HttpRequest) -> HttpResponse | None:
    if request_user(request).role != Role.VENUE:
        messages.info(request, "That page is for venue accounts.")
        return redirect("dashboard")
    return None


# --- venue onboarding -------------------------------------------------------------------------


@login_required
def venue_onboarding(request: HttpRequest) -> HttpResponse:
    """Resume the venue wizard where the venue left it."""
    if refused := _venue_only(request):
        return refused
    state = selectors.venue_onboarding_state(user=request_user(request))
    if state["next_step"] is None:
        return redirect("dashboard")
    return redirect("venue-onboarding-step", number=state["next_step"])


@login_required
def venue_onboarding_step(request: HttpRequest, number: int) -> HttpResponse:
    if refused := _venue_only(request):
        return refused
    user = request_user(request)
    state = selectors.venue_onboarding_state(user=user)
    try:
        step = steps.open_step(number, done=state["completed_steps"])
    except NotFoundError as error:
        raise Http404 from error
    except ApplicationError as error:  # not open yet: go to the step that is
        return redirect("venue-onboarding-step", number=error.details["next_step"])
    form = VenueFieldsForm(
        request.POST or None,
        field_names=step.fields,
        required=step.required,
        venue=selectors.venue_of(user=user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_onboarding_save_step(user=user, number=number, data=form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if number == steps.LAST_STEP:
                messages.success(request, "Your venue is set up. Welcome to Umbrella!")
                return redirect("dashboard")
            return redirect("venue-onboarding-step", number=number + 1)
    return render(
        request,
        "wizard_step.html",
        {
            "wizard_title": "Venue onboarding",
            "step_url_name": "venue-onboarding-step",
            "form": form,
            "step": step,
            "steps": state["steps"],
            "last_step": steps.LAST_STEP,
        },
    )


# --- gig board and gig detail -----------------------------------------------------------------


def gig_board(request: HttpRequest) -> HttpResponse:
    """``/gigs/``: the same selector as ``GET /api/v1/gigs/``, filtered by a GET form."""
    params = request.GET.copy()
    raw_page = params.pop("page", ["1"])[-1]
    page_number = parse_page_number(raw_page)  # "²" is a digit to isdigit(), not to int()
    form = GigFilterForm(params)
    gigs: list[dict] = []
    has_next = False
    if form.is_valid():
        rows = selectors.gig_search(filters=form.selector_filters())
        found, has_next = page_without_count(rows, page=page_number, size=GIG_PAGE_SIZE)
        now = timezone.now()
        gigs = [selectors.gig_card(row, now=now) for row in found]
    context = {
        "form": form,
        "gigs": gigs,
        "page_number": page_number,
        "has_next": has_next,
        "query": params.urlencode(),
    }
    # Filter errors are shown next to the filters, with the page (as the artist search does).
    return render(request, "marketplace/gig_board.html", context)


def _own_pending_application(request: HttpRequest, gig_id: int) -> object | None:
    user = request_user(request)
    if not user.is_authenticated or user.role != Role.ARTIST:
        return None
    try:
        mine = selectors.applications_of_artist(user=user)
    except ApplicationError:
        return None
    return mine.filter(gig_id=gig_id).first()


def gig_detail(request: HttpRequest, gig_id: int) -> HttpResponse:
    """``/gigs/<id>/``: the gig, and for an onboarded artist the apply form (or their own
    application, with a withdraw button while it is pending)."""
    try:
        gig = selectors.gig_public(gig_id=gig_id)
    except NotFoundError as error:
        raise Http404("No such gig.") from error
    application = _own_pending_application(request, gig_id)
    user = request.user
    can_apply = (
        user.is_authenticated
        and request_user(request).role == Role.ARTIST
        and application is None
        and gig["status"] == "open"
    )
    # ?draft=<ref>: a pitch a higher app wrote for this gig (Violet), pasted into the form.
    draft = request.GET.get("draft", "")[:40] if can_apply and request.method == "GET" else ""
    pitch = hooks.application_draft(user=user, gig_id=gig_id, ref=draft) if draft else None
    form = ApplicationForm(request.POST or None, initial={"pitch": pitch} if pitch else None)
    if request.method == "POST":
        if not can_apply:
            messages.info(request, "Only an artist who has not applied yet can apply.")
            return redirect("gig-detail", gig_id=gig_id)
        if form.is_valid():
            try:
                services.application_create(
                    user=request_user(request), gig_id=gig_id, data=form.service_data()
                )
            except ApplicationError as error:
                add_application_error(form, error)
            else:
                messages.success(request, "Application sent. The venue will be in touch.")
                return redirect("gig-detail", gig_id=gig_id)
    context = {"gig": gig, "form": form, "can_apply": can_apply, "application": application}
    return render(request, "marketplace/gig_detail.html", context)


@login_required
def my_applications(request: HttpRequest) -> HttpResponse:
    """``/applications/``: the artist's own applications, newest first, with their gigs."""
    user = request_user(request)
    if user.role != Role.ARTIST:
        messages.info(request, "That page is for artist accounts.")
        return redirect("dashboard")
    try:
        rows = selectors.applications_of_artist(user=user)
    except NotFoundError:
        return redirect("artist-onboarding")
    page = Paginator(rows, GIG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "marketplace/my_applications.html", {"page": page})


@login_required
@require_POST
def application_withdraw(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        application = services.application_withdraw(
            user=request_user(request), application_id=application_id
        )
    except NotFoundError as error:
        raise Http404("No such application.") from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("dashboard")
    messages.success(request, "Application withdrawn.")
    return redirect("gig-detail", gig_id=application.gig_id)


# --- the venue's own pages --------------------------------------------------------------------


@login_required
def venue_dashboard(request: HttpRequest) -> HttpResponse:
    """``/venue/``: the venue's gigs with pending applicant counts (a page of them, no
    ``COUNT``), and the post-a-gig form."""
    if refused := _venue_only(request):
        return refused
    user = request_user(request)
    venue = selectors.venue_of(user=user)
    if venue is None or not user.onboarding_complete:
        return redirect("venue-onboarding")
    form = GigForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            gig = services.gig_create(user=user, data=form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"“{gig.title}” is posted.")
            return redirect("venue-dashboard")
    now = timezone.now()
    page = parse_page_number(request.GET.get("page"))
    rows, has_next = page_without_count(
        selectors.gigs_of_venue(venue=venue), page=page, size=GIG_PAGE_SIZE
    )
    gigs = []
    for row in rows:
        pending = row.pop("pending_applications")
        gigs.append({**selectors.gig_card(row, now=now), "pending_applications": pending})
    context = {
        "venue": venue,
        "gigs": gigs,
        "page_number": page,
        "has_next": has_next,
        "form": form,
        "cancel_form": ReasonForm(),
    }
    return render(request, "marketplace/venue_dashboard.html", context)


@login_required
@require_POST
def venue_gig_cancel(request: HttpRequest, gig_id: int) -> HttpResponse:
    if refused := _venue_only(request):
        return refused
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason to cancel the gig: the artists are told it.")
        return redirect("venue-dashboard")
    try:
        services.gig_cancel(
            user=request_user(request), gig_id=gig_id, reason=form.cleaned_data["reason"]
        )
    except NotFoundError as error:
        raise Http404("No such gig.") from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The gig is cancelled.")
    return redirect("venue-dashboard")


@login_required
def venue_applicants(request: HttpRequest, gig_id: int) -> HttpResponse:
    """``/venue/gigs/<id>/applicants/``: only the gig's own venue (anyone else: 404)."""
    if refused := _venue_only(request):
        return refused
    user = request_user(request)
    try:
        gig = selectors.gig_own(user=user, gig_id=gig_id)
        rows = selectors.applicants(user=user, gig_id=gig_id)
    except NotFoundError as error:
        raise Http404("No such gig.") from error
    context = {"gig": gig, "applicants": [selectors.applicant_row(row) for row in rows]}
    return render(request, "marketplace/venue_applicants.html", context)


@login_required
@require_POST
def venue_application_decide(
    request: HttpRequest, application_id: int, action: str
) -> HttpResponse:
    if refused := _venue_only(request):
        return refused
    user = request_user(request)
    try:
        if action == "accept":
            booking = services.application_accept(user=user, application_id=application_id)
            gig_id = booking.gig_id
            messages.success(request, "Accepted: the booking is made and the artist is told.")
        elif action == "reject":
            application = services.application_reject(user=user, application_id=application_id)
            gig_id = application.gig_id
            messages.success(request, "Application turned down.")
        else:
            raise Http404("No such action.")
    except NotFoundError as error:
        raise Http404("No such application.") from error
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("venue-dashboard")
    return redirect("venue-applicants", gig_id=gig_id)


# --- calendar feed ----------------------------------------------------------------------------


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """``/calendar/<token>.ics``: no session, the secret token is the key. Unknown, rotated or
    revoked token (or a deactivated account): 404, the same answer for all."""
    user = feed_owner(token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        feed_ics(user, now=timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="umbrella-bookings.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
