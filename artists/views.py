"""Artist pages: onboarding wizard, studio (dashboard, profile, tracks, media), public profile
and search. Every change goes through artists.services."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import request_user
from artists import filetypes, selectors, services, steps
from artists.downloads import download_response
from artists.forms import (
    ImageForm,
    MediaFilterForm,
    MediaUploadForm,
    ProfileFieldsForm,
    TrackForm,
)
from artists.models import GENRES, ArtistProfile, MediaCategory, PerformanceType
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error

TABS = ("about", "music", "media", "stats")

# A file's own problems (type, size, room left): shown next to that file's field.
FILE_ERRORS = frozenset(
    {
        "empty_file",
        "file_too_large",
        "unsupported_type",
        "type_mismatch",
        "quota_exceeded",
        "invalid_image",
        "image_too_large",
    }
)


def _add_upload_error(form: Any, error: ApplicationError, *, field: str) -> None:
    if error.code in FILE_ERRORS and not any(name in form.fields for name in error.details):
        form.add_error(field, error.message)
    else:
        add_application_error(form, error)


def _artist_only(request: HttpRequest) -> HttpResponse | None:
    if request_user(request).role != Role.ARTIST:
        messages.info(request, "That page is for artist accounts.")
        return redirect("dashboard")
    return None


def _profile_or_onboarding(request: HttpRequest) -> ArtistProfile | HttpResponse:
    profile = selectors.artist_of(user=request_user(request))
    if profile is None:
        return redirect("artist-onboarding")
    return profile


# --- onboarding -----------------------------------------------------------------------------


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """Resume the wizard where the artist left it."""
    if refused := _artist_only(request):
        return refused
    state = selectors.onboarding_state(user=request_user(request))
    if state["next_step"] is None:
        return redirect("artist-studio")
    return redirect("artist-onboarding-step", number=state["next_step"])


@login_required
def onboarding_step(request: HttpRequest, number: int) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    user = request_user(request)
    try:
        step = steps.step(number)
    except KeyError as error:
        raise Http404 from error
    state = selectors.onboarding_state(user=user)
    if number > state["completed_steps"] + 1:
        return redirect("artist-onboarding-step", number=state["completed_steps"] + 1)
    profile = selectors.artist_of(user=user)
    form = ProfileFieldsForm(
        request.POST or None, field_names=step.fields, required=step.required, profile=profile
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.onboarding_save_step(user=user, number=number, data=form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if number == steps.LAST_STEP:
                messages.success(request, "Your artist profile is live. Welcome to Umbrella!")
                return redirect("artist-studio")
            return redirect("artist-onboarding-step", number=number + 1)
    return render(
        request,
        "artists/onboarding_step.html",
        {"form": form, "step": step, "steps": state["steps"], "last_step": steps.LAST_STEP},
    )


# --- studio (the artist's own pages) --------------------------------------------------------


@login_required
def studio(request: HttpRequest) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    profile = _profile_or_onboarding(request)
    if isinstance(profile, HttpResponse):
        return profile
    context = {
        "profile": profile,
        "completeness": selectors.completeness_of(artist=profile),
        "quota": selectors.quota_of(artist=profile),
        "stats": selectors.stats_of(artist=profile),
    }
    return render(request, "artists/studio.html", context)


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    profile = _profile_or_onboarding(request)
    if isinstance(profile, HttpResponse):
        return profile
    form = ProfileFieldsForm(
        request.POST or None,
        field_names=steps.EDITABLE_FIELDS,
        required=("stage_name",),
        profile=profile,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=request_user(request), data=form.service_data())
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Profile saved.")
            return redirect("artist-profile-edit")
    return render(
        request,
        "artists/profile_edit.html",
        {"form": form, "profile": profile, "image_form": ImageForm(), "genres": GENRES},
    )


@login_required
@require_POST
def profile_image(request: HttpRequest, kind: str) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    form = ImageForm(request.POST, request.FILES)
    remove = "remove" in request.POST
    if remove or form.is_valid():
        try:
            services.profile_set_image(
                user=request_user(request),
                kind=kind,
                upload=None if remove else form.cleaned_data["image"],
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{kind.title()} {'removed' if remove else 'updated'}.")
    else:
        problems = form.errors.get("image") or ["Choose an image."]
        messages.error(request, " ".join(str(problem) for problem in problems))
    return redirect("artist-profile-edit")


@login_required
def tracks(request: HttpRequest) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    profile = _profile_or_onboarding(request)
    if isinstance(profile, HttpResponse):
        return profile
    form = TrackForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        audio, cover = data.pop("audio"), data.pop("cover_art")
        checking = "audio"
        try:
            # The audio first, so that a refused file is named next to the right field.
            filetypes.check_upload(audio, category=MediaCategory.MUSIC)
            checking = "cover_art" if cover is not None else "audio"
            services.track_create(
                user=request_user(request), audio=audio, cover_art=cover, data=data
            )
        except ApplicationError as error:
            field = "audio" if error.code == "quota_exceeded" else checking
            _add_upload_error(form, error, field=field)
        else:
            messages.success(request, f"“{data['title']}” added.")
            return redirect("artist-tracks")
    context = {
        "form": form,
        "tracks": list(selectors.tracks_of(artist=profile)),
        "quota": selectors.quota_of(artist=profile),
    }
    return render(request, "artists/tracks.html", context)


@login_required
@require_POST
def track_action(request: HttpRequest, track_id: int, action: str) -> HttpResponse:
    user = request_user(request)
    try:
        if action == "delete":
            services.track_delete(user=user, track_id=track_id)
            messages.success(request, "Track deleted.")
        elif action in ("up", "down"):
            track_ids = [t.pk for t in selectors.tracks_of(artist=_own(user))]
            index = track_ids.index(track_id) if track_id in track_ids else 0
            position = index - 1 if action == "up" else index + 1
            services.track_move(user=user, track_id=track_id, position=max(position, 0))
        else:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("artist-tracks")


def _own(user: Any) -> ArtistProfile:
    profile = selectors.artist_of(user=user)
    if profile is None:
        raise Http404
    return profile


@login_required
def media(request: HttpRequest) -> HttpResponse:
    if refused := _artist_only(request):
        return refused
    profile = _profile_or_onboarding(request)
    if isinstance(profile, HttpResponse):
        return profile
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            uploaded = services.media_upload(
                user=request_user(request),
                category=form.cleaned_data["category"],
                upload=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            _add_upload_error(form, error, field="file")
        else:
            messages.success(request, f"“{uploaded.filename}” uploaded.")
            return redirect("artist-media")
    status = 200
    filter_form = MediaFilterForm(request.GET)
    if not filter_form.is_valid():  # the same answer as the API: refused, not ignored
        messages.error(request, f"Unknown category: {request.GET.get('category')}.")
        status = 400
    category = filter_form.category_or_none() if status == 200 else None
    files = Paginator(selectors.media_of(artist=profile, category=category), 25)
    context = {
        "form": form,
        "page": files.get_page(request.GET.get("page")),
        "category": category,
        "categories": MediaCategory.choices,
        "quota": selectors.quota_of(artist=profile),
    }
    return render(request, "artists/media.html", context, status=status)


@login_required
@require_POST
def media_delete(request: HttpRequest, media_id: int) -> HttpResponse:
    try:
        services.media_delete(user=request_user(request), media_id=media_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "File deleted.")
    return redirect("artist-media")


@login_required
def media_download(request: HttpRequest, media_id: int) -> HttpResponseBase:
    try:
        item = services.media_get_for_download(user=request_user(request), media_id=media_id)
    except ApplicationError as error:
        raise Http404 from error
    return download_response(item)


# --- public ---------------------------------------------------------------------------------


def public_profile(request: HttpRequest, slug: str, tab: str = "about") -> HttpResponse:
    artist = selectors.artist_public(slug=slug)
    if artist is None or tab not in TABS:
        raise Http404
    # A tab click fetches only the tab block. htmx restoring a page it has no snapshot of also
    # sends HX-Request, and needs the whole page.
    partial = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    if not partial:
        services.profile_view_record(
            artist=artist,
            viewer=request.user,
            ip=request.META.get("REMOTE_ADDR"),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    context: dict[str, Any] = {
        "artist": artist,
        "tab": tab,
        "tabs": TABS,
        "performance_labels": [
            PerformanceType(value).label
            for value in artist.performance_types
            if value in PerformanceType.values
        ],
    }
    if tab == "music":
        context["tracks"] = list(selectors.tracks_of(artist=artist))
    elif tab == "media":
        context["files"] = list(selectors.public_media_of(artist=artist)[:48])
    elif tab == "stats":
        context["stats"] = selectors.stats_of(artist=artist)
    template = "artists/includes/tabs.html" if partial else "artists/public_profile.html"
    context["canonical_url"] = request.build_absolute_uri(
        reverse("artist-public", kwargs={"slug": artist.slug})
    )
    response = render(request, template, context)
    # The same URL answers a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


SEARCH_PAGE_SIZE = 24


def search(request: HttpRequest) -> HttpResponse:
    """The search page: the same filters and ranking as ``GET /api/v1/artists/``."""
    filterset, rows = selectors.artist_search(params=request.GET)
    raw_page = request.GET.get("page", "1")
    page_number = min(int(raw_page), 10_000) if raw_page.isdigit() and int(raw_page) > 0 else 1
    start = (page_number - 1) * SEARCH_PAGE_SIZE
    results = []
    if filterset.is_valid():
        results = [selectors.card(row) for row in rows[start : start + SEARCH_PAGE_SIZE + 1]]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": filterset,
        "results": results[:SEARCH_PAGE_SIZE],
        "page_number": page_number,
        "has_next": len(results) > SEARCH_PAGE_SIZE,
        "query": query.urlencode(),
        "genres": GENRES,
    }
    return render(request, "artists/search.html", context)
