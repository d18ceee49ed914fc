"""Demo conversations between the demo accounts, through the services. Safe to run again."""

from collections.abc import Callable

from accounts.models import User
from messaging import services
from messaging.models import Message

DEMO_CONVERSATIONS = [
    (
        "venue@demo.umbrella.test",
        "artist@demo.umbrella.test",
        [
            ("venue", "Hi Nova! Loved your set last month. Are you free for a Friday slot?"),
            ("artist", "Thanks! Fridays work. What's the set length and the backline?"),
            ("venue", "Ninety minutes, full drum kit and two amps on stage. I'll post the gig."),
        ],
    ),
    (
        "fan@demo.umbrella.test",
        "artist@demo.umbrella.test",
        [
            ("fan", "Your new single is on repeat here. Any shows in Austin soon?"),
        ],
    ),
]


def seed(say: Callable[[str], None]) -> None:
    for first_email, second_email, lines in DEMO_CONVERSATIONS:
        first = User.objects.filter(email=first_email).first()
        second = User.objects.filter(email=second_email).first()
        if first is None or second is None or not second.onboarding_complete:
            say(f"skipped   conversation {first_email} -> {second_email} (accounts missing)")
            continue
        conversation, _created = services.conversation_open(user=first, other_id=second.pk)
        if Message.objects.filter(conversation=conversation).exists():
            say(f"exists    conversation {first_email} <-> {second_email}")
            continue
        by_role = {"venue": first, "fan": first, "artist": second}
        for who, content in lines:
            services.message_send(
                user=by_role[who], conversation_id=conversation.pk, content=content
            )
        say(f"created   conversation {first_email} <-> {second_email} ({len(lines)} messages)")
