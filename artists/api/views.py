"""The artists API. Thin: input serializer, service or selector, output serializer."""

from typing import Any

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import request_user
from artists import selectors, services, steps
from artists.api.serializers import (
    PUBLIC_FIELDS,
    ArtistCardSerializer,
    ArtistOwnSerializer,
    ArtistPublicSerializer,
    DirectUploadSerializer,
    DirectUploadStartSerializer,
    ImageInputSerializer,
    MediaFileSerializer,
    MediaUploadSerializer,
    OnboardingStateSerializer,
    ProfileInputSerializer,
    StatsSerializer,
    TrackCreateSerializer,
    TrackFieldsSerializer,
    TrackMoveSerializer,
    TrackSerializer,
)
from artists.downloads import download_response
from artists.filters import ArtistFilter
from artists.forms import MediaFilterForm
from artists.models import ArtistProfile
from umbrella.api import iso_timestamp
from umbrella.errors import NotFoundError
from umbrella.pagination import OffsetNoCountPagination, PageNumberPagination
from umbrella.schema import raises
from umbrella.throttling import (
    AnonRateThrottle,
    CountWithCacheRead,
    ThrottlesOnce,
    hand_over,
    request_windows,
)

# Files come as multipart only: a urlencoded form cannot carry one (and the schema would offer it).
UPLOAD_PARSERS = [MultiPartParser]

# --- schema: path parameters and the codes of the artist's own endpoints --------------------
SLUG = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description="The artist's slug, as in their profile URL."
)
TRACK_ID = OpenApiParameter("track_id", int, OpenApiParameter.PATH, description="The track's `id`.")
MEDIA_ID = OpenApiParameter(
    "media_id", int, OpenApiParameter.PATH, description="The file's `id` in your media locker."
)
STEP_NUMBER = OpenApiParameter(
    "number",
    {"type": "integer", "minimum": 1, "maximum": 5},
    OpenApiParameter.PATH,
    description="The onboarding step, 1 to 5.",
)
OWN = ("not_an_artist", "not_found")  # not an artist account; no artist profile started yet
IMAGE_ERRORS = ("file_too_large", "unsupported_type", "invalid_image", "image_too_large")
FILE_ERRORS = (
    "empty_file",
    "file_too_large",
    "unsupported_type",
    "type_mismatch",
    "quota_exceeded",
)


def _own_profile(request: Request) -> ArtistProfile:
    return selectors.artist_own(user=request_user(request))


def _client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class ArtistOwnApiMixin:
    """The artist's own profile, tracks and files: usable while onboarding."""

    onboarding_exempt = True


# --- discovery and public profile -----------------------------------------------------------


class ArtistListApi(CountWithCacheRead, APIView):
    permission_classes = [AllowAny]
    pagination_class = OffsetNoCountPagination
    # Only for the OpenAPI schema (an APIView runs no filter backend): with these three
    # drf-spectacular documents every ArtistFilter query parameter. ``get`` filters itself.
    filterset_class = ArtistFilter
    filter_backends = [DjangoFilterBackend]
    queryset = ArtistProfile.objects.none()

    @extend_schema(
        operation_id="artists_list",
        summary="Search and filter artists",
        description="Public. Paginated by page number without a count: follow `next` until "
        "it is null. Filters combine (AND); an invalid value is `400 validation_error`.",
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description="Words to look for in stage names, taglines, genres, influences "
                "and bios; a near-miss stage name is found when nothing matches exactly.",
            ),
            OpenApiParameter(
                "genre", str, description="A genre: the primary or any secondary genre."
            ),
            OpenApiParameter("city", str, description="City (exact, any case)."),
            OpenApiParameter("state", str, description="State or region (exact, any case)."),
            OpenApiParameter(
                "country", str, description="Country as an ISO 3166-1 alpha-2 code, e.g. `GB`."
            ),
            OpenApiParameter(
                "weekdays", bool, description="`true`: available on weekdays; `false`: not."
            ),
            OpenApiParameter(
                "weekends", bool, description="`true`: available on weekends; `false`: not."
            ),
            OpenApiParameter(
                "verified", bool, description="`true`: verified artists only; `false`: others."
            ),
            OpenApiParameter(
                "performance_type",
                {"$ref": "#/components/schemas/PerformanceType"},
                description="Only artists who offer this kind of performance.",
            ),
            OpenApiParameter(
                "min_rating",
                {"type": "number", "minimum": 0, "maximum": 5},
                description="Lowest average rating (0-5).",
            ),
        ],
        responses=ArtistCardSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filterset, rows = self._search(request)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        keys = self.__dict__.get("_page_keys")
        if keys:  # the page was read with the rate-limit count (cache_reads)
            rows.read_for_us(keys, self.cache_found)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([selectors.card(row) for row in page])

    def _search(self, request: Request) -> tuple[Any, Any]:
        search = self.__dict__.get("_found_search")
        if search is None:
            search = self._found_search = selectors.artist_search(params=request.query_params)
        return search

    def cache_reads(self, request: Request) -> list[str]:
        """The cached page's keys, read with the rate-limit count (one round trip)."""
        filterset, rows = self._search(request)
        if not isinstance(rows, selectors.ListedRows) or not filterset.is_valid():
            return []
        try:
            start, stop = self.pagination_class().window(request)
        except ValidationError:
            return []  # the handler answers 400
        self._page_keys = rows.cache_reads(start, stop)
        return self._page_keys


