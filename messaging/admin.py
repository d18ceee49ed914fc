"""Staff's view of messaging: conversations and messages read-only (records of what people
said), blocks read-only, and the report queue, closed through ``services.report_close``."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.selectors import request_user
from artists.admin import RecordAdmin, ServiceAdmin
from messaging import services
from messaging.fans import services as fans
from messaging.models import (
    ArtistOptOut,
    Block,
    Campaign,
    CampaignStatusChange,
    ConsentEvent,
    ContactList,
    ContactMember,
    Conversation,
    Delivery,
    ImportJob,
    Message,
    Report,
    ReportStatus,
)
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error

CONTEXT_MESSAGES = 10  # messages shown before and after a reported one


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "sender", "content", "read_at")
    readonly_fields = fields
    ordering = ["-id"]
    show_change_link = True


@admin.register(Conversation)
class ConversationAdmin(RecordAdmin):
    list_display = ["id", "user_low", "user_high", "last_message_at", "created_at"]
    search_fields = ["user_low__email", "user_high__email", "user_low__display_name"]
    list_select_related = ["user_low", "user_high"]
    date_hierarchy = "created_at"
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(RecordAdmin):
    list_display = ["id", "conversation", "sender", "short", "created_at", "read_at"]
    search_fields = ["content", "sender__email"]
    list_select_related = ["sender", "conversation"]
    list_filter = [("read_at", admin.EmptyFieldListFilter)]
    raw_id_fields = ["conversation", "sender"]

    @admin.display(description="content")
    def short(self, obj: Message) -> str:
        return obj.content[:80]


@admin.register(Block)
class BlockAdmin(RecordAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    search_fields = ["blocker__email", "blocked__email"]
    list_select_related = ["blocker", "blocked"]


class CloseForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was decided and why (kept on the report).",
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "reported_user", "reporter", "short_reason", "created_at"]
    list_filter = ["status"]
    search_fields = ["reason", "reported_user__email", "reporter__email"]
    list_select_related = ["reported_user", "reporter"]
    ordering = ["status", "created_at"]  # the open ones first, oldest first: a queue
    actions = ["mark_actioned", "dismiss"]
    readonly_fields = (
        "reporter",
        "reported_user",
        "conversation",
        "message",
        "reason",
        "status",
        "created_at",
        "closed_at",
        "closed_by",
        "staff_note",
        "context",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="reason")
    def short_reason(self, obj: Report) -> str:
        return obj.reason[:80]

    @admin.display(description="conversation around it")
    def context(self, obj: Report) -> str:
        """The messages around the reported one (or the conversation's last ones)."""
        if obj.conversation_id is None:
            return "No conversation between them."
        rows = Message.objects.filter(conversation_id=obj.conversation_id).select_related("sender")
        if obj.message_id is not None:
            before = list(
                rows.filter(pk__lte=obj.message_id).order_by("-id")[: CONTEXT_MESSAGES + 1]
            )
            after = list(rows.filter(pk__gt=obj.message_id).order_by("id")[:CONTEXT_MESSAGES])
            shown = list(reversed(before)) + after
        else:
            shown = list(reversed(rows.order_by("-id")[: CONTEXT_MESSAGES * 2]))
        if not shown:
            return "No messages."
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li{}><small>{} · {}</small><br>{}</li>",
                (
                    (
                        mark_safe(' style="font-weight:bold"') if m.pk == obj.message_id else "",
                        m.created_at.strftime("%Y-%m-%d %H:%M"),
                        m.sender.email,
                        m.content,
                    )
                    for m in shown
                ),
            ),
        )

    def _close(
        self, request: HttpRequest, queryset: QuerySet[Report], status: str
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = CloseForm(request.POST)
            if form.is_valid():
                done = 0
                for report in queryset:
                    try:
                        services.report_close(
                            by=request_user(request),
                            report_id=report.pk,
                            status=status,
                            note=form.cleaned_data["note"],
                        )
                        done += 1
                    except ApplicationError as error:
                        self.message_user(request, f"#{report.pk}: {error.message}", messages.ERROR)
                self.message_user(request, f"{done} report(s) closed.", messages.SUCCESS)
                return None
        else:
            form = CloseForm()
        return render(
            request,
            "admin/messaging/close_reports.html",
            {
                "form": form,
                "reports": queryset,
                "action": "mark_actioned" if status == ReportStatus.ACTIONED else "dismiss",
                "opts": self.model._meta,
                "title": "Close reports as "
                + ("actioned" if status == ReportStatus.ACTIONED else "dismissed"),
            },
        )

    @admin.action(description="Close as actioned (with a note)")
    def mark_actioned(
        self, request: HttpRequest, queryset: QuerySet[Report]
    ) -> HttpResponse | None:
        return self._close(request, queryset, ReportStatus.ACTIONED)

    @admin.action(description="Dismiss (with a note)")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponse | None:
        return self._close(request, queryset, ReportStatus.DISMISSED)


# --- fan lists -----------------------------------------------------------------------------------
# Lists, members, imports and the consent record are read-only here; staff delete a list, record
# an opt-out, or opt selected members out, all through messaging.fans.services.


@admin.register(ContactList)
class ContactListAdmin(ServiceAdmin):
    list_display = ["name", "artist", "signup_open", "created_at"]
    search_fields = ["name", "artist__stage_name"]
    list_select_related = ["artist"]
    readonly_fields = ("artist", "name", "description", "signup_token", "signup_open", "created_at")
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_via_service(self, request: HttpRequest, obj: ContactList) -> None:
        fans.contact_list_delete_by_staff(by=request_user(request), list_id=obj.pk)


class OptOutReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, help_text="Why (kept with the opt-out).")


