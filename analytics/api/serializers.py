"""Analytics API shapes. The figure fields come from the catalog (``analytics.metrics``), so the
schema, the rows and the CSV export name the same figures. Responses are built as plain dicts
by :mod:`analytics.api.views` (``daily_body``); these serializers are their schema."""

import datetime as dt
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from analytics import metrics as catalog
from analytics.metrics import Metric, Unit
from umbrella.api import InputSerializer, QuerySerializer
from umbrella.daily_metrics import ARTIST, VENUE


class DailyQuerySerializer(QuerySerializer):
    """``from`` and ``to`` (a Python keyword, hence ``get_fields``)."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "from": serializers.DateField(
                required=False,
                help_text="The first day (UTC), `YYYY-MM-DD`. Default: 29 days before `to`.",
            ),
            "to": serializers.DateField(
                required=False,
                help_text="The last day (UTC), at the latest yesterday (today is not rolled "
                "up yet). Default: yesterday.",
            ),
        }


class SummaryQuerySerializer(QuerySerializer):
    days = serializers.ChoiceField(
        choices=list(catalog.PERIODS),
        default=catalog.DEFAULT_PERIOD,
        help_text="The period: the last 7, 30, 90 or 365 days up to yesterday (UTC).",
    )


def _field(m: Metric) -> serializers.Field:
    help_text = (
        m.help
        + {
            Unit.CENTS: " In cents.",
            Unit.SECONDS: " In seconds; `null` on a day without any.",
            Unit.RATING: " `null` on a day without any.",
            Unit.COUNT: "",
        }[m.unit]
    )
    if m.unit == Unit.RATING:
        return serializers.FloatField(allow_null=True, help_text=help_text)
    return serializers.IntegerField(allow_null=m.nullable, help_text=help_text)


def _day_serializer(kind: str, name: str) -> type[serializers.Serializer]:
    fields: dict[str, Any] = {"day": serializers.DateField(help_text="The UTC day.")}
    fields.update({m.name: _field(m) for m in catalog.METRICS[kind]})
    return type(name, (serializers.Serializer,), fields)


ArtistDaySerializer = _day_serializer(ARTIST, "ArtistDaySerializer")
VenueDaySerializer = _day_serializer(VENUE, "VenueDaySerializer")


def _daily_serializer(kind: str, day: type[serializers.Serializer], name: str) -> type:
    fields = {
        "subject": serializers.ChoiceField(choices=[kind], help_text="Whose figures."),
        "id": serializers.IntegerField(help_text=f"The {kind} profile's id."),
        "from": serializers.DateField(),
        "to": serializers.DateField(),
        "days": day(many=True, help_text="Every day from `from` to `to`, oldest first."),
    }
    return type(name, (serializers.Serializer,), fields)


ArtistDailySerializer = _daily_serializer(ARTIST, ArtistDaySerializer, "ArtistDailySerializer")
VenueDailySerializer = _daily_serializer(VENUE, VenueDaySerializer, "VenueDailySerializer")

DailySerializer = PolymorphicProxySerializer(
    component_name="AnalyticsDaily",
    serializers={ARTIST: ArtistDailySerializer, VENUE: VenueDailySerializer},
    resource_type_field_name="subject",
)


def json_value(value: Any) -> Any:
    """A figure as JSON carries it: a rating as a number, a day as ISO text."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class FigureSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The figure's field name in `daily` rows.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    help = serializers.CharField(help_text="What it counts.")
    unit = serializers.ChoiceField(choices=[str(u) for u in Unit])
    value = serializers.FloatField(
        allow_null=True, help_text="Over the period (cents, seconds, a rating or a count)."
    )
    previous = serializers.FloatField(allow_null=True, help_text="Over the period before.")
    delta = serializers.FloatField(allow_null=True, help_text="`value - previous`.")
    percent = serializers.IntegerField(
        allow_null=True, help_text="The change in percent; `null` from zero or without figures."
    )
    direction = serializers.CharField(
        allow_null=True, help_text="`up`, `down` or `same`; `null` with nothing to compare."
    )
    good = serializers.BooleanField(
        allow_null=True, help_text="Whether the change is good news (less waiting is)."
    )
    display = serializers.CharField(help_text="The value as the dashboard shows it.")
    change_text = serializers.CharField(help_text="The change in words.")


FIGURE_KEYS = tuple(FigureSerializer().fields)


class SummarySerializer(serializers.Serializer):
    subject = serializers.ChoiceField(choices=[ARTIST, VENUE])
    id = serializers.IntegerField()
    days = serializers.IntegerField()
    first = serializers.DateField(help_text="The period's first day (UTC).")
    last = serializers.DateField(help_text="The period's last day: yesterday.")
    previous_first = serializers.DateField()
    previous_last = serializers.DateField()
    figures = FigureSerializer(many=True)


class PublicStatsSettingsSerializer(serializers.Serializer):
    metrics = serializers.ListField(
        child=serializers.ChoiceField(choices=list(catalog.SHAREABLE)),
        help_text="The figures your public Stats tab shows, in this order.",
    )
    available = serializers.ListField(
        child=serializers.CharField(),
        help_text="The figures you may show (earnings, applications, messages and campaign "
        "sends stay private).",
    )


class PublicStatsInputSerializer(InputSerializer):
    metrics = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=True,
        max_length=len(catalog.SHAREABLE),
        help_text=f"Figures to show, from: {', '.join(catalog.SHAREABLE)}. Empty: none.",
    )


class TrendDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    values = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="The day's value of each figure shown (a rating: `null` without reviews).",
    )


class PublicStatsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    stage_name = serializers.CharField()
    days = serializers.IntegerField(help_text="The period of `figures`: the last 30 days.")
    first = serializers.DateField(allow_null=True, help_text="`null` when nothing is shown.")
    last = serializers.DateField(allow_null=True)
    figures = FigureSerializer(many=True, help_text="Only what the artist chose to show.")
    trend = TrendDaySerializer(many=True, help_text="The last 90 days of those figures.")