def _public_artist(slug: str) -> ArtistProfile:
    artist = selectors.artist_public(slug=slug)
    if artist is None:
        raise NotFoundError("not_found", "No such artist.")
    return artist


# The public profile's row: the response's fields plus what the view needs besides.
PUBLIC_ROW = ("id", "user_id", "avatar", "banner", *PUBLIC_FIELDS)


def public_profile_data(row: dict[str, Any]) -> dict[str, Any]:
    """What ``ArtistPublicSerializer`` gives, built directly from the row of
    ``selectors.artist_public_row`` (~0.01 ms instead of ~0.7 ms: that ModelSerializer
    introspects its ~40 model fields on every call). The serializer stays the documented shape
    (``extend_schema`` below); tests/artists/test_search.py checks both agree field for field."""
    data = {name: row[name] for name in PUBLIC_FIELDS}
    data["avg_rating"] = float(row["avg_rating"])
    data["created_at"] = iso_timestamp(row["created_at"])
    data["updated_at"] = iso_timestamp(row["updated_at"])
    data["avatar_url"] = selectors.public_file_url(row["avatar"])
    data["banner_url"] = selectors.public_file_url(row["banner"])
    return data


class ArtistDetailApi(ThrottlesOnce, APIView):
    """The public profile: one ``SELECT`` and one cache round trip per read. The rate windows
    are counted in the view-record script (``profile_view_record_counting``), so for a read
    the throttle check comes after the row is read, not before: a refused request still costs
    that one indexed ``SELECT`` (and records no view)."""

    permission_classes = [AllowAny]
    _counting = False

    def check_throttles(self, request: Request) -> None:
        if request.method in ("GET", "HEAD") and not self._counting:
            return  # counted in get(), with the view record (one cache round trip)
        super().check_throttles(request)

    def _check_throttles_now(self, request: Request) -> None:
        self._counting = True
        self.check_throttles(request)

    @extend_schema(
        operation_id="artists_retrieve",
        summary="An artist's public profile",
        description="Public. Counts one profile view per viewer (user, or IP address) per UTC "
        "day; `profile_views` shows new views within about a minute.",
        parameters=[SLUG],
        responses=ArtistPublicSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        row = selectors.artist_public_row(slug=slug, fields=PUBLIC_ROW)
        if row is None:
            self._check_throttles_now(request)
            raise NotFoundError("not_found", "No such artist.")
        windows = request_windows(request, self)
        _counted, counts = services.profile_view_record_counting(
            artist_id=row["id"],
            owner_id=row["user_id"],
            viewer=request.user,
            ip=_client_ip(request),
            rate_windows=[(window, ttl, limit) for _key, window, ttl, _ends, limit in windows],
        )
        if counts is not None:
            hand_over(request, windows, counts)
        self._check_throttles_now(request)  # compares the counts handed over, or counts
        return Response(public_profile_data(row))


class ArtistTracksApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="artists_tracks_list",
        summary="An artist's tracks",
        description="Public. Not paginated: the artist's whole track list, in their order.",
        parameters=[SLUG],
        responses=TrackSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        artist = _public_artist(slug)
        return Response(TrackSerializer(selectors.tracks_of(artist=artist), many=True).data)


class ArtistStatsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="artists_stats",
        summary="An artist's statistics",
        description="Public. Totals, and profile views over the last 30 days.",
        parameters=[SLUG],
        responses=StatsSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(StatsSerializer(selectors.stats_of(artist=_public_artist(slug))).data)


class PlayRateThrottle(AnonRateThrottle):
    """Plays per IP (``THROTTLE_PLAY``), on top of counting each listener once per window."""

    scope = "play"
    rate = settings.THROTTLE_PLAY


class TrackPlayApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []  # a counter: no session, no CSRF
    throttle_classes = [PlayRateThrottle]

    @extend_schema(
        operation_id="artists_tracks_play",
        summary="Count one play of a track",
        description="Public, without credentials. Counts once per listener per track per 30 "
        "minutes (a repeat answers 204 too); rate limited per IP (`THROTTLE_PLAY`).",
        parameters=[SLUG, TRACK_ID],
        request=None,
        responses={204: OpenApiResponse(description="Counted.")},
    )
    def post(self, request: Request, slug: str, track_id: int) -> Response:
        services.track_play(track_id=track_id, artist_slug=slug, ip=_client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the artist's own profile ---------------------------------------------------------------


class ArtistMeApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_retrieve",
        summary="Your artist profile",
        description="Everything public plus private fields, `completeness` and `quota`.",
        responses=ArtistOwnSerializer,
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        return Response(ArtistOwnSerializer(_own_profile(request)).data)

    @extend_schema(
        operation_id="artists_me_update",
        summary="Edit your artist profile",
        description="Send only the fields you change.",
        request=ProfileInputSerializer,
        responses=ArtistOwnSerializer,
        extensions=raises(*OWN),
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        profile = services.profile_update(
            user=request_user(request), data=serializer.validated_data
        )
        return Response(ArtistOwnSerializer(profile).data)


class OnboardingStateApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_onboarding_state",
        summary="Your artist onboarding",
        description="The five steps: which are done, their fields and values, `next_step`.",
        responses=OnboardingStateSerializer,
    )
    def get(self, request: Request) -> Response:
        state = selectors.onboarding_state(user=request_user(request))
        return Response(OnboardingStateSerializer(state).data)


class OnboardingStepApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_onboarding_step",
        summary="Save one onboarding step",
        request=ProfileInputSerializer,
        responses=OnboardingStateSerializer,
        description="Save one step (1-5). Only that step's fields are accepted (another "
        "field is a validation_error); steps go in order; saving step 5 completes onboarding.",
        parameters=[STEP_NUMBER],
        extensions=raises("not_an_artist", "step_out_of_order"),
    )
    def put(self, request: Request, number: int) -> Response:
        try:  # another step's field is refused, not ignored (an unknown step is the service's 404)
            only: tuple[str, ...] | None = steps.step(number).fields
        except KeyError:
            only = None
        serializer = ProfileInputSerializer(data=request.data, partial=True, only=only)
        serializer.is_valid(raise_exception=True)
        user = request_user(request)
        services.onboarding_save_step(user=user, number=number, data=serializer.validated_data)
        user.refresh_from_db(fields=["onboarding_complete"])
        return Response(OnboardingStateSerializer(selectors.onboarding_state(user=user)).data)


class ArtistImageApi(ArtistOwnApiMixin, APIView):
    parser_classes = UPLOAD_PARSERS
    kind = "avatar"

    @extend_schema(
        request={"multipart/form-data": ImageInputSerializer},
        responses=ArtistOwnSerializer,
        extensions=raises(*OWN, *IMAGE_ERRORS),
    )
    def put(self, request: Request) -> Response:
        serializer = ImageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = services.profile_set_image(
            user=request_user(request), kind=self.kind, upload=serializer.validated_data["image"]
        )
        return Response(ArtistOwnSerializer(profile).data)

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Removed.")},
        extensions=raises(*OWN),
    )
    def delete(self, request: Request) -> Response:
        services.profile_set_image(user=request_user(request), kind=self.kind, upload=None)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    put=extend_schema(
        operation_id="artists_me_avatar_update",
        summary="Upload your avatar",
        description="A JPEG, PNG, WebP or GIF of at most 10 MB, cropped to a 512x512 JPEG.",
    ),
    delete=extend_schema(operation_id="artists_me_avatar_destroy", summary="Remove your avatar"),
)
class ArtistAvatarApi(ArtistImageApi):
    kind = "avatar"


