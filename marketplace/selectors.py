"""Reads of the marketplace: venues, the gig board, applicants, applications, bookings."""

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.utils import timezone

from accounts.models import Role, User
from artists import selectors as artist_selectors
from artists.models import ArtistProfile
from marketplace import filters as marketplace_filters
from marketplace import steps
from marketplace.models import (
    RATING_MAX,
    RATING_MIN,
    URGENT_DAYS,
    Application,
    ApplicationStatus,
    Booking,
    BookingStatus,
    Gig,
    GigStatus,
    Review,
    SavedSearch,
    Side,
    StatusChange,
    Unavailability,
    VenueProfile,
)
from umbrella.api import iso_timestamp
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.keyset import KeysetRows

# --- venues -----------------------------------------------------------------------------------


def venue_require(*, user: User) -> None:
    """Only venue accounts have a venue profile: anyone else gets 403 ``not_a_venue``."""
    if user.role != Role.VENUE:
        raise ApplicationError("not_a_venue", "Only venue accounts can do this.", status=403)


def venue_of(*, user: User, lock: bool = False) -> VenueProfile | None:
    """The user's own venue profile, or ``None`` (not a venue, or onboarding not started)."""
    if user.role != Role.VENUE:
        return None
    venues = VenueProfile.objects.select_for_update() if lock else VenueProfile.objects
    return venues.filter(user=user).first()


def venue_own(*, user: User, lock: bool = False) -> VenueProfile:
    """The user's own venue profile, for acting on it: 403 ``not_a_venue`` for other roles,
    404 if the venue has not started onboarding."""
    venue_require(user=user)
    venue = venue_of(user=user, lock=lock)
    if venue is None:
        raise NotFoundError("not_found", "You have no venue profile yet: start onboarding.")
    return venue


def venue_public(*, slug: str) -> VenueProfile | None:
    try:
        return VenueProfile.objects.public().get(slug=slug)
    except VenueProfile.DoesNotExist:
        return None


def venue_onboarding_state(*, user: User) -> dict[str, Any]:
    venue = venue_of(user=user)
    return steps.wizard_state(steps.STEPS, venue, user=user)


# --- gigs -------------------------------------------------------------------------------------

GIG_FIELDS = (
    "id",
    "title",
    "description",
    "venue_id",
    "venue__slug",
    "venue_name",
    "location_address",
    "location_city",
    "location_state",
    "location_country",
    "date",
    "start_time",
    "end_time",
    "timezone",
    "starts_at",
    "ends_at",
    "genre",
    "payment_amount",
    "payment_type",
    "status",
    "created_at",
    "updated_at",
)


def is_urgent(*, starts_at: Any, status: str, now: Any = None) -> bool:
    """Urgent: an open gig less than :data:`URGENT_DAYS` days away, computed when read."""
    now = now or timezone.now()
    return status == GigStatus.OPEN and now <= starts_at < now + timedelta(days=URGENT_DAYS)


def gig_card(row: dict[str, Any], *, now: Any = None) -> dict[str, Any]:
    """A gig as the API shows it, from a ``values(*GIG_FIELDS)`` row (no extra queries). The
    row itself is left as it was (cursor pagination reads it again)."""
    row = dict(row)
    row["venue_slug"] = row.pop("venue__slug")
    row["urgent"] = is_urgent(starts_at=row["starts_at"], status=row["status"], now=now)
    if isinstance(row["ends_at"], str):  # the statement wrote the texts (marketplace.filters)
        row["starts_at"] = iso_timestamp(row["starts_at"])
        return row
    row["date"] = row["date"].isoformat()
    row["start_time"] = row["start_time"].strftime("%H:%M")
    row["end_time"] = row["end_time"].strftime("%H:%M")
    for name in ("starts_at", "ends_at", "created_at", "updated_at"):
        row[name] = iso_timestamp(row[name])
    return row


def gig_rows(gigs: QuerySet[Gig]) -> QuerySet:
    return gigs.values(*GIG_FIELDS)


