"""What the API fuzz tests stand on: the schema, real objects and credentials per role, the seed,
the statuses each operation may answer, hostile-input generators, and the hit counts.

* ``FUZZ_SEED`` replays a run (the seed is printed in the pytest header and summary);
  ``FUZZ_EXAMPLES`` sets the examples per operation and role (default 3).
* :func:`build_world` makes, inside the test's transaction, an onboarded artist with two tracks
  (real WAV audio), a media file and a profile picture; another artist with a track (whose ids
  must stay out of reach); a fan; a newcomer who has not chosen a role; an artist half-way
  through onboarding; and signs each role in through the app-client login, as an app would.
"""

import io
import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import jwt
import schemathesis
from allauth.headless.tokens.strategies.jwt import internal as jwt_internal
from allauth.usersessions.models import UserSession
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from PIL import Image

from accounts.models import Role
from artists.demo import tone_wav
from artists.models import ArtistProfile, MediaCategory, MediaFile, MediaQuota, MediaStatus, Track
from events.models import DeadLetter, Outcome, WebhookDelivery
from events.services import apps as app_services
from events.services.tokens import app_token_issue
from marketplace import services as marketplace_services
from messaging.fans import imports as fan_imports
from messaging.fans import services as fan_services
from tests.accounts.factories import PASSWORD, NewUserFactory, UserFactory
from tests.artists.factories import PNG_1PX, ArtistProfileFactory
from tests.events.factories import manifest as app_manifest
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from tests.umbrella.fuzz_seed import EXAMPLES, SEED
from umbrella.wsgi import application

# --- the app, in process ----------------------------------------------------------------------


def in_process_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The project's WSGI application, run the way ``django.test.Client`` runs it.

    Django closes "old" database connections when a request starts and finishes; inside a test
    that would close the connection that holds the test transaction. So that handler is
    disconnected while the request runs and its response is read and closed.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_app)
schema.config.seed = SEED

OPERATIONS = [
    (operation.method.upper(), operation.path)
    for result in schema.get_all_operations()
    for operation in [result.ok()]
]


def operation_id(method: str, path: str) -> str:
    return f"{method} {path.removeprefix('/api/v1')}"


# --- media ------------------------------------------------------------------------------------

WAV = tone_wav(seconds=1.0)


def png_bytes(width: int = 64, height: int = 64) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()


PNG = png_bytes()


# --- roles and the world ----------------------------------------------------------------------

ROLES = ["anonymous", "bad_token", "newcomer", "fan", "onboarding_artist", "artist", "venue"]
# Fuzzed only on the operations whose _ALLOWED entry names them: an app token is refused on
# every endpoint apps may not call (403 app_not_allowed), which proves nothing more each time.
# "app": the artist's app, a system call with its own token.
EXTRA_ROLES = ["app"]
# The world's app: the fixture manifest's scopes, and room events.
APP_SCOPES = ["rooms:read", "prizes:read", "winners:write", "realtime:publish"]
NEXT_VERSION = "1.1.0"

_login_client = Client()  # one instance: building the middleware chain for each sign-in is slow


def sign_in(user: Any) -> str:
    """A real app-client access token, from the endpoint the mobile app signs in with."""
    _login_client.cookies.clear()
    response = _login_client.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]["access_token"]


def expired(token: str) -> str:
    payload = jwt.decode(token, options={"verify_signature": False})
    payload["exp"] = int(time.time()) - 60
    config = jwt_internal._get_jwt_config()
    return jwt.encode(payload, config.signing_key, algorithm=config.algorithm)


def _track(artist: ArtistProfile, title: str, order: int) -> Track:
    track = Track(artist=artist, title=title, display_order=order, audio_size_bytes=len(WAV))
    track.duration_seconds = 1
    track.audio.save(f"{artist.slug}-{order}.wav", ContentFile(WAV), save=False)
    track.save()
    return track


@dataclass
class World:
    artist: ArtistProfile
    other: ArtistProfile
    onboarding: ArtistProfile
    track_ids: list[int]
    other_track_id: int
    media_id: int
    users: dict[str, Any]
    venue_slug: str = ""
    gig_ids: list[int] = field(default_factory=list)
    application_ids: list[int] = field(default_factory=list)
    booking_ids: list[int] = field(default_factory=list)
    fan_list_ids: list[int] = field(default_factory=list)
    fan_member_ids: list[int] = field(default_factory=list)
    fan_import_ids: list[int] = field(default_factory=list)
    campaign_ids: list[int] = field(default_factory=list)
    app_ids: list[str] = field(default_factory=list)
    delivery_ids: list[int] = field(default_factory=list)
    dead_letter_ids: list[int] = field(default_factory=list)
    room_ids: list[int] = field(default_factory=list)
    participant_ids: list[int] = field(default_factory=list)
    prize_ids: list[int] = field(default_factory=list)
    winner_ids: list[int] = field(default_factory=list)
    generation_ids: list[int] = field(default_factory=list)
    # What the room operations' repairs need to reach their success path: the artist's draft
    # room (to activate), the app's newer version (to upgrade to), a participant who has not
    # won the prize yet (to pick).
    draft_room_id: int = 0
    next_version: str = ""
    pickable_participant_id: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    bad_tokens: list[str] = field(default_factory=list)

    def session_ids(self, role: str) -> list[int]:
        user = self.users.get(role)
        if user is None:
            return []
        return list(UserSession.objects.filter(user=user).values_list("pk", flat=True))