@extend_schema_view(
    put=extend_schema(
        operation_id="artists_me_banner_update",
        summary="Upload your banner",
        description="A JPEG, PNG, WebP or GIF of at most 15 MB, cropped to a 1600x480 JPEG.",
    ),
    delete=extend_schema(operation_id="artists_me_banner_destroy", summary="Remove your banner"),
)
class ArtistBannerApi(ArtistImageApi):
    kind = "banner"


# --- tracks ---------------------------------------------------------------------------------


class MyTracksApi(ArtistOwnApiMixin, APIView):
    parser_classes = UPLOAD_PARSERS

    @extend_schema(
        operation_id="artists_me_tracks_list",
        summary="Your tracks",
        description="Not paginated: your whole track list, in display order.",
        responses=TrackSerializer(many=True),
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        tracks = selectors.tracks_of(artist=_own_profile(request))
        return Response(TrackSerializer(tracks, many=True).data)

    @extend_schema(
        operation_id="artists_me_tracks_create",
        summary="Upload a track",
        description="Added at the end of your list; the duration is read from the file. The "
        "audio counts against your storage quota.",
        request={"multipart/form-data": TrackCreateSerializer},
        responses={201: TrackSerializer},
        extensions=raises(*OWN, *FILE_ERRORS, "invalid_image", "image_too_large"),
    )
    def post(self, request: Request) -> Response:
        serializer = TrackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        audio = data.pop("audio")
        cover = data.pop("cover_art", None)
        track = services.track_create(
            user=request_user(request), audio=audio, cover_art=cover, data=data
        )
        return Response(TrackSerializer(track).data, status=status.HTTP_201_CREATED)


class MyTrackApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_tracks_update",
        summary="Edit a track",
        parameters=[TRACK_ID],
        request=TrackFieldsSerializer,
        responses=TrackSerializer,
    )
    def patch(self, request: Request, track_id: int) -> Response:
        serializer = TrackFieldsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        track = services.track_update(
            user=request_user(request), track_id=track_id, data=serializer.validated_data
        )
        return Response(TrackSerializer(track).data)

    @extend_schema(
        operation_id="artists_me_tracks_delete",
        summary="Delete a track",
        parameters=[TRACK_ID],
        responses={204: OpenApiResponse(description="Deleted; its bytes are freed.")},
    )
    def delete(self, request: Request, track_id: int) -> Response:
        services.track_delete(user=request_user(request), track_id=track_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyTrackMoveApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_tracks_move",
        summary="Move a track",
        parameters=[TRACK_ID],
        request=TrackMoveSerializer,
        responses=TrackSerializer(many=True),
        description="Move a track to a 0-based position. Not paginated: answers your whole "
        "track list in its new order.",
    )
    def post(self, request: Request, track_id: int) -> Response:
        serializer = TrackMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tracks = services.track_move(
            user=request_user(request),
            track_id=track_id,
            position=serializer.validated_data["position"],
        )
        return Response(TrackSerializer(tracks, many=True).data)