def gig_search(*, filters: dict[str, Any]) -> "QuerySet | KeysetRows":
    """The gig board: open gigs from now on unless ``status`` says otherwise; filtered by
    words (``q``), city and state (any case), genre, date range, minimum pay, payment type and
    urgency; soonest first. Rows are dicts for :func:`gig_card`. On PostgreSQL one hand-written
    statement per page (``marketplace.filters.board_rows``); :func:`gig_search_queryset` is its
    reference, and what other databases run."""
    if connection.vendor == "postgresql":
        return marketplace_filters.board_rows(filters, now=timezone.now())
    return gig_search_queryset(filters=filters)


def gig_board(
    *, filters: dict[str, Any]
) -> "tuple[QuerySet | KeysetRows, Callable[[list[dict[str, Any]]], str]]":
    """:func:`gig_search` for the API: the rows to page, and what writes a page of them as the
    JSON array of their cards (:func:`gig_card`'s). On PostgreSQL the rows only name the page's
    gigs and the cards are text kept per gig version (``marketplace.filters.board_json``): no
    gig becomes a Python object. Elsewhere :func:`gig_card` of each row, encoded."""
    if connection.vendor != "postgresql":
        return gig_search_queryset(filters=filters), _cards_json
    now = timezone.now()
    status = filters.get("status") or GigStatus.OPEN
    rows = marketplace_filters.board_rows(filters, now=now, cards=True)
    return rows, lambda page: marketplace_filters.board_json(page, now=now, status=status)


def _cards_json(page: list[dict[str, Any]]) -> str:
    return json.dumps([gig_card(row) for row in page], separators=(",", ":"))


def gig_search_queryset(*, filters: dict[str, Any]) -> QuerySet:
    status = filters.get("status") or GigStatus.OPEN
    gigs = Gig.objects.filter(status=status)
    if filters.get("date_from"):
        gigs = gigs.filter(date__gte=filters["date_from"])
    if status == GigStatus.OPEN or not filters.get("date_from"):
        gigs = gigs.filter(starts_at__gte=timezone.now())  # an open gig that started is gone
    if filters.get("date_to"):
        gigs = gigs.filter(date__lte=filters["date_to"])
    if filters.get("city"):
        gigs = gigs.alias(_upper_city=Upper("location_city")).filter(
            _upper_city=filters["city"].upper()
        )
    if filters.get("state"):
        gigs = gigs.alias(_upper_state=Upper("location_state")).filter(
            _upper_state=filters["state"].upper()
        )
    if filters.get("genre"):
        gigs = gigs.filter(genre=filters["genre"])
    if filters.get("min_pay") is not None:
        gigs = gigs.filter(payment_amount__gte=filters["min_pay"])
    if filters.get("payment_type"):
        gigs = gigs.filter(payment_type=filters["payment_type"])
    if filters.get("urgent") is not None:
        soon = Q(starts_at__lt=timezone.now() + timedelta(days=URGENT_DAYS))
        gigs = gigs.filter(soon & Q(status=GigStatus.OPEN) if filters["urgent"] else ~soon)
    if filters.get("q"):
        gigs = _text_match(gigs, filters["q"])
    return gig_rows(gigs.order_by("starts_at", "id"))


def _text_match(gigs: QuerySet[Gig], q: str) -> QuerySet[Gig]:
    """Gigs whose title, genre, venue, city or description match the words (PostgreSQL:
    ``websearch_to_tsquery`` against the stored ``search_vector``, GIN-indexed, migration 0004;
    elsewhere a plain match on the title and description). The board stays soonest first, so
    cursor pagination keeps working; matches are not ranked."""
    q = " ".join(q.split())[:200]
    if not q:
        return gigs
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Gig._meta.db_table)
        return gigs.filter(
            RawSQL(  # noqa: S611 (a fixed column name; the words are a parameter)
                f"{table}.search_vector @@ websearch_to_tsquery('english'::regconfig, %s)",
                [q],
                output_field=BooleanField(),
            )
        )
    return gigs.filter(Q(title__icontains=q) | Q(description__icontains=q))


def gig_public(*, gig_id: int) -> dict[str, Any]:
    row = gig_rows(Gig.objects.filter(pk=gig_id)).first()
    if row is None:
        raise NotFoundError("not_found", "No such gig.")
    return gig_card(row)


