"""Artist pages: onboarding wizard, studio (dashboard, profile, tracks, media), public profile
and search. Every change goes through artists.services."""

from collections.abc import Callable
from functools import wraps
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
from umbrella import domains
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_number as parse_page_number
from umbrella.pagination import page_without_count

TABS = ("about", "music", "media", "stats")


def _profile_tabs(slug: str) -> list[dict[str, Any]]:
    """The tab bar: the artist's own tabs, then those higher apps registered
    (``umbrella.domains.ProfileTab``, e.g. the marketplace's Gigs and Reviews). A tab click
    (HTMX) always asks this page; without JavaScript a registered tab's link goes straight to
    that app's own page of the tab (``href``)."""
    tabs: list[dict[str, Any]] = []
    for name in TABS:
        url = reverse("artist-public-tab", kwargs={"slug": slug, "tab": name})
        tabs.append({"name": name, "label": name.title(), "url": url, "href": url, "remote": None})
    for extra in domains.artist_tabs():
        if extra.name in TABS:
            continue  # the artist's own tab wins
        url = reverse("artist-public-tab", kwargs={"slug": slug, "tab": extra.name})
        remote = extra.url(slug)
        tabs.append(
            {"name": extra.name, "label": extra.label, "url": url, "href": remote, "remote": remote}
        )
    return tabs


def _artist_only(request: HttpRequest) -> HttpResponse | None:
    if request_user(request).role != Role.ARTIST:
        messages.info(request, "That page is for artist accounts.")
        return redirect("dashboard")
    return None


def studio_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the artist's own studio: signed-in artists only, and it gets their profile
    (``selectors.artist_of``); an artist who has not started onboarding is sent there."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refused := _artist_only(request):
            return refused
        profile = selectors.artist_of(user=request_user(request))
        if profile is None:
            return redirect("artist-onboarding")
        return view(request, profile, *args, **kwargs)

    return page


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
    state = selectors.onboarding_state(user=user)
    try:
        step = steps.open_step(number, done=state["completed_steps"])
    except NotFoundError as error:
        raise Http404 from error
    except ApplicationError as error:  # not open yet: go to the step that is
        return redirect("artist-onboarding-step", number=error.details["next_step"])
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
        "wizard_step.html",
        {
            "wizard_title": "Artist onboarding",
            "step_url_name": "artist-onboarding-step",
            "form": form,
            "step": step,
            "steps": state["steps"],
            "last_step": steps.LAST_STEP,
        },
    )


# --- studio (the artist's own pages) --------------------------------------------------------


@studio_page
def studio(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    context = {
        "profile": profile,
        "completeness": selectors.completeness_of(artist=profile),
        "quota": selectors.quota_of(artist=profile),
        "stats": selectors.stats_of(artist=profile),
        "studio_links": domains.studio_links(),
    }
    return render(request, "artists/studio.html", context)


@studio_page
def profile_edit(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
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


@studio_page
def tracks(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    form = TrackForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        audio, cover = data.pop("audio"), data.pop("cover_art")
        try:
            services.track_create(
                user=request_user(request), audio=audio, cover_art=cover, data=data
            )
        except ApplicationError as error:
            add_application_error(form, error)
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
            own = selectors.artist_own(user=user)
            track_ids = [t.pk for t in selectors.tracks_of(artist=own)]
            index = track_ids.index(track_id) if track_id in track_ids else 0
            position = index - 1 if action == "up" else index + 1
            services.track_move(user=user, track_id=track_id, position=max(position, 0))
        else:
            raise Http404
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("artist-tracks")


@studio_page
def media(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            uploaded = services.media_upload(
                user=request_user(request),
                category=form.cleaned_data["category"],
                upload=form.cleaned_data["file"],
            )
        except ApplicationError as error:
            add_application_error(form, error)
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
        "limits": filetypes.limits_text(),
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
    tabs = _profile_tabs(slug)
    current = next((t for t in tabs if t["name"] == tab), None)
    if artist is None or current is None:
        raise Http404
    # A tab click fetches only the tab block. htmx restoring a page it has no snapshot of also
    # sends HX-Request, and needs the whole page.
    partial = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    if not partial:
        services.profile_view_record(
            artist_id=artist.pk,
            owner_id=artist.user_id,
            viewer=request.user,
            ip=request.META.get("REMOTE_ADDR"),
        )
    context: dict[str, Any] = {
        "artist": artist,
        "tab": tab,
        "tabs": tabs,
        "current_tab": current,
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
# The filters the search page has a control for, by their labels there. Other API filters in the
# query string (``rate_min`` …) are dropped: the page can neither show nor fix them.
SEARCH_PAGE_FIELDS = {
    "q": "Search",
    "genre": "Genre",
    "city": "City",
    "country": "Country",
    "ordering": "Sort by",
    "weekends": "Weekends",
    "weekdays": "Weekdays",
    "verified": "Verified only",
}


def search(request: HttpRequest) -> HttpResponse:
    """The search page: the same filters and ranking as ``GET /api/v1/artists/``."""
    params = request.GET.copy()
    for name in set(params) - set(SEARCH_PAGE_FIELDS) - {"page"}:
        del params[name]
    filterset, rows = selectors.artist_search(params=params)
    raw_page = params.get("page", "1")
    page_number = parse_page_number(raw_page)  # "²" is a digit to isdigit(), not to int()
    results: list[dict[str, Any]] = []
    has_next = False
    errors: list[dict[str, str]] = []
    if filterset.is_valid():
        results, has_next = page_without_count(rows, page=page_number, size=SEARCH_PAGE_SIZE)
    else:
        errors = [
            {"field": name, "label": label, "message": " ".join(filterset.errors[name])}
            for name, label in SEARCH_PAGE_FIELDS.items()
            if name in filterset.errors
        ]
    params.pop("page", None)
    context = {
        "filter": filterset,
        "errors": errors,
        "invalid": {error["field"] for error in errors},
        "results": [selectors.card(row) for row in results],
        "page_number": page_number,
        "has_next": has_next,
        "query": params.urlencode(),
        "genres": GENRES,
    }
    return render(request, "artists/search.html", context)
