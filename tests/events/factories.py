import factory
from django.db import transaction

from events.models import App, AppManifestVersion, Participant, Prize, Role, Room, RoomStatus
from events.services.draws import commitment_create
from tests.accounts.factories import UserFactory


def manifest(**overrides: object) -> dict:
    """A valid manifest (SPEC-events §3) for an app served on localhost."""
    data: dict = {
        "meta": {
            "name": "Holiday Lottery",
            "version": "1.0.0",
            "description": "Draws the winners of a holiday lottery.",
            "author": "Example Apps",
            "homepage": "https://lottery.example.com",
        },
        "base_url": "http://127.0.0.1:8765",
        "capabilities": ["winner_selection", "notifications"],
        "permissions": ["rooms:read", "prizes:read", "winners:write"],
        "webhooks": {
            "winner_selection": "/hooks/winners",
            "notifications": {"path": "/hooks/notify", "timeout_ms": 30000, "async": True},
        },
        "fallbacks": {"winner_selection": "platform_random"},
        "settings": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"},
    }
    data.update(overrides)
    return data


WINNERS_HOOK = "/hooks/winners"  # manifest()'s winner_selection path
# An app that leaves the draw to the platform: no winner_selection webhook, no fallback.
NO_DRAW_APP = manifest(
    capabilities=["notifications"],
    webhooks={"notifications": {"path": "/hooks/notify", "async": True}},
    fallbacks={},
)


class AppFactory(factory.django.DjangoModelFactory):
    """An app with its first manifest version (no credentials: see events.services.credentials)."""

    class Meta:
        model = App
        skip_postgeneration_save = True

    app_id = factory.Sequence(lambda n: f"app_test_{n}")
    owner = factory.SubFactory(UserFactory)
    name = "Holiday Lottery"
    manifest = factory.LazyFunction(manifest)
    manifest_version = factory.LazyAttribute(lambda app: app.manifest["meta"]["version"])

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create:
            AppManifestVersion.objects.create(
                app=self, version=self.manifest_version, manifest=self.manifest
            )


class RoomFactory(factory.django.DjangoModelFactory):
    """A draft room on its app's current version, its creator its organizer. Use
    ``status=RoomStatus.ACTIVE`` for an active room (a commitment is made, as activation would)."""

    class Meta:
        model = Room
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Room {n}")
    app = factory.SubFactory(AppFactory)
    app_manifest_version = factory.LazyAttribute(
        lambda room: room.app.versions.get(version=room.app.manifest_version)
    )
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def organizer(self, create, extracted, **kwargs):
        if create:
            Participant.objects.create(room=self, user=self.created_by, role=Role.ORGANIZER)
            if self.status == RoomStatus.ACTIVE:
                with transaction.atomic():
                    commitment_create(room=self)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    room = factory.SubFactory(RoomFactory, status=RoomStatus.ACTIVE)
    user = factory.SubFactory(UserFactory)
    role = Role.PARTICIPANT


class PrizeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prize

    room = factory.SubFactory(RoomFactory, status=RoomStatus.ACTIVE)
    name = factory.Sequence(lambda n: f"Prize {n}")
    quantity = 1
    quantity_remaining = factory.LazyAttribute(lambda prize: prize.quantity)