def build_world() -> World:
    artist = ArtistProfileFactory(stage_name="Nova Reyes")
    tracks = [_track(artist, "First Light", 0), _track(artist, "Second Wind", 1)]
    media = MediaFile(
        artist=artist,
        category=MediaCategory.PRESS_PHOTO,
        filename="promo.png",
        size_bytes=len(PNG_1PX),
        mime_type="image/png",
        status=MediaStatus.READY,
    )
    media.file.save(f"{artist.pk}/promo.png", ContentFile(PNG_1PX), save=False)
    media.save()
    artist.avatar.save(f"{artist.slug}-avatar.jpg", ContentFile(PNG), save=True)
    MediaQuota.objects.filter(artist=artist).update(used_bytes=2 * len(WAV) + len(PNG_1PX))
    other = ArtistProfileFactory()
    other_track = _track(other, "Not Yours", 0)
    onboarding = ArtistProfileFactory(
        onboarding_step=2, user__onboarding_complete=False, performance_types=[]
    )
    # The marketplace: a venue with an open gig the artist applied to, a gig of another venue,
    # and a completed booking of the artist (reviews may be written on it).
    venue = VenueProfileFactory(name="The Blue Door")
    open_gig = GigFactory(venue=venue)
    elsewhere = GigFactory()
    applied = marketplace_services.application_create(
        user=artist.user, gig_id=open_gig.pk, data={"pitch": "Pick us"}
    )
    played = GigFactory(venue=venue)
    played_application = marketplace_services.application_create(
        user=artist.user, gig_id=played.pk, data={}
    )
    booking = marketplace_services.application_accept(
        user=venue.user, application_id=played_application.pk
    )
    marketplace_services.gig_complete(gig_id=played.pk, now=played.ends_at)
    # Fan lists: the artist's list with a member and a previewed import; another artist's list.
    fan_list = fan_services.contact_list_create(user=artist.user, name="Fans")
    member = fan_services.member_add(user=artist.user, list_id=fan_list.pk, email="f@example.com")
    preview = fan_imports.import_preview(
        user=artist.user, list_id=fan_list.pk, data=b"email\nnew@example.com\n"
    )
    not_yours = fan_services.contact_list_create(user=other.user, name="Theirs")
    # Campaigns: drafts of the artist's (to that list's fans) and one of another artist.
    from messaging.campaigns import services as campaign_services

    drafts = [
        campaign_services.campaign_create(
            user=owner.user, channel="email", name="Fuzz", subject="Hi", body="Hi {first_name}"
        ).pk
        for owner in (artist, artist, other)
    ]
    # The app platform: the artist's app (its webhooks on a closed local port, so a test event
    # or a replay fails at once; it may publish room events), one recorded attempt and one dead
    # letter; another's app.
    registration = app_services.app_register(
        owner=artist.user,
        manifest=app_manifest(base_url="http://127.0.0.1:9", permissions=APP_SCOPES),
    )
    app = registration.app
    theirs = app_services.app_register(owner=other.user, manifest=app_manifest()).app
    delivery = WebhookDelivery.objects.create(
        app=app,
        capability="notifications",
        event="room.updated",
        webhook_id="msg_fuzz_1",
        outcome=Outcome.SUCCESS,
        status_code=200,
    )
    dead = DeadLetter.objects.create(
        app=app,
        capability="notifications",
        event="room.updated",
        webhook_id="msg_fuzz_2",
        payload={"room_id": 1},
        attempts=3,
    )
    # Rooms: the artist's active public room of that app, the fan and another person in it, a
    # prize and a win; another artist's private room (out of reach).
    from events.services import participants as room_participants
    from events.services import prizes as room_prizes
    from events.services import rooms as room_services
    from events.services import winners as room_winners

    fan = UserFactory()
    room = room_services.room_create(by=artist.user, app=app, name="Fuzz night")
    room_services.room_activate(room=room, by=artist.user)
    joined, _ = room_participants.participant_join(room=room, by=fan)
    winner_to_be, _ = room_participants.participant_join(room=room, by=UserFactory())
    prize = room_prizes.prize_create(room=room, by=artist.user, name="Vinyl", quantity=5)
    win = room_winners.winner_pick(
        room=room, by=artist.user, prize_id=prize.pk, participant_id=winner_to_be.pk
    )
    hidden = room_services.room_create(by=other.user, app=theirs, name="Private", is_public=False)
    # Violet: the artist's bio (savable) and captions (not savable) drafts; another's draft.
    from violet import services as violet_services

    drafts = [
        violet_services.generate(user=owner.user, tool=tool, inputs=inputs).pk
        for owner, tool, inputs in (
            (artist, "bio", {}),
            (artist, "social_captions", {"topic": "New single out Friday"}),
            (other, "tagline", {}),
        )
    ]
    draft = room_services.room_create(by=artist.user, app=app, name="Fuzz draft")
    # a newer version of the app: the rooms above (on 1.0.0) may upgrade to it
    newer = app_manifest(base_url="http://127.0.0.1:9", permissions=APP_SCOPES)
    newer["meta"] = {**newer["meta"], "version": NEXT_VERSION}
    app_services.app_version_publish(app=app, manifest=newer, by=artist.user)
    users = {
        "artist": artist.user,
        "fan": fan,
        "newcomer": NewUserFactory(),
        "onboarding_artist": onboarding.user,
        "venue": venue.user,
    }
    assert onboarding.user.role == Role.ARTIST
    world = World(
        artist=artist,
        other=other,
        onboarding=onboarding,
        track_ids=[t.pk for t in tracks],
        other_track_id=other_track.pk,
        media_id=media.pk,
        users=users,
        venue_slug=venue.slug,
        gig_ids=[open_gig.pk, played.pk, elsewhere.pk],
        application_ids=[applied.pk, played_application.pk],
        booking_ids=[booking.pk],
        fan_list_ids=[fan_list.pk, fan_list.pk, not_yours.pk],
        fan_member_ids=[member.pk],
        fan_import_ids=[preview.pk],
        campaign_ids=drafts,
        app_ids=[app.app_id, app.app_id, app.app_id, theirs.app_id],
        delivery_ids=[delivery.pk],
        dead_letter_ids=[dead.pk],
        room_ids=[room.pk, room.pk, room.pk, hidden.pk],
        participant_ids=[joined.pk, winner_to_be.pk],
        prize_ids=[prize.pk],
        winner_ids=[win.pk],
        generation_ids=[drafts[0], drafts[0], drafts[1], drafts[2]],
        draft_room_id=draft.pk,
        next_version=NEXT_VERSION,
        pickable_participant_id=joined.pk,
    )
    for role, user in users.items():
        world.tokens[role] = sign_in(user)
    # the artist's app, signed in with its client secret (a system call: no person)
    world.tokens["app"] = app_token_issue(
        app_id=app.app_id, app_secret=registration.client_secret
    ).access_token
    good = sign_in(UserFactory())
    world.bad_tokens = [
        expired(good),
        good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "not-a-jwt",
    ]
    return world


