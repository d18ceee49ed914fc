"""The artists app's part of the nightly analytics rollup (``umbrella.daily_metrics``): which
artists get a row for a day, and their profile views. Registered in ``ArtistsConfig.ready``.

Each function is one ``SELECT`` for every artist of the day, whatever their number.
"""

import datetime as dt

from django.db.models import Count

from artists.models import ArtistProfile, ProfileView
from umbrella.daily_metrics import ARTIST, Day, Figures, Subjects


def artists_of_day(day: Day) -> dict[int, str]:
    """Every artist profile there is, with its stage name (the snapshot the analytics rows
    keep when the profile is gone). A profile made after ``day`` has no figures for it."""
    return dict(ArtistProfile.objects.order_by().values_list("pk", "stage_name"))


def profile_views_of_day(day: Day) -> dict[int, dict[str, int]]:
    """Views counted on the day, per artist. A view counts once per viewer per artist per UTC
    day (docs/architecture.md, decision 13), so a day's views are its distinct viewers too;
    over a period, :func:`distinct_viewers` counts a signed-in viewer once."""
    rows = (
        ProfileView.objects.filter(day=day.day)
        .order_by()
        .values("artist_id")
        .annotate(views=Count("id"), viewers=Count("viewer_key", distinct=True))
        .values_list("artist_id", "views", "viewers")
    )
    return {
        artist_id: {"profile_views": views, "unique_viewers": viewers}
        for artist_id, views, viewers in rows
    }


def distinct_viewers(*, artist_id: int, first: dt.date, last: dt.date) -> int:
    """Distinct viewers of an artist over the days ``first``..``last``: a signed-in viewer
    counts once; an anonymous one once per day (their key changes every day, by design: no
    address is kept and days can't be linked)."""
    return (
        ProfileView.objects.filter(artist_id=artist_id, day__gte=first, day__lte=last)
        .values("viewer_key")
        .distinct()
        .count()
    )


SUBJECTS = (Subjects(ARTIST, artists_of_day),)
FIGURES = (Figures(ARTIST, ("profile_views", "unique_viewers"), profile_views_of_day),)
