"""Marketplace pages: the venue onboarding wizard, and the private calendar feed. Every change
goes through marketplace.services (the same calls as the API)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.models import Role
from accounts.selectors import request_user
from marketplace import selectors, services, steps
from marketplace.calendar import feed_ics, feed_owner
from marketplace.forms import VenueFieldsForm
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error


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
        "marketplace/venue_onboarding_step.html",
        {"form": form, "step": step, "steps": state["steps"], "last_step": steps.LAST_STEP},
    )


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
