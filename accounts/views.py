"""Account pages: onboarding (role choice), dashboard and profile settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services
from accounts.forms import OnboardingRoleForm, ProfileForm
from accounts.selectors import request_user
from umbrella import domains
from umbrella.errors import ApplicationError
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