def gig_own(*, user: User, gig_id: int) -> Gig:
    """A gig of the user's own venue: 403 for non-venues, 404 for anyone else's gig."""
    venue = venue_own(user=user)
    gig = Gig.objects.filter(pk=gig_id, venue=venue).first()
    if gig is None:
        raise NotFoundError("not_found", "No such gig.")
    return gig


def gigs_of_venue(*, venue: VenueProfile) -> QuerySet:
    """The venue's own gigs (every status), soonest first, with pending applicant counts."""
    return (
        Gig.objects.filter(venue=venue)
        .annotate(
            pending_applications=Count(
                "applications", filter=Q(applications__status=ApplicationStatus.PENDING)
            )
        )
        .order_by("starts_at", "id")
        .values(*GIG_FIELDS, "pending_applications")
    )


def upcoming_gigs_of_venue(
    *, venue: VenueProfile, limit: int = 20, open_only: bool = False
) -> list[dict[str, Any]]:
    """The venue's next gigs, soonest first: open or filled (``open_only``: open)."""
    now = timezone.now()
    statuses = [GigStatus.OPEN] if open_only else [GigStatus.OPEN, GigStatus.FILLED]
    rows = gig_rows(
        Gig.objects.filter(venue=venue, status__in=statuses)
        .filter(starts_at__gte=now)
        .order_by("starts_at", "id")
    )[:limit]
    return [gig_card(row, now=now) for row in rows]


# --- applications -----------------------------------------------------------------------------

APPLICANT_FIELDS = (
    "id",
    "status",
    "pitch",
    "proposed_rate",
    "created_at",
    "updated_at",
    "artist_id",
    "artist__slug",
    "artist__stage_name",
    "artist__tagline",
    "artist__primary_genre",
    "artist__location_city",
    "artist__location_state",
    "artist__location_country",
    "artist__avatar",
    "artist__verified",
    "artist__avg_rating",
    "artist__total_reviews",
    "artist__total_gigs",
    "artist__base_rate_flat",
    "artist__base_rate_hourly",
)


def applicants(*, user: User, gig_id: int) -> "QuerySet | KeysetRows":
    """The applications to one of the venue's own gigs, oldest first, each with the artist's
    card (rows are dicts for :func:`applicant_row`). 403 for non-venues, 404 for a gig that is
    not the venue's. On PostgreSQL one statement per page, which checks the gig's venue itself
    (``marketplace.filters.applicant_rows``); only a page without rows asks :func:`gig_own`
    which error it is, if any."""
    venue_require(user=user)
    if connection.vendor == "postgresql":
        return marketplace_filters.applicant_rows(
            user_id=user.pk, gig_id=gig_id, when_empty=lambda: gig_own(user=user, gig_id=gig_id)
        )
    return applicants_queryset(user=user, gig_id=gig_id)


def applicants_queryset(*, user: User, gig_id: int) -> QuerySet:
    gig = gig_own(user=user, gig_id=gig_id)
    return (
        Application.objects.filter(gig=gig).order_by("created_at", "id").values(*APPLICANT_FIELDS)
    )


def applicant_row(row: dict[str, Any]) -> dict[str, Any]:
    """An applicant as the venue sees it: the application and the artist's card."""
    row = dict(row)
    artist = {
        name.removeprefix("artist__"): row.pop(name)
        for name in list(row)
        if name.startswith("artist__")
    }
    artist["id"] = row.pop("artist_id")
    artist["avatar_url"] = artist_selectors.public_file_url(artist.pop("avatar", ""))
    artist["avg_rating"] = float(artist["avg_rating"])
    row["artist"] = artist
    row["created_at"] = iso_timestamp(row["created_at"])
    row["updated_at"] = iso_timestamp(row["updated_at"])
    return row


def applications_of_artist(*, user: User) -> QuerySet[Application]:
    artist = artist_selectors.artist_own(user=user)
    return (
        Application.objects.filter(artist=artist)
        .select_related("gig")
        .order_by("-created_at", "-id")
    )


# --- bookings and availability ----------------------------------------------------------------


