"""The public artist page's Gigs and Reviews tabs, served by the marketplace (``artists`` may
not import it). ``MarketplaceConfig`` registers them as ``umbrella.domains.ProfileTab``s; the
artist page puts them in its tab bar and loads this content with HTMX. An HTMX request gets the
tab's content (a fragment); any other request (a link followed without JavaScript, a search
engine) a whole page with a link back to the artist's profile."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from marketplace import selectors
from umbrella.pagination import page_number, page_without_count

UPCOMING_GIGS = 20
PAGE_SIZE = 10


def _artist(slug: str) -> ArtistProfile:
    artist = artist_selectors.artist_public(slug=slug)
    if artist is None:
        raise Http404("No such artist.")
    return artist


def _tab_response(
    request: HttpRequest, name: str, title: str, context: dict[str, Any]
) -> HttpResponse:
    fragment = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    context = {**context, "tab_title": title, "fragment": fragment}
    template = f"marketplace/tabs/{name}.html" if fragment else "marketplace/tabs/page.html"
    context["tab_template"] = f"marketplace/tabs/{name}.html"
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@require_safe
def artist_gigs(request: HttpRequest, slug: str) -> HttpResponse:
    """The artist's upcoming confirmed gigs (active bookings) and past gigs (completed), with
    page links for the past ones. Only what is public: no fees, no applications, nothing
    cancelled. Three queries: the artist, the upcoming gigs, a page of past gigs."""
    artist = _artist(slug)
    rows = selectors.booked_gigs_of_artist(artist=artist)
    page = page_number(request.GET.get("page"))
    past, has_next = page_without_count(rows["past"], page=page, size=PAGE_SIZE)
    context = {
        "artist": artist,
        "upcoming": list(rows["upcoming"][:UPCOMING_GIGS]) if page == 1 else [],
        "past": past,
        "page_number": page,
        "has_next": has_next,
    }
    return _tab_response(request, "gigs", f"Gigs of {artist.stage_name}", context)


@require_safe
def artist_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """Reviews of the artist by the venues that booked them (published and not hidden), each
    with the artist's reply, and the rating summary. Three queries: the artist, the count per
    rating, a page of reviews."""
    artist = _artist(slug)
    page = page_number(request.GET.get("page"))
    reviews, has_next = page_without_count(
        selectors.reviews_of_artist(artist=artist, venue_links=True), page=page, size=PAGE_SIZE
    )
    counts = selectors.rating_counts(selectors.reviews_of_artist(artist=artist))
    total = sum(counts.values())
    context = {
        "artist": artist,
        "reviews": reviews,
        "total": total,
        # From the same rows as the bars (the profile's avg_rating is kept equal by the services).
        "average": sum(r * n for r, n in counts.items()) / total if total else None,
        "counts": [
            {"rating": rating, "count": n, "percent": round(100 * n / total) if total else 0}
            for rating, n in counts.items()
        ],
        "page_number": page,
        "has_next": has_next,
    }
    return _tab_response(request, "reviews", f"Reviews of {artist.stage_name}", context)