# --- what each operation may answer -----------------------------------------------------------

# Statuses any signed-in caller may get from any write with a body it chose: malformed or
# invalid input (400), a body over the size limit (413), a media type the view does not parse
# (415). Reads add nothing beyond what is listed per operation.
BODY = {400, 413, 415}


def OWNERS(statuses: set[int]) -> dict[str, set[int]]:
    """Both artists with a profile: the own-profile endpoints work during onboarding too."""
    return {"artist": statuses, "onboarding_artist": statuses}


# operation -> role -> statuses. "signed_in" is the default for the four signed-in roles,
# "public" for anonymous on operations that need no sign-in.
_ALLOWED: dict[str, dict[str, set[int]]] = {
    # No authentication classes: a bad token is not even read.
    "GET /health": {"public": {200, 503}, "signed_in": {200, 503}, "bad_token": {200, 503}},
    "GET /health/live": {"public": {200}, "signed_in": {200}, "bad_token": {200}},
    "GET /me": {"signed_in": {200}},
    "PATCH /me": {"signed_in": {200} | BODY},
    "POST /onboarding/role": {
        "newcomer": {200} | BODY,
        # 409 role_locked: once onboarded, or once an artist saved a profile step
        "signed_in": {200, 409} | BODY,
    },
    "GET /auth/session": {"signed_in": {200}},
    "POST /auth/logout": {"signed_in": {204}},
    "GET /auth/sessions": {"signed_in": {200}},
    "DELETE /auth/sessions/{session_id}": {"signed_in": {204, 404}},
    "GET /artists/": {"public": {200, 400, 404}, "signed_in": {200, 400, 404}},
    "GET /artists/{slug}": {"public": {200, 404}, "signed_in": {200, 404}},
    "GET /artists/{slug}/tracks": {"public": {200, 404}, "signed_in": {200, 404}},
    "GET /artists/{slug}/stats": {"public": {200, 404}, "signed_in": {200, 404}},
    "POST /artists/{slug}/tracks/{track_id}/play": {
        "public": {204, 404},
        "signed_in": {204, 404},
        "bad_token": {204, 404},  # a counter: it reads no credentials at all
    },
    # The artist's own endpoints: other roles are refused as 403 not_an_artist (input may be
    # refused first, 400/413/415); an artist who is still onboarding may use them all.
    "GET /artists/me": {"signed_in": {403}, **OWNERS({200})},
    "PATCH /artists/me": {"signed_in": {403} | BODY, **OWNERS({200} | BODY)},
    "GET /artists/me/onboarding": {"signed_in": {200, 403}},
    "PUT /artists/me/onboarding/{number}": {
        "signed_in": {403, 404} | BODY,  # 404: no step with that number
        "artist": {200, 404} | BODY,
        "onboarding_artist": {200, 404, 409} | BODY,  # 409: a step not reached yet
    },
    "PUT /artists/me/avatar": {"signed_in": {403} | BODY, **OWNERS({200} | BODY)},
    "DELETE /artists/me/avatar": {"signed_in": {403}, **OWNERS({204})},
    "PUT /artists/me/banner": {"signed_in": {403} | BODY, **OWNERS({200} | BODY)},
    "DELETE /artists/me/banner": {"signed_in": {403}, **OWNERS({204})},
    "GET /artists/me/tracks": {"signed_in": {403}, **OWNERS({200})},
    "POST /artists/me/tracks": {"signed_in": {403} | BODY, **OWNERS({201} | BODY)},
    # 404: another artist's track, or none with that id
    "PATCH /artists/me/tracks/{track_id}": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({200, 404} | BODY),
    },
    "DELETE /artists/me/tracks/{track_id}": {"signed_in": {403, 404}, **OWNERS({204, 404})},
    "POST /artists/me/tracks/{track_id}/move": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({200, 404} | BODY),
    },
    "GET /artists/me/media": {"signed_in": {403, 400}, **OWNERS({200, 400, 404})},
    "POST /artists/me/media": {"signed_in": {403} | BODY, **OWNERS({201} | BODY)},
    "DELETE /artists/me/media/{media_id}": {"signed_in": {403, 404}, **OWNERS({204, 404})},
    "GET /artists/me/media/{media_id}/download": {
        "signed_in": {403, 404},
        **OWNERS({200, 404}),
    },
    # Local storage in tests: direct uploads are unavailable (409) for anyone who gets that far,
    # before any file is looked up.
    "POST /artists/me/media/uploads": {"signed_in": {403, 409} | BODY},
    "POST /artists/me/media/{media_id}/confirm": {"signed_in": {403, 409}},
    "GET /auth/sessions/ended": {"signed_in": {200}},
    # 400: a bad ?unread=, 404: a cursor not made by us
    "GET /notifications/": {"signed_in": {200, 400, 404}},
    "GET /notifications/unread-count": {"signed_in": {200}},
    # 404: an id that is not one of yours (the world's users have none yet)
    "POST /notifications/read": {"signed_in": {200, 404} | BODY},
    "GET /notifications/preferences": {"signed_in": {200}},
    "PUT /notifications/preferences": {"signed_in": {200} | BODY},
    # Marketplace. The world's venue has an open gig the artist applied to and a completed
    # booking of the artist; another venue has a gig. Other roles get 403 from the venue's and
    # the artist's own endpoints; a newcomer or an artist still onboarding meets the onboarding
    # gate (403) on writes (the venue's own onboarding and profile are exempt). 404: not yours,
    # or no such id; 409: a state rule (already applied, gig not open, already reviewed, ...).
    "GET /venues/me": {"signed_in": {403}, "venue": {200}},
    "PATCH /venues/me": {"signed_in": {403} | BODY, "venue": {200} | BODY},
    "GET /venues/me/onboarding": {"signed_in": {403}, "venue": {200}},
    "PUT /venues/me/onboarding/{number}": {
        "signed_in": {403, 404} | BODY,
        "venue": {200, 404} | BODY,
    },
    "GET /venues/me/gigs": {"signed_in": {403}, "venue": {200, 404}},
    "GET /venues/{slug}": {"public": {200, 404}, "signed_in": {200, 404}},
    "GET /gigs/": {"public": {200, 400, 404}, "signed_in": {200, 400, 404}},
    "POST /gigs/": {"signed_in": {403} | BODY, "venue": {201} | BODY},
    "GET /gigs/{gig_id}": {"public": {200, 404}, "signed_in": {200, 404}},
    "PATCH /gigs/{gig_id}": {"signed_in": {403} | BODY, "venue": {200, 404, 409} | BODY},
    "POST /gigs/{gig_id}/cancel": {"signed_in": {403} | BODY, "venue": {200, 404, 409} | BODY},
    "GET /gigs/{gig_id}/applications": {"signed_in": {403}, "venue": {200, 404}},
    "POST /gigs/{gig_id}/applications": {
        "signed_in": {403} | BODY,
        "artist": {201, 404, 409} | BODY,
    },
    "POST /applications/{application_id}/withdraw": {
        "signed_in": {403},
        "artist": {200, 404, 409},
    },
    "POST /applications/{application_id}/accept": {"signed_in": {403}, "venue": {201, 404, 409}},
    "POST /applications/{application_id}/reject": {
        "signed_in": {403} | BODY,
        "venue": {204, 404, 409} | BODY,
    },
    "GET /me/applications": {"signed_in": {403}, **OWNERS({200, 404})},
    # 400: a page or page_size that is no whole number; 404: a page past the last.
    "GET /me/gigs-for-you": {"signed_in": {403}, **OWNERS({200, 400, 404})},
    "GET /bookings/": {"signed_in": {200, 404}},
    "POST /bookings/{booking_id}/cancel": {
        "signed_in": {403, 404} | BODY,
        "artist": {200, 404, 409} | BODY,
        "venue": {200, 404, 409} | BODY,
    },
    "GET /me/availability": {"signed_in": {403}, **OWNERS({200})},
    "POST /me/availability": {"signed_in": {403} | BODY, "artist": {201} | BODY},
    "DELETE /me/availability/{entry_id}": {"signed_in": {403}, "artist": {204, 404}},
    # 409: a name already used, or the limit reached (examples repeat names).
    "GET /me/saved-searches": {"signed_in": {403}, **OWNERS({200})},
    "POST /me/saved-searches": {"signed_in": {403} | BODY, "artist": {201, 409} | BODY},
    "DELETE /me/saved-searches/{saved_search_id}": {"signed_in": {403}, "artist": {204, 404}},
    # Any onboarded user (a fan's feed is empty); newcomers are stopped by onboarding (403).
    "GET /me/calendar": {"signed_in": {200, 403}},
    "POST /me/calendar": {"signed_in": {201, 403}},
    "DELETE /me/calendar": {"signed_in": {204, 403}},
    "GET /artists/{slug}/reviews": {"public": {200, 404}, "signed_in": {200, 404}},
    "GET /venues/{slug}/reviews": {"public": {200, 404}, "signed_in": {200, 404}},
    "GET /bookings/{booking_id}/reviews": {
        "signed_in": {404},
        **{side: {200, 404} for side in ("artist", "venue")},
    },
    "POST /bookings/{booking_id}/reviews": {
        "signed_in": {403, 404} | BODY,
        **{side: {201, 404, 409} | BODY for side in ("artist", "venue")},
    },
    "POST /reviews/{review_id}/reply": {
        "signed_in": {403, 404} | BODY,
        **{side: {200, 404, 409} | BODY for side in ("artist", "venue")},
    },
    # Messaging. Conversations and people of the world are mostly unknown ids: 404. A new
    # conversation needs an artist or venue on the other side (403 not_messageable), and no
    # block (403 blocked); writes of a newcomer or an artist still onboarding: 403; sending is
    # rate-limited per person (429).
    "GET /conversations/": {"signed_in": {200, 404}},
    "POST /conversations/": {"signed_in": {200, 201, 403, 404} | BODY},
    "GET /conversations/unread": {"signed_in": {200}},
    "GET /conversations/{conversation_id}": {"signed_in": {200, 404}},
    "GET /conversations/{conversation_id}/messages": {"signed_in": {200, 400, 404}},
    "POST /conversations/{conversation_id}/messages": {
        "signed_in": {201, 403, 404, 409, 429} | BODY
    },
    "POST /conversations/{conversation_id}/read": {"signed_in": {200, 403, 404} | BODY},
    "GET /blocks/": {"signed_in": {200}},
    "POST /blocks/": {"signed_in": {201, 403, 404} | BODY},
    "DELETE /blocks/{user_id}": {"signed_in": {204, 403}},
    "POST /reports/": {"signed_in": {201, 403, 404} | BODY},
    # Fan lists: other roles are 403 not_an_artist (input may be refused first); the world's
    # ids are mostly not the artist's lists, members or imports: 404; an artist still
    # onboarding reads (or has no profile yet: 404) but may not write (403).
    "GET /fan-lists/": {"signed_in": {403}, **OWNERS({200, 404})},
    "POST /fan-lists/": {"signed_in": {403} | BODY, **OWNERS({201, 403, 404, 409} | BODY)},
    "GET /fan-lists/{list_id}": {"signed_in": {403, 404}, **OWNERS({200, 404})},
    "PATCH /fan-lists/{list_id}": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({200, 403, 404} | BODY),
    },
    "DELETE /fan-lists/{list_id}": {"signed_in": {403, 404}, **OWNERS({204, 403, 404})},
    "GET /fan-lists/{list_id}/members": {
        "signed_in": {400, 403, 404},
        **OWNERS({200, 400, 404}),
    },
    "POST /fan-lists/{list_id}/members": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({201, 403, 404, 409} | BODY),
    },
    "DELETE /fan-lists/{list_id}/members/{member_id}": {
        "signed_in": {403, 404},
        **OWNERS({204, 403, 404}),
    },
    "POST /fan-lists/{list_id}/imports": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({201, 403, 404} | BODY),
    },
    "GET /fan-imports/{job_id}": {"signed_in": {403, 404}, **OWNERS({200, 404})},
    "POST /fan-imports/{job_id}/confirm": {
        "signed_in": {403, 404} | BODY,
        **OWNERS({200, 202, 403, 404, 409} | BODY),
    },
    # Campaigns: the artist's own (others 403 not_an_artist); writes of an artist still
    # onboarding meet the onboarding gate (403); 404: not yours, or no such id (or a cursor
    # not made by us); 409: a state rule (not a draft, nobody reachable).
    "GET /campaigns/": {"signed_in": {403}, **OWNERS({200, 404})},
    "POST /campaigns/": {"signed_in": {403} | BODY, **OWNERS({201, 403} | BODY)},
    "GET /campaigns/{campaign_id}": {"signed_in": {403}, **OWNERS({200, 404})},
    "PATCH /campaigns/{campaign_id}": {
        "signed_in": {403} | BODY,
        **OWNERS({200, 403, 404, 409} | BODY),
    },
    "DELETE /campaigns/{campaign_id}": {"signed_in": {403}, **OWNERS({204, 403, 404, 409})},
    "GET /campaigns/{campaign_id}/preview": {"signed_in": {403}, **OWNERS({200, 404})},
    "GET /campaigns/{campaign_id}/report": {"signed_in": {403}, **OWNERS({200, 404})},
    "POST /campaigns/{campaign_id}/schedule": {
        "signed_in": {403} | BODY,
        **OWNERS({200, 403, 404, 409} | BODY),
    },
    "POST /campaigns/{campaign_id}/unschedule": {
        "signed_in": {403},
        **OWNERS({200, 403, 404, 409}),
    },
    # Events, the platform API for apps: the token exchange reads no credentials but its body
    # (401 invalid_client for made-up ones); the app-only reads refuse people (403 app_required).
    "POST /apps/token": {
        "public": {401} | BODY,
        "signed_in": {401} | BODY,
        "bad_token": {401} | BODY,
    },
    "GET /apps/me": {"signed_in": {403}},
    # The app console's API: any onboarded user may register apps (newcomers and artists still
    # onboarding: 403); an app is its owner's (the artist's), anyone else's lookups are 404.
    # Lists check their filters first (400 for anyone), then who asks.
    # No authentication classes: a bad token is not even read.
    "GET /apps/manifest-schema": {"public": {200}, "signed_in": {200}, "bad_token": {200}},
    "GET /apps/": {"signed_in": {200, 400, 403, 404}},  # 404: a page past the end
    "POST /apps/": {"signed_in": {201, 403, 409} | BODY},
    **{
        op: {"signed_in": {403, 404} | extra, "artist": owner | extra}
        for op, owner, extra in (
            ("GET /apps/{app_id}", {200, 404}, set()),
            ("PATCH /apps/{app_id}", {200, 404, 409}, BODY),
            ("GET /apps/{app_id}/versions", {200, 404}, set()),
            ("POST /apps/{app_id}/rotate-secret", {200, 201, 404, 409}, BODY),
            ("POST /apps/{app_id}/deprecate-version", {200, 404, 409}, BODY),
            ("GET /apps/{app_id}/deliveries/", {200, 400, 404}, {400}),
            ("GET /apps/{app_id}/deliveries/{delivery_id}", {200, 404}, set()),
            ("GET /apps/{app_id}/dead-letters/", {200, 400, 404}, {400}),
            ("GET /apps/{app_id}/dead-letters/{dead_letter_id}", {200, 404}, set()),
            ("DELETE /apps/{app_id}/dead-letters/{dead_letter_id}", {204, 404}, set()),
            (
                "POST /apps/{app_id}/dead-letters/{dead_letter_id}/replay",
                {200, 202, 404, 409},
                BODY,
            ),
            ("POST /apps/{app_id}/dead-letters/replay", {200, 202, 404, 409}, BODY),
            ("POST /apps/{app_id}/test-event", {200, 404, 409}, BODY),
            ("GET /apps/{app_id}/metrics", {200, 400, 404}, {400}),
        )
    },
    "GET /users/{user_id}": {"signed_in": {403}},
    # Rooms (docs/rooms.md): reads are public for public rooms (a private one is 404 to
    # non-members); writes need a role in the room (403), a state that allows them (409), and
    # anonymous callers get 401 (or 404 for a room they may not see). Filters and bodies: 400.
    # Apps call them too: a generated X-App-Token that is not one is 401 for anyone.
    **{
        op: {"public": {200, 400, 401, 404}, "signed_in": {200, 400, 401, 404}}
        for op in (
            "GET /rooms/",
            "GET /rooms/{room_id}",
            "GET /rooms/{room_id}/draws/",
            "GET /rooms/{room_id}/draws/{number}",
            "GET /rooms/{room_id}/participants/",
            "GET /rooms/{room_id}/participants/{participant_id}",
            "GET /rooms/{room_id}/prizes/",
            "GET /rooms/{room_id}/prizes/{prize_id}",
            "GET /rooms/{room_id}/winners/",
            "GET /rooms/{room_id}/quiz",
        )
    },
    **{
        op: {"public": {401, 404} | BODY, "signed_in": {200, 201, 204, 401, 403, 404, 409} | BODY}
        for op in (
            "POST /rooms/",
            "PATCH /rooms/{room_id}",
            "DELETE /rooms/{room_id}",
            "POST /rooms/{room_id}/activate",
            "POST /rooms/{room_id}/cancel",
            "POST /rooms/{room_id}/complete",
            "POST /rooms/{room_id}/upgrade-manifest",
            "POST /rooms/{room_id}/draw",
            "POST /rooms/{room_id}/participants/",
            "PATCH /rooms/{room_id}/participants/{participant_id}",
            "DELETE /rooms/{room_id}/participants/{participant_id}",
            "DELETE /rooms/{room_id}/participants/me",
            "POST /rooms/{room_id}/prizes/",
            "PATCH /rooms/{room_id}/prizes/{prize_id}",
            "DELETE /rooms/{room_id}/prizes/{prize_id}",
            "POST /rooms/{room_id}/winners/",
            "DELETE /rooms/{room_id}/winners/{winner_id}",
        )
    },
    # App events: app tokens only; a person's token is refused. The world's app publishes in
    # its own rooms (another app's room is 404); at most 10 a second per room (429); a
    # generated X-App-Token that is not one is 401, as above.
    "POST /rooms/{room_id}/events": {
        "public": {401, 403, 404} | BODY,
        "signed_in": {401, 403, 404} | BODY,
        "app": {201, 401, 404, 429} | BODY,
    },
    # Analytics: an artist's or a venue's own figures (other roles 403 not_artist_or_venue; a
    # range the rule refuses, or a period not offered, 400); the artist's choice of public
    # figures (others 403 not_an_artist; an artist still onboarding reads it but may not write:
    # 403); what a public artist shows (404 for a slug that is not a public artist's).
    **{
        op: {
            "signed_in": {403},
            **{r: {200, 400} for r in ("artist", "onboarding_artist", "venue")},
        }
        for op in ("GET /analytics/daily/", "GET /analytics/summary")
    },
    "GET /analytics/public-stats": {"signed_in": {403}, **OWNERS({200})},
    "PUT /analytics/public-stats": {
        "signed_in": {403} | BODY,
        "artist": {200} | BODY,
        "onboarding_artist": {403} | BODY,
    },
    "GET /analytics/artists/{slug}/public-stats": {"public": {200, 404}, "signed_in": {200, 404}},
    "POST /apps/{app_id}/webhooks/{capability}/enable": {
        "signed_in": {403, 404} | BODY,
        "artist": {200, 400, 404} | BODY,
    },
    # Violet: artists only (others 403 not_an_artist, input may be refused first); an artist
    # still onboarding reads but may not write (403). Offline provider: no 502/504 here; the
    # allowance is not reached (each example rolls back). 404: a gig, booking, conversation or
    # draft that is not there or not yours (or a cursor not made by us); 409: a gig not open, a
    # draft with no profile field to go into; 400 on save: the profile refused the text.
    "GET /violet/tools": {"signed_in": {403}, **OWNERS({200})},
    "POST /violet/generate": {
        "signed_in": {403} | BODY,
        "artist": {201, 404, 409} | BODY,
        "onboarding_artist": {403} | BODY,
    },
    "GET /violet/history": {"signed_in": {403}, **OWNERS({200, 400, 404})},
    "GET /violet/history/{generation_id}": {"signed_in": {403, 404}, **OWNERS({200, 404})},
    "POST /violet/history/{generation_id}/save": {
        "signed_in": {403, 404},
        "artist": {200, 400, 404, 409},
        "onboarding_artist": {403},
    },
    "GET /violet/usage": {"signed_in": {403}, **OWNERS({200})},
}


