"""Campaign pages of the artist's studio: the list, a new or changed draft, a campaign (preview,
schedule, send with a confirmation, or its report). Every change goes through
messaging.campaigns.services, the same calls as the API."""

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import request_user
from artists.models import ArtistProfile
from artists.views import studio_page
from messaging.campaigns import merge, selectors, services
from messaging.campaigns.forms import CampaignForm, ScheduleForm
from messaging.models import Campaign
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error


def _own(profile: ArtistProfile, campaign_id: int) -> Campaign:
    campaign = selectors.own_campaign(artist=profile, campaign_id=campaign_id)
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


@studio_page
def campaign_list(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    """``/studio/campaigns/``"""
    rows = [selectors.campaign_card(c) for c in selectors.campaigns_of(artist=profile)[:100]]
    return render(request, "messaging/campaigns/list.html", {"campaigns": rows})


def _form_page(
    request: HttpRequest, profile: ArtistProfile, campaign: Campaign | None
) -> HttpResponse:
    lists = selectors.list_choices(artist=profile)
    initial: dict[str, Any] = {"channel": "email"}
    if campaign is not None:
        initial = {name: getattr(campaign, name) for name in services.FIELDS}
        initial["contact_list_id"] = str(campaign.contact_list_id or "")
        if campaign.contact_list_id is None and not campaign.all_lists:
            initial["contact_list_id"] = None  # the list was deleted: choose again
    form = CampaignForm(request.POST or None, initial=initial, lists=lists)
    if request.method == "POST" and form.is_valid():
        user = request_user(request)
        try:
            if campaign is None:
                saved = services.campaign_create(user=user, **form.service_data())
            else:
                saved = services.campaign_update(
                    user=user, campaign_id=campaign.pk, **form.service_data()
                )
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, "Draft saved. Check the preview, then send it.")
            return redirect("campaign-detail", campaign_id=saved.pk)
    return render(
        request,
        "messaging/campaigns/form.html",
        {"form": form, "campaign": campaign, "fields": merge.FIELDS},
        status=400 if form.errors else 200,
    )


@studio_page
def campaign_new(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    """``/studio/campaigns/new/``"""
    return _form_page(request, profile, None)


@studio_page
def campaign_edit(request: HttpRequest, profile: ArtistProfile, campaign_id: int) -> HttpResponse:
    """``/studio/campaigns/<id>/edit/`` (drafts only)."""
    campaign = _own(profile, campaign_id)
    if campaign.status != "draft":
        messages.error(request, f"The campaign is {campaign.status}: it can't be edited now.")
        return redirect("campaign-detail", campaign_id=campaign.pk)
    return _form_page(request, profile, campaign)


def _detail(
    request: HttpRequest, profile: ArtistProfile, campaign: Campaign, **extra: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {"campaign": campaign, "card": selectors.campaign_card(campaign)}
    if campaign.status == "draft":
        context["preview"] = selectors.preview(campaign)
        context.setdefault("schedule_form", ScheduleForm())
    else:
        context["report"] = selectors.report(campaign)
    context.update(extra)
    return context


@studio_page
def campaign_detail(request: HttpRequest, profile: ArtistProfile, campaign_id: int) -> HttpResponse:
    """``/studio/campaigns/<id>/``: a draft's preview and its send/schedule buttons, or the
    report."""
    campaign = _own(profile, campaign_id)
    return render(request, "messaging/campaigns/detail.html", _detail(request, profile, campaign))


@studio_page
def campaign_send(request: HttpRequest, profile: ArtistProfile, campaign_id: int) -> HttpResponse:
    """``/studio/campaigns/<id>/send/``: GET asks to confirm, POST sends now."""
    campaign = _own(profile, campaign_id)
    if request.method == "POST":
        try:
            services.campaign_schedule(user=request_user(request), campaign_id=campaign.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Sending. The report fills in as it goes.")
        return redirect("campaign-detail", campaign_id=campaign.pk)
    if campaign.status != "draft":
        return redirect("campaign-detail", campaign_id=campaign.pk)
    return render(
        request,
        "messaging/campaigns/confirm.html",
        {"campaign": campaign, "preview": selectors.preview(campaign)},
    )


@studio_page
@require_POST
def campaign_schedule(
    request: HttpRequest, profile: ArtistProfile, campaign_id: int
) -> HttpResponse:
    campaign = _own(profile, campaign_id)
    user = request_user(request)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        local = form.cleaned_data["scheduled_at"].replace(tzinfo=None)
        when = timezone.make_aware(local, ZoneInfo(user.timezone or "UTC"))
        try:
            services.campaign_schedule(user=user, campaign_id=campaign.pk, scheduled_at=when)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"Scheduled for {local:%a %d %b %Y, %H:%M}.")
            return redirect("campaign-detail", campaign_id=campaign.pk)
    return render(
        request,
        "messaging/campaigns/detail.html",
        _detail(request, profile, campaign, schedule_form=form),
        status=400,
    )


@studio_page
@require_POST
def campaign_unschedule(
    request: HttpRequest, profile: ArtistProfile, campaign_id: int
) -> HttpResponse:
    try:
        services.campaign_unschedule(user=request_user(request), campaign_id=campaign_id)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Back to draft.")
    return redirect("campaign-detail", campaign_id=campaign_id)


@studio_page
@require_POST
def campaign_delete(request: HttpRequest, profile: ArtistProfile, campaign_id: int) -> HttpResponse:
    try:
        services.campaign_delete(user=request_user(request), campaign_id=campaign_id)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("campaign-detail", campaign_id=campaign_id)
    messages.success(request, "Draft deleted.")
    return redirect("campaigns")
