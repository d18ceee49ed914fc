"""Developer console pages for an app's deliveries and dead letters
(``/developers/apps/<app_id>/deliveries/``, ``…/dead-letters/``), for its owner and staff
(anyone else: 404). They call the same selectors and services as the API."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.views.decorators.http import require_POST

from accounts.selectors import request_user
from events import selectors_deliveries as selectors
from events.models import App, Outcome
from events.services import deliveries as services
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.pagination import page_number, page_without_count

PAGE_SIZE = 50


def console_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and the owner of the app (or staff); the view gets the app."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, app_id: str, **kwargs: Any) -> HttpResponse:
        try:
            app = selectors.app_managed(app_id=app_id, user=request_user(request))
            return view(request, app, **kwargs)
        except NotFoundError as error:
            raise Http404(error.message) from error

    return wrapper


CONSOLE_BASES = ["events/console/base.html", "events/console/_deliveries_base.html"]


def _context(app: App, tab: str, **extra: Any) -> dict[str, Any]:
    """The console's frame is ``events/console/base.html`` (its tabs) when it is installed,
    else this module's stand-in with the same blocks."""
    return {"app": app, "tab": tab, "console_base": select_template(CONSOLE_BASES), **extra}


@console_page
def deliveries(request: HttpRequest, app: App) -> HttpResponse:
    outcome = (request.GET.get("outcome") or "").lower()
    if outcome not in Outcome.values:
        outcome = ""
    page = page_number(request.GET.get("page"))
    rows, has_next = page_without_count(
        selectors.deliveries_of(app=app, outcome=outcome or None), page=page, size=PAGE_SIZE
    )
    return render(
        request,
        "events/console/deliveries.html",
        _context(
            app,
            "deliveries",
            deliveries=rows,
            outcome=outcome,
            outcomes=selectors.outcome_choices(),
            page=page,
            has_next=has_next,
            webhooks=services.webhook_capabilities(app),
        ),
    )


@console_page
def delivery(request: HttpRequest, app: App, delivery_id: int) -> HttpResponse:
    row = selectors.delivery_of(app=app, delivery_id=delivery_id)
    return render(
        request, "events/console/delivery.html", _context(app, "deliveries", delivery=row)
    )


@console_page
@require_POST
def test_event_send(request: HttpRequest, app: App) -> HttpResponse:
    """The "Send test event" button: sends now, then shows the recorded attempt."""
    capability = request.POST.get("capability") or None
    try:
        result = services.app_send_test_event(
            app=app, by=request_user(request), capability=capability
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("console-deliveries", app_id=app.app_id)
    if result.ok:
        messages.success(
            request, f"The test event reached {result.capability} in {result.duration_ms} ms."
        )
    else:
        messages.error(
            request,
            f"The test event to {result.capability} failed: {result.error or result.outcome}.",
        )
    if result.delivery_id:
        return redirect("console-delivery", app_id=app.app_id, delivery_id=result.delivery_id)
    return redirect("console-deliveries", app_id=app.app_id)


@console_page
def dead_letters(request: HttpRequest, app: App) -> HttpResponse:
    page = page_number(request.GET.get("page"))
    rows, has_next = page_without_count(
        selectors.dead_letters_of(app=app), page=page, size=PAGE_SIZE
    )
    return render(
        request,
        "events/console/dead_letters.html",
        _context(app, "dead-letters", dead_letters=rows, page=page, has_next=has_next),
    )


@console_page
def dead_letter(request: HttpRequest, app: App, dead_letter_id: int) -> HttpResponse:
    row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
    attempts = selectors.deliveries_of(app=app, webhook_id=row.webhook_id)[:20]
    return render(
        request,
        "events/console/dead_letter.html",
        _context(
            app,
            "dead-letters",
            letter=row,
            payload=json.dumps(row.payload, indent=2, ensure_ascii=False),
            attempts=attempts,
        ),
    )


@console_page
@require_POST
def dead_letter_replay(request: HttpRequest, app: App, dead_letter_id: int) -> HttpResponse:
    row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
    try:
        services.dead_letter_replay(dead_letter_id=row.pk, by=request_user(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Sending {row.webhook_id} again.")
    return redirect("console-dead-letters", app_id=app.app_id)


@console_page
@require_POST
def dead_letters_replay_all(request: HttpRequest, app: App) -> HttpResponse:
    try:
        result = services.dead_letters_replay(app=app, by=request_user(request), all=True)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        count = len(result.replayed)
        text = f"Sending {count} message{'s' if count != 1 else ''} again."
        if result.skipped:
            text += f" {len(result.skipped)} were being sent again already."
        if result.remaining:
            text += f" {result.remaining} more are left: replay all again."
        messages.success(request, text)
    return redirect("console-dead-letters", app_id=app.app_id)


@console_page
@require_POST
def dead_letter_delete(request: HttpRequest, app: App, dead_letter_id: int) -> HttpResponse:
    row = selectors.dead_letter_of(app=app, dead_letter_id=dead_letter_id)
    services.dead_letter_delete(dead_letter_id=row.pk, by=request_user(request))
    messages.success(request, f"Deleted the dead letter {row.webhook_id}.")
    return redirect("console-dead-letters", app_id=app.app_id)
