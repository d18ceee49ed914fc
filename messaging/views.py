"""Messaging pages: the inbox, a conversation (live with JavaScript, plain forms without), the
page that starts a conversation, block and report. Every change goes through
messaging.services, the same calls as the API."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.selectors import request_user
from messaging import live, selectors, services
from messaging.forms import MessageForm, ReportForm
from umbrella.api import error_body
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error
from umbrella.pagination import page_without_count

INBOX_PAGE_SIZE = 20
MESSAGES_SHOWN = 50


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(int(raw), 10_000) if raw.isdigit() and int(raw) > 0 else 1


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """``/messages/``: the user's conversations, most recent first."""
    user = request_user(request)
    page_number = _page_number(request)
    rows, has_next = page_without_count(
        selectors.inbox_rows(user=user), page=page_number, size=INBOX_PAGE_SIZE
    )
    context = {
        "conversations": [
            {**selectors.inbox_card(row), "when": row["last_message_at"]} for row in rows
        ],
        "page_number": page_number,
        "has_next": has_next,
    }
    if request.GET.get("fragment") == "list":  # the live script refreshes the list after a drop
        return render(request, "messaging/includes/inbox_list.html", context)
    return render(request, "messaging/inbox.html", context)


def _message_rows(conversation_id: int, before: int | None) -> tuple[list[dict[str, Any]], bool]:
    rows = list(
        selectors.messages_of(conversation_id=conversation_id, before=before)[: MESSAGES_SHOWN + 1]
    )
    return list(reversed(rows[:MESSAGES_SHOWN])), len(rows) > MESSAGES_SHOWN


def _send(request: HttpRequest, conversation_id: int, form: MessageForm) -> HttpResponse | None:
    """Send from the form. A response when done (JSON for the script, else a redirect)."""
    if form.is_valid():
        try:
            message = services.message_send(
                user=request_user(request),
                conversation_id=conversation_id,
                content=form.cleaned_data["content"],
            )
        except NotFoundError as error:
            raise Http404("No such conversation.") from error
        except ApplicationError as error:
            if _wants_json(request):
                response = JsonResponse(
                    error_body(error.code, error.message, error.details), status=error.status_code
                )
                if error.code == "throttled":
                    response["Retry-After"] = str(error.details["retry_after_seconds"])
                return response
            if error.code in ("blocked", "recipient_unavailable"):
                # The page shows why and hides the form: say it at the top.
                messages.error(request, error.message)
                return redirect("conversation", conversation_id=conversation_id)
            add_application_error(form, error)
            return None
        if _wants_json(request):
            row = {field: getattr(message, field) for field in live.MESSAGE_FIELDS}
            return JsonResponse(live.message_data(row), status=201)
        return redirect(reverse("conversation", args=[conversation_id]) + "#composer")
    if _wants_json(request):
        details = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        first = str(next(iter(details.values()))[0])
        return JsonResponse(error_body("validation_error", first, details), status=400)
    return None


@login_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """``/messages/<id>/``: the last 50 messages (older ones by ``?before=<id>``) and the form.
    Opening it marks the other side's messages read."""
    user = request_user(request)
    try:
        membership = selectors.conversation_own(user=user, conversation_id=conversation_id)
    except NotFoundError as error:
        raise Http404("No such conversation.") from error
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        done = _send(request, conversation_id, form)
        if done is not None:
            return done
        status = 400
    raw_before = request.GET.get("before", "")
    before = int(raw_before) if raw_before.isdigit() else None
    if membership.unread_count and before is None:
        services.conversation_mark_read(user=user, conversation_id=conversation_id)
    rows, has_older = _message_rows(conversation_id, before)
    you_blocked, blocked_you = selectors.block_state(user=user, other_id=membership.other_id)
    context = {
        "conversation_id": conversation_id,
        "other": membership.other,
        "other_name": selectors.display_name(membership.other.display_name),
        "messages_shown": rows,
        "has_older": has_older,
        "oldest_id": rows[0]["id"] if rows else None,
        "newest_id": rows[-1]["id"] if rows else 0,
        "form": form,
        "you_blocked": you_blocked,
        "blocked_you": blocked_you,
        "older_page": before is not None,
    }
    return render(request, "messaging/conversation.html", context, status=status)