def gig_booked_artist(*, gig_id: int) -> ArtistProfile | None:
    """The artist who plays (or played) the gig: its live booking's (active, or completed once
    the gig is over); ``None`` while nobody is booked or after a cancellation."""
    booking = (
        Booking.objects.filter(
            gig_id=gig_id, status__in=(BookingStatus.ACTIVE, BookingStatus.COMPLETED)
        )
        .select_related("artist")
        .order_by("-created_at", "-id")
        .first()
    )
    return booking.artist if booking is not None else None


def bookings_of(*, user: User) -> QuerySet[Booking]:
    """The user's bookings: as the booked artist, or as the venue. Others: none."""
    bookings = Booking.objects.select_related("gig", "artist")
    if user.role == Role.ARTIST:
        bookings = bookings.filter(artist__user=user)
    elif user.role == Role.VENUE:
        bookings = bookings.filter(gig__venue__user=user)
    else:
        bookings = bookings.none()
    return bookings.order_by("starts_at", "id")


def bookings_listed(*, user: User, past: bool, now: Any = None) -> QuerySet[Booking]:
    """The bookings page: the user's bookings not ended yet, soonest first, or (``past``) the
    ended ones, latest first; with the gig's venue and the user's *own* review (its id and
    when it was published, and ``venue_public`` (whether the venue's page can be linked). Nothing
    of the other side's review: it stays blind. One query."""
    now = now or timezone.now()
    mine = Side.ARTIST if user.role == Role.ARTIST else Side.VENUE
    own = Review.objects.filter(booking=OuterRef("pk"), side=mine)
    bookings = (
        bookings_of(user=user)
        .select_related("gig__venue")
        .annotate(
            my_review_id=Subquery(own.values("pk")[:1]),
            my_review_published_at=Subquery(own.values("published_at")[:1]),
            venue_public=_venue_is_public("gig__venue_id"),
        )
    )
    if past:
        return bookings.filter(ends_at__lt=now).order_by("-starts_at", "-id")
    return bookings.filter(ends_at__gte=now).order_by("starts_at", "id")


def unavailability_of(*, user: User) -> QuerySet[Unavailability]:
    artist = artist_selectors.artist_own(user=user)
    return Unavailability.objects.filter(artist=artist).order_by("start_date", "id")


def unavailability_upcoming(*, user: User) -> QuerySet[Unavailability]:
    """The artist's unavailable ranges that have not ended yet, earliest first."""
    return unavailability_of(user=user).filter(end_date__gte=timezone.localdate())


def saved_searches_of(*, user: User) -> QuerySet[SavedSearch]:
    """The artist's saved gig searches, newest first (at most the per-user limit)."""
    artist = artist_selectors.artist_own(user=user)
    return SavedSearch.objects.filter(artist=artist).order_by("-created_at", "-id")


# --- public pages: the venue page, the artist page's Gigs and Reviews tabs --------------------

PUBLIC_GIG_FIELDS = (
    "gig_id",
    "gig__title",
    "gig__venue_name",
    "gig__venue__slug",
    "gig__location_city",
    "gig__location_state",
    "gig__location_country",
    "gig__date",
    "gig__start_time",
    "gig__end_time",
    "gig__timezone",
    "gig__genre",
    "starts_at",
)


def _venue_is_public(venue_ref: str) -> Exists:
    """Whether the row's venue has a public page (``VenueProfile.objects.public()``)."""
    return Exists(VenueProfile.objects.public().filter(pk=OuterRef(venue_ref)))


def booked_gigs_of_artist(*, artist: ArtistProfile, now: Any = None) -> dict[str, QuerySet]:
    """What an artist's public Gigs tab shows: ``upcoming``, their active bookings not over yet
    (soonest first), and ``past``, the completed ones (latest first). Cancelled bookings, fees
    and applications stay private. Rows are dicts of :data:`PUBLIC_GIG_FIELDS` plus
    ``venue_public`` (link the venue or not); one query each."""
    now = now or timezone.now()
    bookings = Booking.objects.filter(artist=artist).annotate(
        venue_public=_venue_is_public("gig__venue_id")
    )
    fields = (*PUBLIC_GIG_FIELDS, "venue_public")
    return {
        "upcoming": bookings.filter(status=BookingStatus.ACTIVE, ends_at__gte=now)
        .order_by("starts_at", "id")
        .values(*fields),
        "past": bookings.filter(status=BookingStatus.COMPLETED)
        .order_by("-starts_at", "-id")
        .values(*fields),
    }


