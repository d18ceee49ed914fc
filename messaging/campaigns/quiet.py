"""SMS quiet hours: nothing is sent to a number between CAMPAIGNS_SMS_QUIET_START (21:00) and
CAMPAIGNS_SMS_QUIET_END (08:00) in its local time.

The time zones come from the number (``phonenumbers.timezone``). A number with several zones
(a US toll-free or mobile number without a geographic area code, a country spanning zones) must
be outside quiet hours in **every** one of them: the conservative reading. A number whose zone
is unknown is treated as being in CAMPAIGNS_SMS_FALLBACK_TIME_ZONES.
"""

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from django.conf import settings
from phonenumbers import timezone as phone_timezone

_UNKNOWN = "Etc/Unknown"
_STEP = timedelta(minutes=15)
_HORIZON = timedelta(hours=48)


@lru_cache(maxsize=4096)
def zones_of(number: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return tuple(settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES)
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != _UNKNOWN)
    return zones or tuple(settings.CAMPAIGNS_SMS_FALLBACK_TIME_ZONES)


def _quiet_in(moment: datetime, zone: str) -> bool:
    start, end = settings.CAMPAIGNS_SMS_QUIET_START, settings.CAMPAIGNS_SMS_QUIET_END
    local = moment.astimezone(ZoneInfo(zone))
    minutes = local.hour * 60 + local.minute
    if start > end:  # across midnight (21 → 8)
        return minutes >= start * 60 or minutes < end * 60
    return start * 60 <= minutes < end * 60


def is_quiet(number: str, moment: datetime) -> bool:
    """Whether ``moment`` is in quiet hours for ``number`` (in any of its zones)."""
    return any(_quiet_in(moment, zone) for zone in zones_of(number))


def next_allowed(number: str, moment: datetime) -> datetime:
    """The first time at or after ``moment`` when ``number`` may get an SMS. When its zones are
    too far apart to share a daytime, the zone of the number's first listing decides."""
    zones = zones_of(number)
    for candidates in (zones, zones[:1]):
        probe = moment
        if not any(_quiet_in(probe, zone) for zone in candidates):
            return probe
        # Quarter hours, local midnights and 08:00 fall on quarter hours in every real zone.
        probe = probe.replace(second=0, microsecond=0)
        probe += timedelta(minutes=15 - probe.minute % 15)
        limit = moment + _HORIZON
        while probe <= limit:
            if not any(_quiet_in(probe, zone) for zone in candidates):
                return probe
            probe += _STEP
    return moment + timedelta(hours=12)