def roles_of(op: str) -> list[str]:
    """The roles ``op`` is fuzzed as: every role, and the extra ones its entry names."""
    return ROLES + [role for role in EXTRA_ROLES if role in _ALLOWED[op]]


def allowed(op: str, role: str) -> set[int]:
    table = _ALLOWED[op]
    if role in table:
        return table[role]
    if role == "anonymous":
        return table.get("public", {401})
    if role == "bad_token":
        return {401}
    return table["signed_in"]


def key_operations() -> dict[tuple[str, str], float]:
    """(operation, role) -> the least share of 2xx answers a run must reach."""
    return {
        ("POST /artists/me/tracks", "artist"): 0.2,
        ("PATCH /artists/me", "artist"): 0.2,
        ("PUT /artists/me/onboarding/{number}", "onboarding_artist"): 0.2,
        ("GET /artists/{slug}", "anonymous"): 0.2,
        ("GET /artists/{slug}", "fan"): 0.2,
        ("PATCH /artists/me/tracks/{track_id}", "artist"): 0.2,
        ("PATCH /me", "fan"): 0.2,
        ("POST /violet/generate", "artist"): 0.2,
        ("GET /analytics/daily/", "artist"): 0.2,
        ("GET /analytics/daily/", "venue"): 0.2,
        # the rooms' writes, with the bodies and rooms the repairs give them
        ("POST /rooms/", "artist"): 0.2,
        ("POST /rooms/{room_id}/activate", "artist"): 0.2,
        ("POST /rooms/{room_id}/upgrade-manifest", "artist"): 0.2,
        ("POST /rooms/{room_id}/winners/", "artist"): 0.2,
        ("POST /rooms/{room_id}/events", "app"): 0.2,
    }


