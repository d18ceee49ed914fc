"""Violet's pages: the workspace, the history, one draft, saving a draft into the profile.

The workspace's form streams the draft with JavaScript (violet/static/violet/workspace.js,
``POST /stream/violet/generate``). Without JavaScript the same form posts here and the page
answers with the finished draft (``services.generate``).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import request_user
from artists import selectors as artist_selectors
from umbrella.errors import ApplicationError, NotFoundError
from violet import selectors, services
from violet.forms import ToolForm, initial_from_query
from violet.grounding import Grounding, field_label, ground
from violet.tools import TOOLS, Tool

HISTORY_PAGE_SIZE = 20
RECENT = 5


def artist_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in artists with a profile only (others are told so; no profile: onboarding)."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request_user(request)
        if user.role != Role.ARTIST:
            messages.info(request, "Violet is for artist accounts.")
            return redirect("dashboard")
        if artist_selectors.artist_of(user=user) is None:
            return redirect("artist-onboarding")
        return view(request, *args, **kwargs)

    return page


def _choices(user: Any, tool: Tool) -> dict[str, list[tuple[int, str]]]:
    kinds = set(tool.ref_kinds)
    choices: dict[str, list[tuple[int, str]]] = {}
    if "gig" in kinds:
        choices["gig"] = selectors.gig_choices()
    if "booking" in kinds:
        choices["booking"] = selectors.booking_choices(user=user)
    if "conversation" in kinds:
        choices["conversation"] = selectors.conversation_choices(user=user)
    return choices


def _preview(user: Any, tool: Tool, initial: dict[str, Any]) -> tuple[Grounding | None, str]:
    """The facts the tool would use with what is preselected, or why it cannot use them."""
    try:
        inputs = tool.clean({k: v for k, v in initial.items()})
    except ApplicationError:
        inputs = {}
    try:
        return ground(user=user, tool=tool, inputs=inputs), ""
    except ApplicationError as error:
        return None, error.message


def _labels(names: list[str]) -> list[str]:
    return [field_label(name) for name in names]


@artist_page
def workspace(request: HttpRequest) -> HttpResponse:
    """``/violet/?tool=<name>&<input>=<value>``: a tool's form, the facts it will use, the
    allowance, the draft (streamed), and the latest drafts."""
    user = request_user(request)
    tool = TOOLS.get(request.GET.get("tool", "")) or TOOLS["bio"]
    initial = initial_from_query(tool, request.GET)
    choices = _choices(user, tool)
    form = ToolForm(
        request.POST or None, tool=tool, choices=choices, initial=initial, prefix="inputs"
    )
    if request.method == "POST" and form.is_valid():
        try:
            generation = services.generate(user=user, tool=tool.name, inputs=form.inputs())
        except ApplicationError as error:
            _form_error(form, error)
        else:
            return redirect("violet-generation", generation_id=generation.pk)
    grounding, problem = _preview(user, tool, initial)
    artist = artist_selectors.artist_own(user=user)
    return render(
        request,
        "violet/workspace.html",
        {
            "tool": tool,
            "tools": TOOLS.values(),
            "form": form,
            "grounding": grounding,
            "problem": problem,
            "missing": _labels(grounding.missing) if grounding else [],
            "suggested": _labels(grounding.suggested) if grounding else [],
            "usage": selectors.usage_of(artist_id=artist.pk),
            "provider": selectors.provider_info(),
            "recent": selectors.history_of(artist=artist)[:RECENT],
        },
    )


def _form_error(form: ToolForm, error: ApplicationError) -> None:
    inputs = error.details.get("inputs") if isinstance(error.details, dict) else None
    if isinstance(inputs, dict):
        for name, problems in inputs.items():
            target = name if name in form.fields else None
            for problem in problems if isinstance(problems, list) else [problems]:
                form.add_error(target, str(problem))
        return
    if error.code == "profile_incomplete":
        labels = [f["label"] for f in error.details.get("missing_fields", [])]
        form.add_error(None, f"Fill in your profile first: {', '.join(labels)}.")
        return
    form.add_error(error.field if error.field in form.fields else None, error.message)


@artist_page
def history(request: HttpRequest) -> HttpResponse:
    artist = artist_selectors.artist_own(user=request_user(request))
    tool = request.GET.get("tool") or None
    if tool not in TOOLS:
        tool = None
    page = Paginator(selectors.history_of(artist=artist, tool=tool), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "violet/history.html",
        {
            "page": page,
            "tools": TOOLS.values(),
            "tool": tool,
            "usage": selectors.usage_of(artist_id=artist.pk),
        },
    )


def _own(request: HttpRequest, generation_id: int) -> Any:
    try:
        return selectors.generation_own(user=request_user(request), generation_id=generation_id)
    except NotFoundError as error:
        raise Http404("No such draft.") from error


@artist_page
def generation_detail(request: HttpRequest, generation_id: int) -> HttpResponse:
    generation = _own(request, generation_id)
    tool = TOOLS[generation.tool]
    again = {"tool": tool.name, **{k: v for k, v in generation.inputs.items() if k != "tool"}}
    return render(
        request,
        "violet/generation.html",
        {
            "generation": generation,
            "tool": tool,
            "card": selectors.generation_card(generation),
            "again_url": f"{reverse('violet-workspace')}?{urlencode(again)}",
            "use_in_application": (
                f"{reverse('gig-detail', args=[generation.gig_id])}?draft={generation.pk}"
                if generation.tool == "gig_pitch"
                and generation.gig_id
                and generation.status == "completed"
                else ""
            ),
        },
    )


@artist_page
@require_POST
def generation_save(request: HttpRequest, generation_id: int) -> HttpResponse:
    """Save a draft into its profile field (the button next to a bio or tagline draft)."""
    try:
        generation = services.generation_save_to_profile(
            user=request_user(request), generation_id=generation_id
        )
    except NotFoundError as error:
        raise Http404("No such draft.") from error
    except ApplicationError as error:
        messages.error(request, f"Not saved: {error.message}")
    else:
        messages.success(request, f"Saved as your {generation.saved_field}.")
    return redirect("violet-generation", generation_id=generation_id)