@login_required
@require_POST
def conversation_read(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The live script marks what it showed as read (``up_to``: the newest id on screen)."""
    raw = request.POST.get("up_to", "")
    try:
        services.conversation_mark_read(
            user=request_user(request),
            conversation_id=conversation_id,
            up_to=int(raw) if raw.isdigit() and int(raw) > 0 else None,
        )
    except NotFoundError as error:
        raise Http404("No such conversation.") from error
    if _wants_json(request):
        return JsonResponse({"unread_total": selectors.unread_total(user=request_user(request))})
    return redirect("conversation", conversation_id=conversation_id)


@login_required
def message_user(request: HttpRequest, user_id: int) -> HttpResponse:
    """``/messages/to/<user_id>/``: the "Message" buttons. An existing conversation opens;
    else a form whose first message starts it."""
    user = request_user(request)
    if user_id == user.pk:
        messages.info(request, "That is you.")
        return redirect("inbox")
    existing = selectors.conversation_between(user=user, other_id=user_id)
    if existing is not None:
        return redirect("conversation", conversation_id=existing.pk)
    other = User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).first()
    if other is None:
        raise Http404("No such person.")
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            started, _created = services.conversation_open(user=user, other_id=user_id)
            services.message_send(
                user=user, conversation_id=started.pk, content=form.cleaned_data["content"]
            )
        except NotFoundError as error:
            raise Http404("No such person.") from error
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            return redirect("conversation", conversation_id=started.pk)
    if form.errors:
        status = 400
    context = {"other": other, "other_name": selectors.display_name(other.display_name)}
    return render(request, "messaging/compose.html", {**context, "form": form}, status=status)


@login_required
def message_profile(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """``/messages/to/<kind>/<pk>/``: the "Message" buttons of other apps' pages name a person
    ("user"), an artist's or a venue's profile ("artist", "venue"); this finds the person."""
    user_id = selectors.contact_user_id(kind=kind, pk=pk)
    if user_id is None:
        raise Http404("No such person.")
    if user_id == request_user(request).pk:
        messages.info(request, "That is you.")
        return redirect("inbox")
    return redirect("message-user", user_id=user_id)


@login_required
@require_POST
def conversation_block(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Block (``action=block``) or unblock the other person of the conversation."""
    user = request_user(request)
    try:
        membership = selectors.conversation_own(user=user, conversation_id=conversation_id)
    except NotFoundError as error:
        raise Http404("No such conversation.") from error
    name = selectors.display_name(membership.other.display_name)
    if request.POST.get("action") == "unblock":
        services.user_unblock(user=user, other_id=membership.other_id)
        messages.success(request, f"You unblocked {name}.")
    else:
        services.user_block(user=user, other_id=membership.other_id)
        messages.success(request, f"You blocked {name}. Neither of you can send new messages.")
    return redirect("conversation", conversation_id=conversation_id)


@login_required
def conversation_report(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Report the other person, or one of their messages (``?message=<id>``), to staff."""
    user = request_user(request)
    try:
        membership = selectors.conversation_own(user=user, conversation_id=conversation_id)
    except NotFoundError as error:
        raise Http404("No such conversation.") from error
    raw = request.GET.get("message", "")
    message_id = int(raw) if raw.isdigit() else None
    reported = None
    if message_id is not None:
        reported = (
            selectors.messages_of(conversation_id=conversation_id)
            .filter(pk=message_id)
            .exclude(sender_id=user.pk)
            .first()
        )
        if reported is None:
            raise Http404("No such message.")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_create(
                user=user,
                reason=form.cleaned_data["reason"],
                message_id=message_id,
                user_id=None if message_id else membership.other_id,
            )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Thank you. Staff will look at your report.")
            return redirect("conversation", conversation_id=conversation_id)
    context = {
        "form": form,
        "conversation_id": conversation_id,
        "other_name": selectors.display_name(membership.other.display_name),
        "reported": reported,
    }
    return render(request, "messaging/report.html", context, status=400 if form.errors else 200)
