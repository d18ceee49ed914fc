"""Demo conversations between the demo accounts, through the services. Safe to run again."""

from collections.abc import Callable

from accounts.models import User
from messaging import services
from messaging.fans import imports
from messaging.fans import services as fans
from messaging.models import Campaign, ContactList, Delivery, Message

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


DEMO_FAN_LIST = ("artist@demo.umbrella.test", "Austin fans", "Show news and first dibs on tickets.")
# Fictional addresses and 555-01xx numbers; one row of each kind the import refuses.
DEMO_FANS_CSV = """email,phone,name,city,region
maya@fans.example,+15125550101,Maya Ortiz,Austin,TX
leo@fans.example,512-555-0102,Leo Park,Austin,TX
priya@fans.example,,Priya Nair,Round Rock,TX
,+15125550104,Sam Doe,San Marcos,TX
jo@fans.example,,Jo Kim,Houston,TX
not-an-email,,Bad Row,Austin,TX
leo@fans.example,,Leo again,Austin,TX
"""


def seed_fan_list(say: Callable[[str], None]) -> None:
    email, name, description = DEMO_FAN_LIST
    artist = User.objects.filter(email=email).first()
    if artist is None or not hasattr(artist, "artist_profile"):
        say(f"skipped   fan list of {email} (artist missing)")
        return
    if ContactList.objects.filter(artist__user=artist, name=name).exists():
        say(f"exists    fan list “{name}” of {email}")
        return
    contact_list = fans.contact_list_create(user=artist, name=name, description=description)
    job = imports.import_preview(
        user=artist, list_id=contact_list.pk, data=DEMO_FANS_CSV.encode(), filename="fans.csv"
    )
    job = imports.import_confirm(user=artist, job_id=job.pk, consent_confirmed=True)
    say(
        f"created   fan list “{name}” of {email} ({job.imported_count} fans imported, "
        f"{job.rejected_count} rows refused)"
    )


DEMO_CAMPAIGN = (
    "New single: Night Drive",
    "{artist}: Night Drive is out",
    "Hi {first_name},\n\nNight Drive is out today, everywhere you listen. Thank you for being "
    "here from the start.\n\n{artist}",
)


def seed_campaign(say: Callable[[str], None]) -> None:
    """A sent email campaign to the demo list, with a report: every fan sent, two delivered,
    one hard bounce (that address is opted out). The demo addresses are fictional: the emails
    go to Django's in-memory backend, never to a provider."""
    from django.test.utils import override_settings

    from messaging.campaigns import services as campaigns

    email, list_name, _ = DEMO_FAN_LIST
    artist = User.objects.filter(email=email).first()
    contact_list = ContactList.objects.filter(artist__user=artist, name=list_name).first()
    if artist is None or contact_list is None:
        say("skipped   demo campaign (fan list missing)")
        return
    name, subject, body = DEMO_CAMPAIGN
    if Campaign.objects.filter(artist__user=artist, name=name).exists():
        say(f"exists    campaign “{name}”")
        return
    with override_settings(CAMPAIGNS_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        campaign = campaigns.campaign_create(
            user=artist,
            channel="email",
            contact_list_id=contact_list.pk,
            name=name,
            subject=subject,
            body=body,
        )
        campaigns.campaign_schedule(user=artist, campaign_id=campaign.pk)
        campaigns.campaign_start(campaign_id=campaign.pk)  # (nothing if a task did it)
        while campaigns.send_batch(campaign_id=campaign.pk).progressed:
            pass
    deliveries = list(Delivery.objects.filter(campaign=campaign).order_by("id"))
    for index, delivery in enumerate(deliveries):
        kind = "bounced" if index == len(deliveries) - 1 else "delivered"
        if index < 2 or kind == "bounced":
            campaigns.email_event(
                event_type=kind, message_id=None, delivery_key=delivery.idempotency_key
            )
    say(f"created   campaign “{name}” (sent to {len(deliveries)} fans, one bounce)")


def seed(say: Callable[[str], None]) -> None:
    seed_fan_list(say)
    seed_campaign(say)
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
