"""Violet in admin: the generations and the daily usage are records (read-only), and staff see
the spend per day (every artist's prompts, tokens and cost added up per UTC day)."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from violet import selectors
from violet.models import DailyUsage, Generation

SPEND_DAYS = 90


def usd(micro: int | None) -> str:
    return f"${(micro or 0) / 1_000_000:,.4f}"


class ReadOnlyRecordAdmin(admin.ModelAdmin):
    """Written by the services only: changing a record would make the allowance and the spend
    lie. Generations go with the artist's account, usage rows never; Django checks the delete
    permission of every row a deletion cascades to, so the permission stays and only the
    doors (delete page, bulk action) are closed."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        raise PermissionDenied


@admin.register(Generation)
class GenerationAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "id",
        "artist",
        "tool",
        "status",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cost",
        "created_at",
    ]
    list_filter = ["tool", "status", "provider", "usage_day"]
    search_fields = ["artist__stage_name", "artist__user__email", "output"]
    list_select_related = ["artist"]
    date_hierarchy = "created_at"
    raw_id_fields = ["artist", "gig", "booking", "conversation"]

    @admin.display(description="cost (USD)", ordering="cost_micro_usd")
    def cost(self, obj: Generation) -> str:
        return usd(obj.cost_micro_usd)


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "day",
        "artist",
        "prompts",
        "failures",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cost",
    ]
    list_filter = ["day"]
    search_fields = ["artist__stage_name", "artist__user__email"]
    list_select_related = ["artist"]
    date_hierarchy = "day"
    change_list_template = "admin/violet/dailyusage/change_list.html"

    @admin.display(description="cost (USD)", ordering="cost_micro_usd")
    def cost(self, obj: DailyUsage) -> str:
        return usd(obj.cost_micro_usd)

    def get_urls(self) -> list[URLPattern]:
        spend = path(
            "spend/",
            self.admin_site.admin_view(self.spend_view),
            name="violet_dailyusage_spend",
        )
        return [spend, *super().get_urls()]

    def spend_view(self, request: HttpRequest) -> HttpResponse:
        """Spend per UTC day, the last 90 days: prompts, artists, tokens, cost."""
        rows = selectors.spend_per_day(days=SPEND_DAYS)
        for row in rows:
            row["cost"] = usd(row["cost_micro_usd"])
        total = sum(row["cost_micro_usd"] or 0 for row in rows)
        context = {
            **self.admin_site.each_context(request),
            "title": "Violet spend per day",
            "opts": self.model._meta,
            "rows": rows,
            "days": SPEND_DAYS,
            "total": usd(total),
            "prices": settings.VIOLET_PRICES_USD_PER_MTOK,
            "model": settings.VIOLET_MODEL,
        }
        return TemplateResponse(request, "admin/violet/dailyusage/spend.html", context)
