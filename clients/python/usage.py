"""What a Python app does with the generated client; ``bin/check-clients`` type-checks it.

If an operation, a field or an error code changes shape, ``mypy --strict`` fails here before any
app does. It also runs::

    UMBRELLA_URL=http://127.0.0.1:8000 UMBRELLA_TOKEN=<access token> \\
        python clients/python/usage.py jazz path/to/avatar.jpg

(with ``clients/build/python`` on ``PYTHONPATH``, as an artist for the avatar).
"""

import os
import sys
from pathlib import Path
from typing import assert_type
from urllib.parse import parse_qs, urlsplit

from umbrella_client import AuthenticatedClient, Client
from umbrella_client.api.artists import (
    artists_list,
    artists_me_avatar_update,
    artists_retrieve,
)
from umbrella_client.api.me import me_update
from umbrella_client.api.notifications import notifications_list, notifications_read
from umbrella_client.models import (
    ArtistOwn,
    ArtistPublic,
    ErrorCode,
    ErrorResponse,
    ImageInputRequest,
    MeOutput,
    Notification,
    NotificationReadInputRequest,
    NotificationReadOutput,
    PaginatedArtistCardList,
    PaginatedNotificationList,
    PatchedMeUpdateInputRequest,
    PerformanceType,
    RoleOrBlank,
)
from umbrella_client.types import UNSET, File


class UmbrellaError(Exception):
    def __init__(self, error: ErrorResponse) -> None:
        self.code = error.error.code
        super().__init__(f"{self.code}: {error.error.message}")


def explain(error: ErrorResponse) -> str:
    """What to tell a person, by ``error.code`` (the ``ErrorCode`` enum, or a newer code)."""
    code = assert_type(error.error.code, ErrorCode | str)
    if code == ErrorCode.THROTTLED:
        seconds = error.error.details.additional_properties.get("retry_after_seconds")
        return f"Too many requests; try again in {seconds} s."
    if code in (ErrorCode.INVALID_TOKEN, ErrorCode.NOT_AUTHENTICATED):
        return "Please sign in again."
    if code == ErrorCode.VALIDATION_ERROR:
        fields = ", ".join(error.error.details.additional_properties)
        return f"Please check: {fields}."
    if isinstance(code, ErrorCode):
        return error.error.message
    return f"Unexpected error ({code}): {error.error.message}"


def find_artists(client: Client | AuthenticatedClient, genre: str) -> list[str]:
    """Slugs of every artist of a genre: follow the pages until ``next`` is null."""
    slugs: list[str] = []
    page_number = 1
    while True:
        page = artists_list.sync(client=client, genre=genre, page=page_number, page_size=50)
        if isinstance(page, ErrorResponse):
            raise UmbrellaError(page)
        assert isinstance(page, PaginatedArtistCardList)  # noqa: S101 (None: undocumented status)
        slugs += [card.slug for card in page.results]
        if page.next_ is None:
            return slugs
        page_number += 1


def artist_summary(client: Client | AuthenticatedClient, slug: str) -> str:
    artist = artists_retrieve.sync(slug, client=client)
    if isinstance(artist, ErrorResponse):
        raise UmbrellaError(artist)
    assert isinstance(artist, ArtistPublic)  # noqa: S101
    # assert_type: mypy fails here if a list field loses its item type (becomes Any)
    kinds = assert_type(artist.performance_types, list[PerformanceType])
    genres = ", ".join([artist.primary_genre, *assert_type(artist.secondary_genres, list[str])])
    return f"{artist.stage_name} ({genres}; {', '.join(k.value for k in kinds)})"


def upload_avatar(client: AuthenticatedClient, image: Path) -> str | None:
    with image.open("rb") as payload:
        body = ImageInputRequest(
            image=File(payload=payload, file_name=image.name, mime_type="image/jpeg")
        )
        profile = artists_me_avatar_update.sync(client=client, body=body)
    if isinstance(profile, ErrorResponse):
        if profile.error.code in (ErrorCode.FILE_TOO_LARGE, ErrorCode.UNSUPPORTED_TYPE):
            print(explain(profile), file=sys.stderr)
            return None
        raise UmbrellaError(profile)
    assert isinstance(profile, ArtistOwn)  # noqa: S101
    return profile.avatar_url


def move_to(client: AuthenticatedClient, timezone: str) -> MeOutput:
    me = me_update.sync(client=client, body=PatchedMeUpdateInputRequest(timezone=timezone))
    if isinstance(me, ErrorResponse):
        raise UmbrellaError(me)
    assert isinstance(me, MeOutput)  # noqa: S101
    if assert_type(me.role, RoleOrBlank) == RoleOrBlank.NOT_CHOSEN:
        print("Next: choose a role (POST /api/v1/onboarding/role).")
    return me


def read_unread(client: AuthenticatedClient) -> list[str]:
    """Texts of every unread notification, then all marked read: follow the cursor to the end."""
    texts: list[str] = []
    cursor: str | None = None
    while True:
        page = notifications_list.sync(
            client=client, unread=True, page_size=100, cursor=UNSET if cursor is None else cursor
        )
        if isinstance(page, ErrorResponse):
            raise UmbrellaError(page)
        assert isinstance(page, PaginatedNotificationList)  # noqa: S101
        items = assert_type(page.results, list[Notification])
        texts += [f"{item.label}: {item.text} ({item.target_url})" for item in items]
        if page.next_ is None:
            break
        cursor = parse_qs(urlsplit(page.next_).query)["cursor"][0]
    marked = notifications_read.sync(client=client, body=NotificationReadInputRequest(all_=True))
    if isinstance(marked, ErrorResponse):
        raise UmbrellaError(marked)
    assert isinstance(marked, NotificationReadOutput)  # noqa: S101
    return texts


def main() -> None:
    base_url = os.environ.get("UMBRELLA_URL", "http://127.0.0.1:8000")
    genre, image = sys.argv[1], Path(sys.argv[2])
    public = Client(base_url=base_url)
    for slug in find_artists(public, genre)[:3]:
        print(artist_summary(public, slug))
    signed_in = AuthenticatedClient(base_url=base_url, token=os.environ["UMBRELLA_TOKEN"])
    print(move_to(signed_in, "Europe/Berlin").timezone)
    print(upload_avatar(signed_in, image))
    print("\n".join(read_unread(signed_in)))


if __name__ == "__main__":
    main()
