"""The artist's matching pages: gigs for you, unavailable dates, saved gig searches. Every
change goes through ``marketplace.services`` (the same calls as the API); a service's error is
shown next to its field."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from accounts.selectors import request_user
from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from marketplace import saved_filters, selectors, services
from marketplace.api.saved_searches import saved_search_card
from marketplace.pages.matching_forms import SaveSearchForm, UnavailabilityForm
from marketplace.services.saved_searches import saved_search_limit
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_number, page_without_count

PAGE_SIZE = 50


def artist_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in artists with a profile: others are told the page is for artists; an artist
    who has not started onboarding is sent there. The view gets the user and the profile."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if user.role != Role.ARTIST:
            messages.info(request, "That page is for artist accounts.")
            return redirect("dashboard")
        artist = artist_selectors.artist_of(user=user)
        if artist is None:
            return redirect("artist-onboarding")
        return view(request, user, artist, *args, **kwargs)

    return wrapper


# --- gigs for you -----------------------------------------------------------------------------


def _missing_for_matches(artist: ArtistProfile) -> list[str]:
    """What the artist could fill in to get (better) matches."""
    missing = []
    if not artist.primary_genre and not artist.secondary_genres:
        missing.append("your genres")
    if not artist.location_city:
        missing.append("your city")
    if artist.base_rate_flat is None and artist.base_rate_hourly is None:
        missing.append("your rates")
    return missing


@artist_page
def gigs_for_you(request: HttpRequest, user: User, artist: ArtistProfile) -> HttpResponse:
    """``/gigs/for-you/``: open gigs ranked for the artist (``selectors.gigs_for_you``, the
    same as ``GET /api/v1/me/gigs-for-you``), each with why it suits them; 20 a page, best
    first (``?page=``)."""
    page = page_number(request.GET.get("page"), cap=500)
    size = selectors.MATCH_PAGE_SIZE
    gigs, has_next = selectors.gigs_for_you(user=user, offset=(page - 1) * size, limit=size)
    context = {
        "gigs": gigs,
        "missing": _missing_for_matches(artist),
        "artist": artist,
        "page_number": page,
        "has_next": has_next,
    }
    return render(request, "marketplace/matching/gigs_for_you.html", context)


# --- unavailable dates ------------------------------------------------------------------------


@artist_page
def availability(request: HttpRequest, user: User, artist: ArtistProfile) -> HttpResponse:
    """``/availability/``: the artist's upcoming unavailable dates, and a form to add a date or
    an inclusive range (``unavailability_add``: not in the past, end not before start)."""
    form = UnavailabilityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.unavailability_add(user=user, **form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if entry.start_date == entry.end_date:
                messages.success(request, f"{entry.start_date:%a %d %b %Y} is marked unavailable.")
            else:
                messages.success(
                    request,
                    f"{entry.start_date:%a %d %b %Y} to {entry.end_date:%a %d %b %Y} "
                    "are marked unavailable.",
                )
            return redirect("availability")
    raw_page = request.GET.get("page", "1")
    page_number = min(int(raw_page), 10_000) if raw_page.isdigit() and int(raw_page) > 0 else 1
    entries, has_next = page_without_count(
        selectors.unavailability_upcoming(user=user), page=page_number, size=PAGE_SIZE
    )
    context = {"form": form, "entries": entries, "page_number": page_number, "has_next": has_next}
    return render(request, "marketplace/matching/availability.html", context)


@require_POST
@artist_page
def availability_remove(
    request: HttpRequest, user: User, artist: ArtistProfile, entry_id: int
) -> HttpResponse:
    try:
        services.unavailability_remove(user=user, unavailability_id=entry_id)
    except NotFoundError as error:
        raise Http404("No such date.") from error
    messages.success(request, "Removed: you can be booked on those dates again.")
    return redirect("availability")


# --- saved searches ---------------------------------------------------------------------------


@artist_page
def saved_searches(request: HttpRequest, user: User, artist: ArtistProfile) -> HttpResponse:
    """``/saved-searches/``: the artist's saved gig searches; a POST (the gig board's "Save
    this search") saves the board's filters under a name."""
    form = SaveSearchForm(request.POST or None)
    description = ""
    if request.method == "POST" and form.is_valid():
        board = form.board_filters()
        if not board.is_valid():
            messages.error(request, "Those filters are not valid: fix them on the gig board.")
            return redirect(reverse("gig-board") + "?" + form.cleaned_data["query"])
        filters = saved_filters.from_board(board.selector_filters())
        try:
            description = saved_filters.describe(saved_filters.clean(filters))
            search = services.saved_search_create(
                user=user, name=form.cleaned_data["name"], filters=filters
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                f"Saved “{search.name}”. Once a day you'll hear of new gigs that match.",
            )
            return redirect("saved-searches")
    searches = [saved_search_card(s) for s in selectors.saved_searches_of(user=user)]
    context = {
        "form": form,
        "searches": searches,
        "description": description,
        "limit": saved_search_limit(),
    }
    return render(request, "marketplace/matching/saved_searches.html", context)


@require_POST
@artist_page
def saved_search_delete(
    request: HttpRequest, user: User, artist: ArtistProfile, saved_search_id: int
) -> HttpResponse:
    try:
        services.saved_search_delete(user=user, saved_search_id=saved_search_id)
    except NotFoundError as error:
        raise Http404("No such saved search.") from error
    messages.success(request, "Saved search deleted.")
    return redirect("saved-searches")
