"""Campaigns: merge fields, SMS segments and quiet hours (pure functions)."""

from datetime import UTC, datetime

import pytest

from messaging.campaigns import merge, quiet, segments


@pytest.mark.parametrize(
    ("text", "encoding", "count"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),  # 2 x 153
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # 160 septets: each extension character counts 2
        ("€" * 80 + "a", "GSM-7", 2),
        ("a" * 159 + "€", "GSM-7", 2),  # 161 septets
        ("é" * 160, "GSM-7", 1),  # é is in the basic GSM-7 table
        ("ê" * 70, "UCS-2", 1),  # ê is not: the whole text is UCS-2
        ("ê" * 71, "UCS-2", 2),
        ("ê" * 134, "UCS-2", 2),  # 2 x 67
        ("ê" * 135, "UCS-2", 3),
        ("🎸" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("🎸" * 36, "UCS-2", 2),
    ],
)
def test_sms_segments_on_the_boundaries(text, encoding, count):
    found = segments.count(text)
    assert (found.encoding, found.segments) == (encoding, count)


def test_an_escape_pair_is_not_split_across_two_segments():
    # 152 plain + "€" = 154 septets: the pair does not fit in the first 153-septet segment.
    text = "a" * 152 + "€" + "a" * 10
    found = segments.count(text)
    assert (found.units, found.segments) == (164, 2)
    assert segments.count("a" * 152 + "€" + "a" * 152).segments == 3


def test_unknown_merge_fields_are_named_in_order():
    assert merge.unknown_fields("Hi {first_name} {frist} {x} {frist}", channel="email") == [
        "frist",
        "x",
    ]
    assert merge.unknown_fields("{unsubscribe_url}", channel="sms") == ["unsubscribe_url"]
    assert merge.unknown_fields("a {{literal}} brace", channel="sms") == []


def test_render_replaces_fields_and_keeps_literal_braces():
    assert merge.render("Hi {first_name} {{x}} {city}", {"first_name": "Maya", "city": ""}) == (
        "Hi Maya {x} "
    )


AUSTIN = "+15125550101"  # Texas: America/Chicago


@pytest.mark.parametrize(
    ("utc", "is_quiet"),
    [
        (datetime(2026, 12, 3, 2, 59, tzinfo=UTC), False),  # 20:59 in Austin
        (datetime(2026, 12, 3, 3, 0, tzinfo=UTC), True),  # 21:00
        (datetime(2026, 12, 3, 13, 59, tzinfo=UTC), True),  # 07:59
        (datetime(2026, 12, 3, 14, 0, tzinfo=UTC), False),  # 08:00
    ],
)
def test_quiet_hours_are_in_the_numbers_own_time_zone(utc, is_quiet):
    assert quiet.zones_of(AUSTIN) == ("America/Chicago",)
    assert quiet.is_quiet(AUSTIN, utc) is is_quiet


def test_the_next_allowed_time_is_eight_in_the_morning_local():
    at = datetime(2026, 12, 3, 4, 30, tzinfo=UTC)  # 22:30 in Austin
    assert quiet.next_allowed(AUSTIN, at) == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    assert quiet.next_allowed("+442071838750", at) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_a_number_with_several_zones_must_be_awake_in_all_of_them(settings):
    settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES = ["America/New_York", "America/Los_Angeles"]
    zones = quiet.zones_of("+18005550100")  # toll free: no area, many US zones
    assert len(zones) > 1
    # 13:30 UTC: 08:30 in New York, 05:30 in Los Angeles: quiet (conservative).
    at = datetime(2026, 12, 3, 13, 30, tzinfo=UTC)
    assert quiet.is_quiet("+18005550100", at)
    nxt = quiet.next_allowed("+18005550100", at)
    assert not quiet.is_quiet("+18005550100", nxt) and nxt > at


def test_quiet_hours_that_do_not_cross_midnight(settings):
    settings.CAMPAIGNS_SMS_QUIET_START, settings.CAMPAIGNS_SMS_QUIET_END = 1, 6
    assert quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 7, 0, tzinfo=UTC))  # 01:00
    assert not quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 12, 0, tzinfo=UTC))  # 06:00
    assert not quiet.is_quiet(AUSTIN, datetime(2026, 12, 3, 4, 0, tzinfo=UTC))  # 22:00