def _published(reviews: QuerySet[Review]) -> QuerySet[Review]:
    return (
        reviews.filter(published_at__isnull=False, hidden=False)
        .select_related("gig", "artist", "venue")
        .order_by("-published_at", "-id")
    )


def reviews_of_venue(*, venue: VenueProfile) -> QuerySet[Review]:
    """Published, visible reviews of the venue by its booked artists, newest first."""
    return _published(Review.objects.filter(venue=venue, side=Side.ARTIST))


def reviews_of_artist(*, artist: ArtistProfile, venue_links: bool = False) -> QuerySet[Review]:
    """Published, visible reviews of the artist by the venues that booked them, newest first;
    with ``venue_links``, each has ``venue_public`` (whether to link the venue's page)."""
    reviews = _published(Review.objects.filter(artist=artist, side=Side.VENUE))
    if venue_links:
        reviews = reviews.annotate(venue_public=_venue_is_public("venue_id"))
    return reviews


def rating_counts(reviews: QuerySet[Review]) -> dict[int, int]:
    """How many of ``reviews`` gave each rating, 5 down to 1 (zeros included): one query."""
    found = dict(
        reviews.order_by().values_list("rating").annotate(n=Count("id")).values_list("rating", "n")
    )
    return {rating: found.get(rating, 0) for rating in range(RATING_MAX, RATING_MIN - 1, -1)}


# --- the venue's scorecard --------------------------------------------------------------------

SCORECARD_MIN_APPLICATIONS = 5  # below this, "not enough data"
ANSWER_WINDOW = timedelta(days=7)


def venue_scorecard(*, venue: VenueProfile, now: Any = None) -> dict[str, Any]:
    """How the venue treats artists, from real rows, so an artist can judge before pitching:
    median time to answer an application, share answered within 7 days, acceptance rate,
    bookings the venue cancelled, the average rating from artists' published reviews. Two
    queries. Below :data:`SCORECARD_MIN_APPLICATIONS`
    applications every figure is ``None`` and ``enough_data`` is false. An application
    withdrawn before an answer is not counted; one still pending counts against the 7-day share
    only once it is 7 days old."""
    now = now or timezone.now()
    answer = StatusChange.objects.filter(
        application_id=OuterRef("pk"),
        from_status=ApplicationStatus.PENDING,
        to_status__in=[ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED],
    ).order_by("created_at")
    rows = list(
        Application.objects.filter(gig__venue=venue)
        .annotate(
            answered_at=Subquery(answer.values("created_at")[:1]),
            answer=Subquery(answer.values("to_status")[:1]),  # later changes don't count
        )
        .values_list("status", "created_at", "answered_at", "answer")
    )
    answered = [(answer, at - created) for _, created, at, answer in rows if at is not None]
    waiting = [
        created
        for status, created, at, _ in rows
        if at is None and status == ApplicationStatus.PENDING
    ]
    counted = len(answered) + sum(1 for created in waiting if now - created >= ANSWER_WINDOW)
    bookings = Booking.objects.filter(gig__venue=venue).aggregate(
        total=Count("id"), cancelled=Count("id", filter=Q(cancelled_by="venue"))
    )
    card: dict[str, Any] = {
        "applications": len(answered) + len(waiting),
        "enough_data": len(answered) + len(waiting) >= SCORECARD_MIN_APPLICATIONS,
        "median_answer_hours": None,
        "answered_within_7_days": None,
        "acceptance_rate": None,
        "bookings": bookings["total"],
        "bookings_cancelled_by_venue": bookings["cancelled"],
        "avg_rating": float(venue.avg_rating) if venue.total_reviews else None,
        "reviews": venue.total_reviews,
    }
    if not card["enough_data"]:
        return card
    if answered:
        waits = sorted(wait for _, wait in answered)
        middle = len(waits) // 2
        median = waits[middle] if len(waits) % 2 else (waits[middle - 1] + waits[middle]) / 2
        card["median_answer_hours"] = round(median.total_seconds() / 3600, 1)
        accepted = sum(1 for status, _ in answered if status == ApplicationStatus.ACCEPTED)
        card["acceptance_rate"] = round(accepted / len(answered), 3)
    if counted:
        quick = sum(1 for _, wait in answered if wait <= ANSWER_WINDOW)
        card["answered_within_7_days"] = round(quick / counted, 3)
    return card