# --- hit counts -------------------------------------------------------------------------------

HITS: dict[tuple[str, str], Counter[int]] = defaultdict(Counter)


def summary_lines() -> list[str]:
    if not HITS:
        return []
    lines = [f"API fuzz (FUZZ_SEED={SEED}, FUZZ_EXAMPLES={EXAMPLES}): 2xx / requests per role"]
    by_op: dict[str, list[str]] = defaultdict(list)
    for (op, role), counts in sorted(HITS.items()):
        total = sum(counts.values())
        ok = sum(n for status, n in counts.items() if 200 <= status < 300)
        by_op[op].append(f"{role} {ok}/{total}")
    width = max(len(op) for op in by_op)
    for op, parts in by_op.items():
        lines.append(f"  {op:<{width}}  " + ", ".join(parts))
    return lines


# --- hostile input ----------------------------------------------------------------------------

DEPTH = 5000


def deep_json(kind: str) -> bytes:
    if kind == "array":
        return b"[" * DEPTH + b"]" * DEPTH
    return b'{"a":' * DEPTH + b"1" + b"}" * DEPTH


# Strings a client can put in JSON that trip up encoders, databases and terminals.
NASTY_STRINGS = {
    "lone_high_surrogate": "\ud800",
    "lone_low_surrogate": "x\udfffy",
    "nul": "a\x00b",
    "control_chars": "\x01\x07\x1b[31m\x7f",
    "bidi_override": "\u202egnp.exe",
    "line_separators": "a\u2028b\u2029c",
}

