"""Account pages: onboarding (role choice), dashboard, profile settings and notifications."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from accounts import notifications, services
from accounts.api.serializers import NotificationListQuerySerializer
from accounts.api.views import NotificationPagination
from accounts.forms import (
    NotificationPreferencesForm,
    NotificationReadForm,
    OnboardingRoleForm,
    ProfileForm,
)
from accounts.selectors import request_user
from umbrella import domains
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.onboarding_complete:
        return redirect("dashboard")
    # Artists and venues finish onboarding in their own domain's wizard (umbrella/domains.py).
    role_onboarding = domains.onboarding_url_name(user.role)
    if role_onboarding and request.method == "GET":
        return redirect(role_onboarding)
    initial = {"role": user.role or None, "display_name": user.display_name}
    form = OnboardingRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.onboarding_choose_role(user=user, **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            if user.onboarding_complete:
                messages.success(request, f"Welcome to Umbrella, {user.display_name}!")
                return redirect("dashboard")
            next_url = domains.onboarding_url_name(user.role)
            if next_url:
                return redirect(next_url)
            messages.info(request, "Role saved. The rest of your onboarding is on its way.")
            return redirect("onboarding")
    return render(request, "accounts/onboarding.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    # The domains' cards for this role come first; the account's own cards are in the template.
    cards = domains.dashboard_cards(request_user(request).role)
    return render(request, "accounts/dashboard.html", {"domain_cards": cards})


@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    initial = {"display_name": user.display_name, "timezone": user.timezone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=user, data=form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("settings")
    return render(request, "accounts/settings.html", {"form": form})


# --- notifications -----------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, a cursor page at a time (same paginator as the
    API); ``?unread=1`` shows the unread ones only."""
    user = request_user(request)
    # The API's query serializer: one rule for ``?unread=`` at both doors. A bad value is a 400
    # with the message and the whole list (as the media filter does).
    query = NotificationListQuerySerializer(data=request.GET)
    valid = query.is_valid()
    unread_only = bool(valid and query.validated_data["unread"])
    rows = notifications.notifications_for(user=user, unread_only=unread_only)
    paginator = NotificationPagination()
    try:
        page = paginator.paginate_queryset(rows, Request(request))
    except NotFound as error:
        raise Http404("No such page of notifications.") from error
    context = {
        "notifications": [
            {"row": row, "label": notifications.label_of(row.verb)} for row in page or []
        ],
        "unread_only": unread_only,
        "next_url": _relative(paginator.get_next_link()),
        "previous_url": _relative(paginator.get_previous_link()),
        "filter_error": None if valid else "Unread: use 1 or 0 (true or false).",
    }
    return render(request, "accounts/notifications.html", context, status=200 if valid else 400)


def _relative(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark one notification (``id``) or all of them (``all``) read, then back to the list."""
    form = NotificationReadForm(request.POST)
    if not form.is_valid():
        raise BadRequest("Choose one notification, or all of them.")
    try:
        marked = notifications.notifications_mark_read(
            user=request_user(request),
            ids=[form.cleaned_data["id"]] if form.cleaned_data["id"] else None,
            everything=form.cleaned_data["all"],
        )
    except NotFoundError as error:
        raise Http404(error.message) from error
    if form.cleaned_data["all"]:
        messages.success(request, f"{marked} notification{pluralize(marked)} marked read.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith("/"):
        back = reverse("notifications")
    return redirect(back)


@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    preferences = notifications.notification_preferences(user=user)
    # Not ``request.POST or None``: a form with every box unticked posts nothing at all.
    data = request.POST if request.method == "POST" else None
    form = NotificationPreferencesForm(data, preferences=preferences)
    if request.method == "POST" and form.is_valid():
        notifications.notification_preferences_set(user=user, email=form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect("notification_preferences")
    return render(request, "accounts/notification_preferences.html", {"form": form})