@admin.register(ContactMember)
class ContactMemberAdmin(RecordAdmin):
    list_display = ["__str__", "contact_list", "source", "opted_in", "opted_out_at", "consent_at"]
    list_filter = ["source", "opted_in", ("opted_out_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "phone", "name"]
    list_select_related = ["contact_list"]
    raw_id_fields = ["contact_list"]
    exclude = ["confirm_token_hash"]
    actions = ["opt_out"]

    @admin.action(description="Opt out of the artist (every list; with a reason)")
    def opt_out(
        self, request: HttpRequest, queryset: QuerySet[ContactMember]
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = OptOutReasonForm(request.POST)
            if form.is_valid():
                done = 0
                for member in queryset.select_related("contact_list"):
                    for field in ("email", "phone"):
                        value = getattr(member, field)
                        if not value:
                            continue
                        try:
                            fans.opt_out_by_staff(
                                by=request_user(request),
                                artist_id=member.contact_list.artist_id,
                                reason=form.cleaned_data["reason"],
                                **{field: value},
                            )
                            done += 1
                        except ApplicationError as error:
                            self.message_user(request, f"{member}: {error.message}", messages.ERROR)
                self.message_user(request, f"{done} address(es) opted out.", messages.SUCCESS)
                return None
        else:
            form = OptOutReasonForm()
        return render(
            request,
            "admin/messaging/opt_out_members.html",
            {
                "form": form,
                "members": queryset,
                "opts": self.model._meta,
                "title": "Opt these fans out of their artist",
            },
        )


class ArtistOptOutForm(forms.ModelForm):
    class Meta:
        model = ArtistOptOut
        fields = ["artist", "email", "phone", "reason"]
        help_texts = {"artist": "Empty: every artist (as an SMS STOP to the platform's number)."}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.errors:
            return cleaned
        artist = cleaned.get("artist")
        try:
            cleaned.update(
                fans.opt_out_check(
                    artist_id=artist.pk if artist else None,
                    email=cleaned.get("email"),
                    phone=cleaned.get("phone"),
                    reason=cleaned.get("reason"),
                )
            )
        except ApplicationError as error:
            add_application_error(self, error)
        return cleaned

    def validate_unique(self) -> None:
        """Recording an existing opt-out again changes nothing (the service keeps the first)."""


@admin.register(ArtistOptOut)
class ArtistOptOutAdmin(admin.ModelAdmin):
    form = ArtistOptOutForm
    list_display = ["__str__", "artist", "channel", "reason", "at"]
    list_filter = ["channel"]
    search_fields = ["email", "phone", "artist__stage_name"]
    list_select_related = ["artist"]
    raw_id_fields = ["artist"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only the person lifts an opt-out (a confirmed sign-up, SMS START)

    def save_model(self, request: HttpRequest, obj: ArtistOptOut, form: Any, change: bool) -> None:
        saved = fans.opt_out_by_staff(
            by=request_user(request),
            artist_id=obj.artist_id,
            email=form.cleaned_data.get("email"),
            phone=form.cleaned_data.get("phone"),
            reason=form.cleaned_data.get("reason"),
        )
        obj.pk = saved.pk


@admin.register(ConsentEvent)
class ConsentEventAdmin(RecordAdmin):
    list_display = ["kind", "email", "phone", "artist", "at"]
    list_filter = ["kind"]
    search_fields = ["email", "phone", "artist__stage_name"]
    list_select_related = ["artist"]
    date_hierarchy = "at"


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = ["id", "contact_list", "status", "total_rows", "imported_count", "created_at"]
    list_filter = ["status"]
    list_select_related = ["contact_list"]
    exclude = ["source_text"]


# --- campaigns -----------------------------------------------------------------------------------


class CampaignStatusChangeInline(ReadOnlyInline):
    model = CampaignStatusChange
    fields = ("at", "from_status", "to_status", "by", "note")
    readonly_fields = fields
    ordering = ["at", "id"]


@admin.register(Campaign)
class CampaignAdmin(RecordAdmin):
    """Campaigns are written by their artists; staff read them with their history and report,
    and send a finished one again to its failed recipients (through the service)."""

    list_display = ["name", "artist", "channel", "status", "recipient_count", "created_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["name", "artist__stage_name"]
    list_select_related = ["artist"]
    date_hierarchy = "created_at"
    readonly_fields = (
        "artist",
        "kind",
        "booking",
        "contact_list",
        "audience_city",
        "audience_region",
        "channel",
        "name",
        "subject",
        "body",
        "status",
        "scheduled_at",
        "started_at",
        "finished_at",
        "recipient_count",
        "report",
    )
    fields = readonly_fields
    inlines = [CampaignStatusChangeInline]
    actions = ["resend_to_failed"]

    @admin.display(description="report")
    def report(self, obj: Campaign) -> str:
        from messaging.campaigns.selectors import report

        data = report(obj)
        return format_html_join(
            " · ",
            "{}: {}",
            [*data["by_status"].items(), ("opt-outs since", data["opt_outs_since"])],
        )

    @admin.action(description="Send again to the failed recipients")
    def resend_to_failed(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        from messaging.campaigns import services as campaigns

        for campaign in queryset:
            try:
                count = campaigns.campaign_resend_failed(
                    by=request_user(request), campaign_id=campaign.pk
                )
            except ApplicationError as error:
                self.message_user(request, f"{campaign.name}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign.name}: {count} queued again.")


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ["address", "campaign", "status", "attempts", "sent_at", "error"]
    list_filter = ["status"]
    search_fields = ["address", "provider_message_id", "idempotency_key"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign", "member"]