JSON_TYPE_VALUES: dict[str, Any] = {
    "null": None,
    "boolean": True,
    "integer": 7,
    "number": 1.5,
    "string": "text",
    "array": ["a", 1],
    "object": {"a": 1},
}


def schema_types(prop: dict[str, Any]) -> set[str]:
    """The JSON types a property accepts (``integer`` counts as a ``number`` too)."""
    kinds: set[str] = set()
    for option in [prop, *prop.get("oneOf", []), *prop.get("anyOf", []), *prop.get("allOf", [])]:
        kind = option.get("type")
        if isinstance(kind, list):
            kinds.update(kind)
        elif kind:
            kinds.add(kind)
        if option.get("nullable"):
            kinds.add("null")
        if "enum" in option:
            kinds.add("string")
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def json_dumps_raw(body: Any) -> bytes:
    """JSON text as a client may send it: lone surrogates stay ``\\ud800`` escapes."""
    return json.dumps(body).encode()


def body_fields(method: str, path: str) -> set[str]:
    """The property names an operation's request body documents (any media type)."""
    spec = schema.raw_schema
    content = spec["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
    names: set[str] = set()
    for media in content.values():
        node = media.get("schema", {})
        while "$ref" in node:
            target: Any = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        names.update(node.get("properties", {}))
    return names
