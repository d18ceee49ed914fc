"""Venue pages: the public venue page ``/venues/<slug>/`` (profile, open gigs, the scorecard in
plain words, reviews from artists) and the venue's own profile editor ``/venue/profile/``.
Every change goes through ``marketplace.services`` (the same calls as the wizard and the API)."""

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.models import Role
from accounts.selectors import request_user
from marketplace import selectors, services, steps
from marketplace.forms import VenueFieldsForm
from marketplace.models import VenueProfile
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error
from umbrella.pagination import page_number, page_without_count

REVIEWS_PAGE_SIZE = 10
UPCOMING_GIGS = 20

# --- the scorecard, in plain words -------------------------------------------------------------


def _duration(hours: float) -> str:
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        whole = round(hours)
        return f"{whole} hour{'s' if whole != 1 else ''}"
    days = round(hours / 24)
    return f"{days} days"


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def _one_in(share: float) -> str:
    """0.25 → "about 1 in 4"; for a share near 0 or 1, plain words."""
    if share == 0:
        return "none so far"
    if share >= 0.95:
        return "nearly all"
    return f"about 1 in {round(1 / share)}"


def scorecard_lines(card: dict[str, Any]) -> list[dict[str, str]]:
    """The scorecard (``selectors.venue_scorecard``) as the page shows it: for each figure a
    label, a value and one sentence that says what it means, so an artist can judge a venue
    before spending time on a pitch. Below the minimum of applications the three figures
    computed from applications say "Not enough data"; bookings and the rating are shown as
    they are (they are counts, not rates)."""
    enough = card["enough_data"]
    waiting = (
        f"Shown once the venue has had {selectors.SCORECARD_MIN_APPLICATIONS} applications "
        f"on Umbrella (so far: {card['applications']})."
    )
    lines: list[dict[str, str]] = []

    median = card["median_answer_hours"]
    if not enough:
        value, text = "Not enough data", waiting
    elif median is None:
        value, text = "No answers yet", "The venue has not answered an application yet."
    else:
        value = _duration(median)
        text = (
            f"Half of the applications got an answer, yes or no, within {value}; "
            "the other half waited longer."
        )
    lines.append({"key": "median", "label": "Typical time to answer", "value": value, "text": text})

    share = card["answered_within_7_days"]
    if not enough:
        value, text = "Not enough data", waiting
    elif share is None:
        value, text = "Too early", "No application here is a week old yet."
    else:
        value = _percent(share)
        text = (
            f"Of the applications at least a week old, {_one_in(share)} got an answer within "
            "7 days. One still waiting after 7 days counts as not answered."
        )
    lines.append({"key": "week", "label": "Answered within 7 days", "value": value, "text": text})

    rate = card["acceptance_rate"]
    if not enough:
        value, text = "Not enough data", waiting
    elif rate is None:
        value, text = "No answers yet", "The venue has not answered an application yet."
    else:
        value = _percent(rate)
        text = (
            f"Of the applications the venue answered, it accepted {_one_in(rate)}. "
            "A booking cancelled later still counts as accepted here."
        )
    lines.append({"key": "acceptance", "label": "Acceptance rate", "value": value, "text": text})

    bookings, cancelled = card["bookings"], card["bookings_cancelled_by_venue"]
    if bookings:
        value = f"{cancelled} of {bookings}"
        text = (
            f"Of the {bookings} booking{'s' if bookings != 1 else ''} made on Umbrella, the "
            f"venue cancelled {cancelled} after accepting the artist."
        )
    else:
        value, text = "No bookings yet", "Nobody has been booked here through Umbrella yet."
    label = "Bookings cancelled by the venue"
    lines.append({"key": "cancelled", "label": label, "value": value, "text": text})

    if card["avg_rating"] is not None:
        reviews = card["reviews"]
        value = f"{card['avg_rating']:.1f} out of 5"
        text = (
            f"The average of {reviews} review{'s' if reviews != 1 else ''} by artists who "
            "played here."
        )
    else:
        value = "No reviews yet"
        text = "Artists who play here review the venue after the gig."
    lines.append({"key": "rating", "label": "Rating from artists", "value": value, "text": text})
    return lines


def _when(card: dict[str, Any]) -> str:
    """ "Sat 12 Dec 2026, 20:00 to 23:00" from a gig card (ISO date, HH:MM times)."""
    day = dt.date.fromisoformat(card["date"])
    return f"{day:%a %d %b %Y}, {card['start_time']} to {card['end_time']}"


# --- the public venue page -----------------------------------------------------------------------


@require_safe
def venue_public(request: HttpRequest, slug: str) -> HttpResponse:
    """``/venues/<slug>/``: anyone. A venue that is unknown, not onboarded or deactivated is a
    404. Queries: the venue, its open gigs, the scorecard (two), a page of reviews."""
    venue = selectors.venue_public(slug=slug)
    if venue is None:
        raise Http404("No such venue.")
    page = page_number(request.GET.get("page"))
    reviews, has_next = page_without_count(
        selectors.reviews_of_venue(venue=venue), page=page, size=REVIEWS_PAGE_SIZE
    )
    gigs = selectors.upcoming_gigs_of_venue(venue=venue, limit=UPCOMING_GIGS, open_only=True)
    for gig in gigs:
        gig["when"] = _when(gig)
    card = selectors.venue_scorecard(venue=venue)
    user = request.user
    context = {
        "venue": venue,
        "gigs": gigs,
        "scorecard": card,
        "scorecard_lines": scorecard_lines(card),
        "reviews": reviews,
        "page_number": page,
        "has_next": has_next,
        "is_owner": user.is_authenticated and user.pk == venue.user_id,
        "canonical_url": request.build_absolute_uri(
            reverse("venue-public", kwargs={"slug": venue.slug})
        ),
        "description": _description(venue),
    }
    return render(request, "marketplace/venues/public.html", context)


def _description(venue: VenueProfile) -> str:
    """The page's meta description: the venue's own words, else a sentence from its fields."""
    if venue.about.strip():
        return " ".join(venue.about.split())
    place = ", ".join(p for p in (venue.city, venue.state, venue.country) if p)
    parts = [f"{venue.name} is a live music venue{f' in {place}' if place else ''}."]
    if venue.genres_booked:
        parts.append(f"Books {', '.join(venue.genres_booked)}.")
    parts.append("Open gigs, reviews from artists, and how quickly it answers applications.")
    return " ".join(parts)


# --- the venue's own profile editor -------------------------------------------------------------


def venue_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the venue's own: signed-in venue accounts only (others are sent to their
    dashboard, nothing done), and it gets their profile; a venue that has not finished
    onboarding is sent to the wizard."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if user.role != Role.VENUE:
            messages.info(request, "That page is for venue accounts.")
            return redirect("dashboard")
        venue = selectors.venue_of(user=user)
        if venue is None or not user.onboarding_complete:
            return redirect("venue-onboarding")
        return view(request, venue, *args, **kwargs)

    return page


@venue_page
def venue_profile_edit(request: HttpRequest, venue: VenueProfile) -> HttpResponse:
    """``/venue/profile/``: every field of the venue's profile, saved by ``venue_update`` (the
    API's ``PATCH /venues/me``); its errors are shown next to their fields."""
    form = VenueFieldsForm(
        request.POST or None,
        field_names=steps.EDITABLE_FIELDS,
        required=steps.required_after(venue.onboarding_step),
        venue=venue,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.venue_update(user=request_user(request), data=form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your venue profile is saved.")
            return redirect("venue-profile-edit")
    return render(request, "marketplace/venues/profile_edit.html", {"venue": venue, "form": form})
