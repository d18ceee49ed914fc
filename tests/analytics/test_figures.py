"""How a period's figure is made from its days, how a change reads, how values and trends are
shown, and the registry that lets every domain add its figures."""

from decimal import Decimal

import pytest

from analytics import metrics, selectors, sparkline
from analytics.apps import _figures_match_the_catalog
from analytics.selectors import Subject, change, period_value
from tests.analytics import activity as act
from tests.analytics.conftest import artist_day, days_ago
from umbrella import daily_metrics
from umbrella.daily_metrics import ARTIST, VENUE, Figures, Subjects

RATING = metrics.metric(ARTIST, "avg_rating")
ANSWER = metrics.metric(VENUE, "median_answer_seconds")
VIEWS = metrics.metric(ARTIST, "profile_views")


def test_a_periods_rating_is_the_mean_of_its_reviews():
    days = [
        {"avg_rating": Decimal("5.00"), "reviews": 1},
        {"avg_rating": None, "reviews": 0},
        {"avg_rating": Decimal("3.50"), "reviews": 2},  # a 3 and a 4
    ]
    assert period_value(RATING, days) == Decimal("4.00")  # (5 + 3 + 4) / 3
    assert period_value(RATING, [{"avg_rating": None, "reviews": 0}]) is None


def test_a_periods_time_to_answer_is_the_median_of_its_answers():
    days = [
        {"median_answer_seconds": 100, "applications_answered": 1},
        {"median_answer_seconds": 900, "applications_answered": 3},
        {"median_answer_seconds": None, "applications_answered": 0},
        {"median_answer_seconds": 50, "applications_answered": 1},
    ]
    # 50, 100, 900, 900, 900: the middle one of five answers
    assert period_value(ANSWER, days) == 900
    two = [{"median_answer_seconds": s, "applications_answered": 1} for s in (60, 120)]
    assert period_value(ANSWER, two) == 60  # an even count: the lower middle
    assert period_value(ANSWER, []) is None


@pytest.mark.parametrize(
    ("m", "current", "previous", "expected"),
    [
        (VIEWS, 120, 100, {"delta": 20, "percent": 20, "direction": "up", "good": True}),
        (VIEWS, 50, 100, {"delta": -50, "percent": -50, "direction": "down", "good": False}),
        (VIEWS, 7, 0, {"delta": 7, "percent": None, "direction": "up", "good": True}),
        (VIEWS, 0, 0, {"delta": 0, "percent": None, "direction": "same", "good": None}),
        (ANSWER, 3600, 7200, {"delta": -3600, "percent": -50, "direction": "down", "good": True}),
        (RATING, None, Decimal("4"), dict.fromkeys(("delta", "percent", "direction", "good"))),
    ],
)
def test_how_a_change_reads(m, current, previous, expected):
    assert change(m, current, previous) == expected


def test_values_as_people_read_them():
    assert metrics.display(metrics.Unit.CENTS, 123_456) == "$1,234.56"
    assert metrics.display(metrics.Unit.CENTS, 80_000) == "$800"
    assert metrics.display(metrics.Unit.RATING, Decimal("4.33")) == "4.3"
    assert metrics.display(metrics.Unit.COUNT, 12_345) == "12,345"
    assert metrics.display(metrics.Unit.SECONDS, None) == "—"
    assert [metrics.duration(s) for s in (45, 600, 3600, 5400, 200_000)] == [
        "45 s",
        "10 min",
        "1 h",
        "1 h 30 min",
        "2 d 7 h",
    ]


def test_a_trend_line_breaks_where_a_day_has_no_value():
    lines = sparkline.points([1, 2, None, 4, 5])
    assert len(lines) == 2
    assert all(len(line.split()) == 2 for line in lines)
    assert sparkline.points([1, None, 3], span_gaps=True) == ["2.0,30.0 118.0,2.0"]
    assert sparkline.points([3, 3, 3]) == ["2.0,16.0 60.0,16.0 118.0,16.0"]  # flat: the middle
    assert sparkline.points([None, None]) == [] and sparkline.points([1]) == []


@pytest.mark.django_db
def test_unique_viewers_count_a_signed_in_viewer_once_per_period(artist):
    for n in range(3):
        act.view(artist, days_ago(n), viewer="u:7")  # the same member, three days
        act.view(artist, days_ago(n))  # an anonymous visitor a day (keys change daily)
        artist_day(artist, n, profile_views=2, unique_viewers=2)
    subject = Subject(ARTIST, artist.pk, artist.stage_name, artist.slug)
    (viewers,) = selectors.summary(subject, days=7, only=("unique_viewers",))["figures"]
    assert (viewers["value"], viewers["previous"]) == (4, 0)  # 1 member + 3 visitor-days
    (views,) = selectors.summary(subject, days=7, only=("profile_views",))["figures"]
    assert views["value"] == 6


# --- the registry -------------------------------------------------------------------------------


def test_every_kept_figure_is_registered_by_exactly_one_domain():
    assert _figures_match_the_catalog() == []
    for kind in daily_metrics.KINDS:
        assert daily_metrics.figure_names(kind) == set(metrics.names(kind))
        assert daily_metrics.subjects_of(kind) is not None


def test_the_registry_refuses_a_figure_two_apps_claim():
    with pytest.raises(ValueError, match="both register the figures"):
        daily_metrics.register(
            "intruder", figures=(Figures(ARTIST, ("profile_views",), lambda day: {}),)
        )
    with pytest.raises(ValueError, match="both register the subjects"):
        daily_metrics.register("intruder", subjects=(Subjects(VENUE, lambda day: {}),))
    with pytest.raises(ValueError, match="kind"):
        Figures("fan", ("x",), lambda day: {})
    assert "intruder" not in {f.kind for f in daily_metrics.figures_of(ARTIST)}


def test_a_figure_nobody_keeps_fails_the_system_check():
    daily_metrics.register("extra", figures=(Figures(VENUE, ("free_drinks",), lambda day: {}),))
    try:
        problems = _figures_match_the_catalog()
        assert [p.id for p in problems] == ["an.E003"]
        assert "free_drinks" in problems[0].msg
    finally:
        daily_metrics.unregister("extra")
    assert _figures_match_the_catalog() == []
