"""The marketplace API. Thin: input serializer, service or selector, output serializer."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from marketplace import selectors, services, steps
from marketplace.api.serializers import (
    ApplicantSerializer,
    ApplicationInputSerializer,
    ApplicationSerializer,
    BookingSerializer,
    CalendarFeedSerializer,
    GigInputSerializer,
    GigMatchSerializer,
    GigSerializer,
    OnboardingStateSerializer,
    OptionalReasonInputSerializer,
    ReasonInputSerializer,
    ReplyInputSerializer,
    ReviewInputSerializer,
    ReviewSerializer,
    UnavailabilityInputSerializer,
    UnavailabilitySerializer,
    VenueDetailSerializer,
    VenueGigSerializer,
    VenueInputSerializer,
    VenueOwnSerializer,
    gig_filters,
)
from marketplace.models import CalendarFeed
from umbrella.errors import NotFoundError
from umbrella.pagination import CursorPagination, OffsetNoCountPagination
from umbrella.renderers import PreRendered, renderers_with_pre_rendered
from umbrella.schema import raises


class BySoonest(CursorPagination):
    ordering = ("starts_at", "id")  # type: ignore[assignment]  # DRF takes a tuple too


class ByNewest(CursorPagination):
    ordering = ("-created_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


class ByNewestPublished(CursorPagination):
    ordering = ("-published_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


class ByOldest(CursorPagination):
    ordering = ("created_at", "id")  # type: ignore[assignment]  # DRF takes a tuple too


def _paginate(
    view: APIView, paginator: CursorPagination, rows: Any, card: Any = None, cards: Any = None
) -> Response:
    """A page of ``rows``: ``card`` of each row, or ``cards`` of the whole page (which may write
    them as JSON text, ``umbrella.renderers.PreRendered``)."""
    page: list[Any] = paginator.paginate_queryset(rows, view.request, view=view) or []
    return paginator.get_paginated_response(cards(page) if cards else [card(row) for row in page])


SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The venue's slug.")
GIG_ID = OpenApiParameter("gig_id", int, OpenApiParameter.PATH, description="The gig's `id`.")
APPLICATION_ID = OpenApiParameter(
    "application_id", int, OpenApiParameter.PATH, description="The application's `id`."
)
BOOKING_ID = OpenApiParameter(
    "booking_id", int, OpenApiParameter.PATH, description="The booking's `id`."
)
ENTRY_ID = OpenApiParameter(
    "entry_id", int, OpenApiParameter.PATH, description="The unavailable range's `id`."
)
STEP_NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": steps.LAST_STEP},
    OpenApiParameter.PATH,
    description=f"The venue onboarding step, 1 to {steps.LAST_STEP}.",
)
VENUE_OWN = ("not_a_venue", "not_found")
ARTIST_OWN = ("not_an_artist", "not_found")


# --- venues -----------------------------------------------------------------------------------


class VenueMeApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="venues_me_retrieve",
        summary="Your venue profile",
        responses=VenueOwnSerializer,
        extensions=raises(*VENUE_OWN),
    )
    def get(self, request: Request) -> Response:
        return Response(VenueOwnSerializer(selectors.venue_own(user=request_user(request))).data)

    @extend_schema(
        operation_id="venues_me_update",
        summary="Edit your venue profile",
        description="Send only the fields you change. Gigs already posted keep their times.",
        request=VenueInputSerializer,
        responses=VenueOwnSerializer,
        extensions=raises(*VENUE_OWN),
    )
    def patch(self, request: Request) -> Response:
        serializer = VenueInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        venue = services.venue_update(user=request_user(request), data=serializer.validated_data)
        return Response(VenueOwnSerializer(venue).data)


class VenueOnboardingStateApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="venues_onboarding_state",
        summary="Your venue onboarding",
        description="The steps: which are done, their fields and values, `next_step`.",
        responses=OnboardingStateSerializer,
        extensions=raises("not_a_venue"),
    )
    def get(self, request: Request) -> Response:
        user = request_user(request)
        selectors.venue_require(user=user)
        return Response(OnboardingStateSerializer(selectors.venue_onboarding_state(user=user)).data)


class VenueOnboardingStepApi(APIView):
    onboarding_exempt = True

    @extend_schema(
        operation_id="venues_onboarding_step",
        summary="Save one venue onboarding step",
        description="Only that step's fields are accepted; steps go in order; saving the last "
        "step completes onboarding.",
        parameters=[STEP_NUMBER],
        request=VenueInputSerializer,
        responses=OnboardingStateSerializer,
        extensions=raises("not_a_venue", "step_out_of_order"),
    )
    def put(self, request: Request, number: int) -> Response:
        try:
            only: tuple[str, ...] | None = steps.step(number).fields
        except KeyError:
            only = None
        serializer = VenueInputSerializer(data=request.data, partial=True, only=only)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        services.venue_onboarding_save_step(
            user=user, number=number, data=serializer.validated_data
        )
        user.refresh_from_db(fields=["onboarding_complete"])
        return Response(OnboardingStateSerializer(selectors.venue_onboarding_state(user=user)).data)


class VenueMyGigsApi(APIView):
    pagination_class = BySoonest

    @extend_schema(
        operation_id="venues_me_gigs",
        summary="Your gigs",
        description="Every status, soonest first, each with its count of pending applications.",
        responses=VenueGigSerializer(many=True),
        extensions=raises(*VENUE_OWN),
    )
    def get(self, request: Request) -> Response:
        venue = selectors.venue_own(user=request_user(request))
        rows = selectors.gigs_of_venue(venue=venue)
        return _paginate(self, self.pagination_class(), rows, selectors.gig_card)


class VenueDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="venues_retrieve",
        summary="A venue's public page",
        description="Public. The venue, its next open or filled gigs (at most 20) and its "
        "scorecard: how it answers applications and keeps its bookings.",
        parameters=[SLUG],
        responses=VenueDetailSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        venue = selectors.venue_public(slug=slug)
        if venue is None:
            raise NotFoundError("not_found", "No such venue.")
        data = dict(VenueDetailSerializer(venue).data)
        data["upcoming_gigs"] = selectors.upcoming_gigs_of_venue(venue=venue)
        data["scorecard"] = selectors.venue_scorecard(venue=venue)
        return Response(data)


# --- gigs -------------------------------------------------------------------------------------


class GigListApi(APIView):
    pagination_class = BySoonest
    renderer_classes = renderers_with_pre_rendered()  # the board's cards are JSON text

    def get_permissions(self) -> list[Any]:
        if getattr(self, "request", None) is not None and self.request.method == "GET":
            return [AllowAny()]
        return list(super().get_permissions())

    @extend_schema(
        operation_id="gigs_list",
        summary="The gig board",
        description="Public. Open gigs from now on, soonest first, unless `status` or "
        "`date_from` say otherwise. Filters combine (AND); an invalid value is "
        "`400 validation_error`. Cursor pagination: follow `next`.",
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Words to look for in titles, genres, venue names, "
                "cities and descriptions (PostgreSQL full-text search; results stay soonest "
                "first).",
            ),
            OpenApiParameter(
                "urgent",
                bool,
                description="`true`: open gigs less than 7 days away; `false`: the others.",
            ),
            OpenApiParameter("city", str, description="City (exact, any case)."),
            OpenApiParameter("state", str, description="State or region (exact, any case)."),
            OpenApiParameter(
                "genre", {"$ref": "#/components/schemas/Genre"}, description="One of the genres."
            ),
            OpenApiParameter(
                "date_from",
                {"type": "string", "format": "date"},
                description="From this local date on (default: from now).",
            ),
            OpenApiParameter(
                "date_to",
                {"type": "string", "format": "date"},
                description="Up to and including this local date.",
            ),
            OpenApiParameter(
                "min_pay",
                {"type": "integer", "minimum": 0},
                description="Lowest payment amount, integer cents.",
            ),
            OpenApiParameter(
                "payment_type",
                {"$ref": "#/components/schemas/PaymentType"},
                description="flat, hourly or negotiable.",
            ),
            OpenApiParameter(
                "status",
                {"$ref": "#/components/schemas/GigStatus"},
                description="Gig status (default open).",
            ),
        ],
        responses=GigSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = gig_filters(request.query_params.dict())  # = GigFilterSerializer's
        rows, write = selectors.gig_board(filters=filters)
        return _paginate(
            self, self.pagination_class(), rows, cards=lambda page: PreRendered(write(page))
        )

    @extend_schema(
        operation_id="gigs_create",
        summary="Post a gig",
        description="Venues only. Place fields default to your venue's; date and times are "
        "your venue's local time; the gig must start in the future.",
        request=GigInputSerializer,
        responses={201: GigSerializer},
        extensions=raises(*VENUE_OWN),
    )
    def post(self, request: Request) -> Response:
        serializer = GigInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        gig = services.gig_create(user=request_user(request), data=serializer.validated_data)
        return Response(selectors.gig_public(gig_id=gig.pk), status=status.HTTP_201_CREATED)


class GigDetailApi(APIView):
    def get_permissions(self) -> list[Any]:
        if getattr(self, "request", None) is not None and self.request.method == "GET":
            return [AllowAny()]
        return list(super().get_permissions())

    @extend_schema(
        operation_id="gigs_retrieve",
        summary="A gig",
        description="Public.",
        parameters=[GIG_ID],
        responses=GigSerializer,
    )
    def get(self, request: Request, gig_id: int) -> Response:
        return Response(selectors.gig_public(gig_id=gig_id))

    @extend_schema(
        operation_id="gigs_update",
        summary="Edit your gig",
        description="While it is open. Send only the fields you change.",
        parameters=[GIG_ID],
        request=GigInputSerializer,
        responses=GigSerializer,
        extensions=raises(*VENUE_OWN, "gig_not_open"),
    )
    def patch(self, request: Request, gig_id: int) -> Response:
        serializer = GigInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.gig_update(
            user=request_user(request), gig_id=gig_id, data=serializer.validated_data
        )
        return Response(selectors.gig_public(gig_id=gig_id))


class GigCancelApi(APIView):
    @extend_schema(
        operation_id="gigs_cancel",
        summary="Cancel your gig",
        description="Pending applications are rejected and the booking, if any, is cancelled "
        "by the venue with your reason.",
        parameters=[GIG_ID],
        request=ReasonInputSerializer,
        responses=GigSerializer,
        extensions=raises(*VENUE_OWN, "gig_not_cancellable"),
    )
    def post(self, request: Request, gig_id: int) -> Response:
        serializer = ReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.gig_cancel(
            user=request_user(request), gig_id=gig_id, reason=serializer.validated_data["reason"]
        )
        return Response(selectors.gig_public(gig_id=gig_id))


class GigApplicationsApi(APIView):
    pagination_class = ByOldest

    @extend_schema(
        operation_id="gigs_applications_list",
        summary="Applicants to your gig",
        description="The gig's venue only. Every application, oldest first, with the "
        "artist's card.",
        parameters=[GIG_ID],
        responses=ApplicantSerializer(many=True),
        extensions=raises(*VENUE_OWN),
    )
    def get(self, request: Request, gig_id: int) -> Response:
        rows = selectors.applicants(user=request_user(request), gig_id=gig_id)
        return _paginate(self, self.pagination_class(), rows, selectors.applicant_row)

    @extend_schema(
        operation_id="gigs_apply",
        summary="Apply to a gig",
        description="Onboarded artists, once per gig, to an open gig that has not started, "
        "not on a date you marked unavailable, not overlapping one of your bookings.",
        parameters=[GIG_ID],
        request=ApplicationInputSerializer,
        responses={201: ApplicationSerializer},
        extensions=raises(
            *ARTIST_OWN,
            "gig_not_open",
            "already_applied",
            "artist_unavailable",
            "artist_double_booked",
        ),
    )
    def post(self, request: Request, gig_id: int) -> Response:
        serializer = ApplicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.application_create(
            user=request_user(request), gig_id=gig_id, data=serializer.validated_data
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


# --- applications and bookings ----------------------------------------------------------------


class ApplicationWithdrawApi(APIView):
    @extend_schema(
        operation_id="applications_withdraw",
        summary="Withdraw your application",
        description="While it is pending.",
        parameters=[APPLICATION_ID],
        request=None,
        responses=ApplicationSerializer,
        extensions=raises(*ARTIST_OWN, "application_not_pending"),
    )
    def post(self, request: Request, application_id: int) -> Response:
        application = services.application_withdraw(
            user=request_user(request), application_id=application_id
        )
        return Response(ApplicationSerializer(application).data)


class ApplicationAcceptApi(APIView):
    @extend_schema(
        operation_id="applications_accept",
        summary="Accept an application to your gig",
        description="In one step: the application is accepted, the gig filled, the other "
        "pending applications rejected and the booking made (answered).",
        parameters=[APPLICATION_ID],
        request=None,
        responses={201: BookingSerializer},
        extensions=raises(
            *VENUE_OWN,
            "application_not_pending",
            "gig_not_open",
            "artist_unavailable",
            "artist_double_booked",
        ),
    )
    def post(self, request: Request, application_id: int) -> Response:
        booking = services.application_accept(
            user=request_user(request), application_id=application_id
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class ApplicationRejectApi(APIView):
    @extend_schema(
        operation_id="applications_reject",
        summary="Turn down an application to your gig",
        parameters=[APPLICATION_ID],
        request=OptionalReasonInputSerializer,
        responses={204: OpenApiResponse(description="Rejected.")},
        extensions=raises(*VENUE_OWN, "application_not_pending"),
    )
    def post(self, request: Request, application_id: int) -> Response:
        serializer = OptionalReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_reject(
            user=request_user(request),
            application_id=application_id,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class GigsForYouApi(APIView):
    renderer_classes = renderers_with_pre_rendered()
    pagination_class = OffsetNoCountPagination

    @extend_schema(
        operation_id="me_gigs_for_you",
        summary="Gigs for you",
        description="Artists. Open gigs you could apply to, in your genres or your city, best "
        "match first, each with its score and the reasons (genre, place, free that night, a "
        "day you play, pay against your rates); 20 a page (`page`, `page_size` up to 100), "
        "no count. Ranked when asked, so a page may shift as gigs open and fill.",
        responses=GigMatchSerializer(many=True),
        extensions=raises(*ARTIST_OWN),
    )
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        start, _ = paginator.window(request)
        # The page's JSON, written as text (marketplace.filters.match_json): sent as it is.
        cards, more = selectors.gigs_for_you_json(
            user=request_user(request), offset=start, limit=paginator.size
        )
        return paginator.get_pre_rendered_response(request, cards, has_next=more)


class MyApplicationsApi(APIView):
    pagination_class = ByNewest

    @extend_schema(
        operation_id="me_applications",
        summary="Your applications",
        description="Artists: every application you made, newest first.",
        responses=ApplicationSerializer(many=True),
        extensions=raises(*ARTIST_OWN),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.applications_of_artist(user=request_user(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ApplicationSerializer(page, many=True).data)


class BookingListApi(APIView):
    pagination_class = BySoonest

    @extend_schema(
        operation_id="bookings_list",
        summary="Your bookings",
        description="As the booked artist or as the gig's venue; every status, soonest first.",
        responses=BookingSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = selectors.bookings_of(user=request_user(request))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(BookingSerializer(page, many=True).data)


class BookingCancelApi(APIView):
    @extend_schema(
        operation_id="bookings_cancel",
        summary="Cancel a booking",
        description="The artist or the venue, before the gig starts, with a reason the other "
        "side sees. The gig opens for applications again.",
        parameters=[BOOKING_ID],
        request=ReasonInputSerializer,
        responses=BookingSerializer,
        extensions=raises("booking_not_active", "booking_started"),
    )
    def post(self, request: Request, booking_id: int) -> Response:
        serializer = ReasonInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            user=request_user(request),
            booking_id=booking_id,
            reason=serializer.validated_data["reason"],
        )
        return Response(BookingSerializer(booking).data)


# --- availability -----------------------------------------------------------------------------


class MyAvailabilityApi(APIView):
    @extend_schema(
        operation_id="me_availability_list",
        summary="Dates you can't play",
        description="Not paginated: every range you marked, earliest first.",
        responses=UnavailabilitySerializer(many=True),
        extensions=raises(*ARTIST_OWN),
    )
    def get(self, request: Request) -> Response:
        entries = selectors.unavailability_of(user=request_user(request))
        return Response(UnavailabilitySerializer(entries, many=True).data)

    @extend_schema(
        operation_id="me_availability_add",
        summary="Mark dates you can't play",
        description="A date or an inclusive range, not in the past: applying to a gig on "
        "those dates is refused.",
        request=UnavailabilityInputSerializer,
        responses={201: UnavailabilitySerializer},
        extensions=raises(*ARTIST_OWN),
    )
    def post(self, request: Request) -> Response:
        serializer = UnavailabilityInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.unavailability_add(user=request_user(request), **serializer.validated_data)
        return Response(UnavailabilitySerializer(entry).data, status=status.HTTP_201_CREATED)


class MyAvailabilityEntryApi(APIView):
    @extend_schema(
        operation_id="me_availability_remove",
        summary="Remove dates you marked",
        parameters=[ENTRY_ID],
        responses={204: OpenApiResponse(description="Removed.")},
        extensions=raises(*ARTIST_OWN),
    )
    def delete(self, request: Request, entry_id: int) -> Response:
        services.unavailability_remove(user=request_user(request), unavailability_id=entry_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- calendar feed ----------------------------------------------------------------------------


def _feed_answer(feed: CalendarFeed | None, path: str | None = None) -> dict[str, Any]:
    return {
        "active": feed is not None,
        "created_at": feed.created_at if feed else None,
        "url": settings.SITE_URL + path if path else None,
    }


class MyCalendarApi(APIView):
    @extend_schema(
        operation_id="me_calendar_show",
        summary="Your calendar feed",
        description="Whether you have a private iCalendar feed of your bookings. The URL itself "
        "is shown only when it is made or rotated (`POST`): only a hash of its token is kept.",
        responses=CalendarFeedSerializer,
    )
    def get(self, request: Request) -> Response:
        feed = CalendarFeed.objects.filter(user=request_user(request)).first()
        return Response(CalendarFeedSerializer(_feed_answer(feed)).data)

    @extend_schema(
        operation_id="me_calendar_rotate",
        summary="Make or rotate your calendar feed URL",
        description="A new secret URL, `/calendar/<token>.ics`, to subscribe to in a calendar "
        "app (no login: keep it private). The previous URL, if any, stops working at once.",
        request=None,
        responses={201: CalendarFeedSerializer},
    )
    def post(self, request: Request) -> Response:
        feed, path = services.calendar_feed_rotate(user=request_user(request))
        return Response(
            CalendarFeedSerializer(_feed_answer(feed, path)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        operation_id="me_calendar_revoke",
        summary="Revoke your calendar feed URL",
        description="The URL stops working (404). Idempotent.",
        responses={204: OpenApiResponse(description="Revoked (or there was none).")},
    )
    def delete(self, request: Request) -> Response:
        services.calendar_feed_revoke(user=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- reviews ----------------------------------------------------------------------------------

REVIEW_ID = OpenApiParameter(
    "review_id", int, OpenApiParameter.PATH, description="The review's `id`."
)
ARTIST_SLUG = OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The artist's slug.")


class ArtistReviewsApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = ByNewestPublished

    @extend_schema(
        operation_id="artists_reviews_list",
        summary="Reviews of an artist",
        description="Public. What venues that booked the artist wrote, once published (both "
        "sides reviewed, or 14 days after the gig), newest first.",
        parameters=[ARTIST_SLUG],
        responses=ReviewSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        rows = selectors.public_reviews(artist_slug=slug)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)


class VenueReviewsApi(APIView):
    permission_classes = [AllowAny]
    pagination_class = ByNewestPublished

    @extend_schema(
        operation_id="venues_reviews_list",
        summary="Reviews of a venue",
        description="Public. What booked artists wrote about the venue, once published, "
        "newest first.",
        parameters=[SLUG],
        responses=ReviewSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        rows = selectors.public_reviews(venue_slug=slug)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(ReviewSerializer(page, many=True).data)


class BookingReviewsApi(APIView):
    @extend_schema(
        operation_id="bookings_reviews_list",
        summary="The reviews of your booking",
        description="Not paginated (at most two). Yours always; the other side's once it is "
        "published.",
        parameters=[BOOKING_ID],
        responses=ReviewSerializer(many=True),
    )
    def get(self, request: Request, booking_id: int) -> Response:
        reviews = selectors.booking_reviews(user=request_user(request), booking_id=booking_id)
        return Response(ReviewSerializer(reviews, many=True).data)

    @extend_schema(
        operation_id="bookings_review",
        summary="Review the other side of your booking",
        description="Once the gig is completed, within 14 days, once per side. Blind: the "
        "other side sees it when both have reviewed, or after the 14 days.",
        parameters=[BOOKING_ID],
        request=ReviewInputSerializer,
        responses={201: ReviewSerializer},
        extensions=raises("review_not_open", "already_reviewed"),
    )
    def post(self, request: Request, booking_id: int) -> Response:
        serializer = ReviewInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_create(
            user=request_user(request), booking_id=booking_id, data=serializer.validated_data
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ReviewReplyApi(APIView):
    @extend_schema(
        operation_id="reviews_reply",
        summary="Reply to a review of you",
        description="Once, publicly, to a published review.",
        parameters=[REVIEW_ID],
        request=ReplyInputSerializer,
        responses=ReviewSerializer,
        extensions=raises("already_replied"),
    )
    def post(self, request: Request, review_id: int) -> Response:
        serializer = ReplyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.review_reply(
            user=request_user(request),
            review_id=review_id,
            reply=serializer.validated_data["reply"],
        )
        return Response(ReviewSerializer(review).data)