# --- media locker ---------------------------------------------------------------------------


class MyMediaApi(ArtistOwnApiMixin, APIView):
    parser_classes = UPLOAD_PARSERS
    pagination_class = PageNumberPagination

    @extend_schema(
        operation_id="artists_me_media_list",
        summary="Your media locker",
        description="Newest first, paginated by page number with a `count`.",
        parameters=[
            OpenApiParameter(
                "category",
                {"$ref": "#/components/schemas/MediaCategory"},
                required=False,
                description="Only files of this category.",
            ),
            OpenApiParameter(
                "page",
                {"type": "integer", "minimum": 1},
                required=False,
                description="Page number (from 1); a page past the end is `404 not_found`.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": PageNumberPagination.max_page_size},
                required=False,
                description="Results per page (default 20, at most 100).",
            ),
        ],
        responses=MediaFileSerializer(many=True),
        extensions=raises(*OWN),
    )
    def get(self, request: Request) -> Response:
        filter_form = MediaFilterForm(request.query_params)
        if not filter_form.is_valid():  # the page refuses it too
            raise ValidationError({f: [str(m) for m in e] for f, e in filter_form.errors.items()})
        files = selectors.media_of(
            artist=_own_profile(request), category=filter_form.category_or_none()
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(files, request, view=self)
        return paginator.get_paginated_response(MediaFileSerializer(page, many=True).data)

    @extend_schema(
        operation_id="artists_me_media_upload",
        summary="Upload a file to your locker",
        description="Through the app (local storage, or small files on S3/R2). The type comes "
        "from the file's bytes; the file counts against your storage quota.",
        request={"multipart/form-data": MediaUploadSerializer},
        responses={201: MediaFileSerializer},
        extensions=raises(*OWN, *FILE_ERRORS),
    )
    def post(self, request: Request) -> Response:
        serializer = MediaUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        media = services.media_upload(
            user=request_user(request), category=data["category"], upload=data["file"]
        )
        return Response(MediaFileSerializer(media).data, status=status.HTTP_201_CREATED)


class MyMediaFileApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_media_delete",
        summary="Delete a file from your locker",
        parameters=[MEDIA_ID],
        responses={204: OpenApiResponse(description="Deleted; its bytes are freed.")},
    )
    def delete(self, request: Request, media_id: int) -> Response:
        services.media_delete(user=request_user(request), media_id=media_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyMediaDownloadApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_media_download",
        summary="Download a file from your locker",
        parameters=[MEDIA_ID],
        extensions=raises("not_ready"),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The file."),
            302: OpenApiResponse(description="Redirect to a short-lived bucket URL."),
        },
    )
    def get(self, request: Request, media_id: int) -> Any:  # a file or a redirect
        media = services.media_get_for_download(user=request_user(request), media_id=media_id)
        return download_response(media)


class DirectUploadStartApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_media_direct_start",
        summary="Start a direct upload to the bucket",
        request=DirectUploadStartSerializer,
        responses={201: DirectUploadSerializer},
        extensions=raises(
            *OWN,
            "direct_upload_unavailable",
            "file_too_large",
            "unsupported_type",
            "quota_exceeded",
        ),
        description="S3/R2 only: reserve quota and get a presigned upload for the bucket: "
        "a POST form (`form_fields`, S3/MinIO) or a PUT URL with the `headers` to send (R2).",
    )
    def post(self, request: Request) -> Response:
        serializer = DirectUploadStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        media, upload = services.media_upload_start(
            user=request_user(request), **serializer.validated_data
        )
        body = {
            "file": MediaFileSerializer(media).data,
            "method": upload["method"],
            "url": upload["url"],
            "form_fields": upload["fields"],
            "headers": upload["headers"],
        }
        return Response(body, status=status.HTTP_201_CREATED)


class DirectUploadConfirmApi(ArtistOwnApiMixin, APIView):
    @extend_schema(
        operation_id="artists_me_media_direct_confirm",
        summary="Confirm a direct upload",
        parameters=[MEDIA_ID],
        extensions=raises(
            "upload_missing", "size_mismatch", "empty_file", "unsupported_type", "type_mismatch"
        ),
        request=None,
        responses=MediaFileSerializer,
        description="Check the object in the bucket (real size, type from its bytes).",
    )
    def post(self, request: Request, media_id: int) -> Response:
        media = services.media_upload_confirm(user=request_user(request), media_id=media_id)
        return Response(MediaFileSerializer(media).data)
