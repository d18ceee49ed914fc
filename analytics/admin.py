"""Analytics in admin: the daily figures and the rollups are records (read-only: only the
rollup writes them, and editing one would make the dashboards lie); staff can roll days up again
(the same service as the nightly task). The artists' public-figure choices are read-only too
(the artist makes them, through ``public_stats_set``)."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from analytics import services
from analytics.models import DailyMetric, PublicStats, RollupRun, VenueDailyMetric
from umbrella.errors import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DailyMetric)
class DailyMetricAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "stage_name",
        "artist_id",
        "profile_views",
        "gigs_completed",
        "earnings",
        "reviews",
        "avg_rating",
        "applications_sent",
        "messages_received",
        "fan_growth",
        "campaign_sends",
    ]
    list_filter = ["day"]
    search_fields = ["stage_name", "=artist_id"]
    date_hierarchy = "day"
    show_full_result_count = False  # a big table: no COUNT(*) per page


@admin.register(VenueDailyMetric)
class VenueDailyMetricAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "name",
        "venue_id",
        "gigs_posted",
        "applications_received",
        "applications_answered",
        "median_answer_seconds",
        "bookings",
        "reviews",
        "avg_rating",
        "messages_received",
    ]
    list_filter = ["day"]
    search_fields = ["name", "=venue_id"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(PublicStats)
class PublicStatsAdmin(ReadOnlyAdmin):
    list_display = ["artist", "metrics", "updated_by", "updated_at"]
    search_fields = ["artist__stage_name"]
    list_select_related = ["artist", "updated_by"]


@admin.register(RollupRun)
class RollupRunAdmin(ReadOnlyAdmin):
    list_display = ["day", "artists", "venues", "cleared", "queries", "seconds", "finished_at"]
    date_hierarchy = "day"
    actions = ["rollup_again"]

    @admin.action(description="Roll the selected days up again")
    def rollup_again(self, request: HttpRequest, queryset: QuerySet[RollupRun]) -> None:
        days = sorted(queryset.values_list("day", flat=True))
        try:
            results = [services.rollup_day(day=day) for day in days]
        except ApplicationError as error:
            self.message_user(request, error.message, level=messages.ERROR)
            return
        rows = sum(r.artists + r.venues for r in results)
        self.message_user(request, f"Rolled up {len(results)} day(s) again: {rows} rows.")