# --- reviews ----------------------------------------------------------------------------------


def public_reviews(*, artist_slug: str | None = None, venue_slug: str | None = None) -> QuerySet:
    """Published, visible reviews of a public artist (by venues) or venue (by artists)."""
    if artist_slug is not None:
        artist = artist_selectors.artist_public(slug=artist_slug)
        if artist is None:
            raise NotFoundError("not_found", "No such artist.")
        return reviews_of_artist(artist=artist)
    venue = venue_public(slug=venue_slug or "")
    if venue is None:
        raise NotFoundError("not_found", "No such venue.")
    return reviews_of_venue(venue=venue)


def booking_reviews(*, user: User, booking_id: int) -> list[Review]:
    """A booking's reviews as one of its two sides sees them: their own always; the other
    side's only once published (blind until then) and not hidden."""
    bookings = bookings_of(user=user).filter(pk=booking_id)
    if not bookings.exists():
        raise NotFoundError("not_found", "No such booking.")
    mine = Side.ARTIST if user.role == Role.ARTIST else Side.VENUE
    return list(
        Review.objects.filter(booking_id=booking_id)
        .filter(Q(side=mine) | Q(published_at__isnull=False, hidden=False))
        .select_related("gig", "artist", "venue")
        .order_by("id")
    )


# --- gigs for you -----------------------------------------------------------------------------

MATCH_PAGE_SIZE = 20  # matches per page (API: page_size up to 100; the page: this)
MATCH_PARTS = ("primary", "secondary", "city", "state", "day", "pay", "negotiable")


def gigs_for_you(
    *, user: User, offset: int = 0, limit: int = MATCH_PAGE_SIZE
) -> tuple[list[dict[str, Any]], bool]:
    """Open future gigs for an artist, best match first, each with the reasons shown: the
    matches ``offset`` to ``offset + limit`` (0 is the best), and whether more follow.

    Candidates are gigs in one of the artist's genres or in their city (both indexed), that
    the artist could apply to: not applied yet, not on a date they marked unavailable, not
    overlapping one of their bookings. Score: primary genre 4, secondary genre 3 (the genre
    weighs most), same city 2 (else same state 1), a day of the week they play 1, pay at or
    above their minimum for that payment type 2 (negotiable when they negotiate 1); ties
    soonest first. On PostgreSQL one query (:func:`gigs_for_you_json`); elsewhere the artist,
    then :func:`gigs_for_you_queryset` (the reference)."""
    if connection.vendor == "postgresql":
        text, more = gigs_for_you_json(user=user, offset=offset, limit=limit)
        cards: list[dict[str, Any]] = json.loads(text)
        return cards, more
    artist_selectors.artist_require(user=user)
    artist = artist_selectors.artist_own(user=user)
    now = timezone.now()
    rows = gigs_for_you_queryset(artist=artist, now=now, offset=offset, limit=limit + 1)
    return [match_card(row, now=now) for row in rows[:limit]], len(rows) > limit


def gigs_for_you_json(
    *, user: User, offset: int = 0, limit: int = MATCH_PAGE_SIZE
) -> tuple[str, bool]:
    """:func:`gigs_for_you`'s page as the JSON array the API sends, and whether more follow.
    On PostgreSQL one statement (``marketplace.filters.match_json_sql``) reads the artist, ranks
    in bounded work and writes the page from the cards the gigs' rows carry, so no row becomes
    a Python object."""
    artist_selectors.artist_require(user=user)
    if connection.vendor != "postgresql":
        cards, more = gigs_for_you(user=user, offset=offset, limit=limit)
        return json.dumps(cards, separators=(",", ":")), more
    found, more, text = marketplace_filters.match_json(
        user_id=user.pk, now=timezone.now(), offset=offset, limit=limit
    )
    if not found:
        artist_selectors.artist_own(user=user)  # raises what a missing profile raises
        raise NotFoundError("not_found", "You have no artist profile yet: start onboarding.")
    return text, more


