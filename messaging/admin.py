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
from artists.admin import RecordAdmin
from messaging import services
from messaging.models import Block, Conversation, Message, Report, ReportStatus
from umbrella.errors import ApplicationError

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
