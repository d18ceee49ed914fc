"""Demo Violet history for the demo artist: a few offline drafts made through the services (so
they count against that day's allowance like any other). Safe to run again."""

from collections.abc import Callable
from typing import Any

from accounts.models import User
from marketplace.models import Gig, GigStatus
from messaging.models import Membership
from violet import services
from violet.models import Generation
from violet.providers.offline import OfflineProvider

DEMO_ARTIST = "artist@demo.umbrella.test"


def _requests(artist: User) -> list[tuple[str, dict[str, Any]]]:
    requests: list[tuple[str, dict[str, Any]]] = [
        ("bio", {"length": "short", "voice": "third", "tone": "warm"}),
        ("tagline", {"tone": "bold"}),
        ("social_captions", {"topic": "New single out Friday", "count": 3}),
        ("setlist_ideas", {"minutes": 30}),
    ]
    gig = Gig.objects.filter(status=GigStatus.OPEN).order_by("starts_at", "id").first()
    if gig is not None:
        requests.append(("gig_pitch", {"gig": gig.pk}))
    conversation = (
        Membership.objects.filter(user=artist).order_by("-last_message_at", "-id").first()
    )
    if conversation is not None:
        requests.append(("message_reply", {"conversation": conversation.conversation_id}))
    return requests


def seed(say: Callable[[str], None]) -> None:
    artist = User.objects.filter(email=DEMO_ARTIST).first()
    if artist is None or not hasattr(artist, "artist_profile"):
        say(f"skipped   Violet history of {DEMO_ARTIST} (artist missing)")
        return
    if Generation.objects.filter(artist__user=artist).exists():
        say(f"exists    Violet history of {DEMO_ARTIST}")
        return
    made = 0
    for tool, inputs in _requests(artist):
        services.generate(user=artist, tool=tool, inputs=inputs, provider=OfflineProvider())
        made += 1
    say(f"created   Violet history of {DEMO_ARTIST} ({made} offline drafts)")