def match_card(row: dict[str, Any], *, now: Any) -> dict[str, Any]:
    """A card of gigs for you from a row of :func:`gigs_for_you_queryset` (the statement
    writes the same cards itself)."""
    m = {name: row.pop(f"m_{name}") for name in MATCH_PARTS}
    reasons = marketplace_filters.MATCH_REASONS
    why = []
    if m["primary"] or m["secondary"]:
        why.append(row["genre"].capitalize())
    if m["city"]:
        why.append(reasons["city"])
    elif m["state"]:
        why.append(reasons["state"])
    why.append(reasons["free"])  # candidates exclude unavailable and booked nights
    if m["day"]:
        why.append(reasons["day"])
    if m["pay"]:
        why.append(reasons["pay"])
    if m["negotiable"]:
        why.append(reasons["negotiable"])
    card = gig_card(row, now=now)
    card["reasons"] = why
    return card


def gigs_for_you_queryset(
    *, artist: Any, now: Any, limit: int = MATCH_PAGE_SIZE, offset: int = 0
) -> list[dict]:
    """The ranked rows of :func:`gigs_for_you` through the ORM (the reference)."""
    genres = [artist.primary_genre, *artist.secondary_genres]  # [0]: the primary, maybe ""
    city, state = artist.location_city.upper(), artist.location_state.upper()
    near = Q(genre__in=[g for g in genres if g])
    if city:
        near |= Q(_upper_city=city)
    weekend = Q(date__week_day__in=[1, 7])  # Sunday, Saturday
    pays = Q(pk__in=[])  # matches nothing; each rate the artist set adds a way to match
    if artist.base_rate_flat is not None:
        pays |= Q(payment_type="flat", payment_amount__gte=artist.base_rate_flat)
    if artist.base_rate_hourly is not None:
        pays |= Q(payment_type="hourly", payment_amount__gte=artist.base_rate_hourly)
    plays_that_day = Q(pk__in=[])
    if artist.available_weekends:
        plays_that_day |= weekend
    if artist.available_weekdays:
        plays_that_day |= ~weekend

    def points(condition: Q, value: int) -> Case:
        return Case(When(condition, then=Value(value)), default=Value(0))

    rows = (
        Gig.objects.alias(_upper_city=Upper("location_city"), _upper_state=Upper("location_state"))
        .filter(near, status=GigStatus.OPEN, starts_at__gte=now)
        .exclude(Exists(Application.objects.filter(gig=OuterRef("pk"), artist=artist)))
        .exclude(
            Exists(
                Unavailability.objects.filter(
                    artist=artist, start_date__lte=OuterRef("date"), end_date__gte=OuterRef("date")
                )
            )
        )
        .exclude(
            Exists(
                Booking.objects.filter(
                    artist=artist,
                    status="active",
                    starts_at__lt=OuterRef("ends_at"),
                    ends_at__gt=OuterRef("starts_at"),
                )
            )
        )
        .annotate(
            m_primary=points(Q(genre=artist.primary_genre or None), 4),
            m_secondary=points(Q(genre__in=[g for g in genres[1:] if g != genres[0]]), 3),
            m_city=points(Q(_upper_city=city) if city else Q(pk__in=[]), 2),
            m_state=points(
                Q(_upper_state=state) & ~Q(_upper_city=city) if state else Q(pk__in=[]), 1
            ),
            m_day=points(plays_that_day, 1),
            m_pay=points(pays, 2),
            m_negotiable=points(
                Q(payment_type="negotiable") if artist.rates_negotiable else Q(pk__in=[]), 1
            ),
        )
        .annotate(
            score=F("m_primary") + F("m_secondary") + F("m_city") + F("m_state") + F("m_day")
            + F("m_pay") + F("m_negotiable")
        )
        .order_by("-score", "starts_at", "id")
        .values(*GIG_FIELDS, "score", "m_primary", "m_secondary", "m_city", "m_state", "m_day",
                "m_pay", "m_negotiable")[offset : offset + limit]
    )  # fmt: skip
    return list(rows)
