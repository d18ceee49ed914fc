"""One ordering of manifest versions (events.manifest.version_above, semver 2.0): the upgrade
targets a room is offered and the upgrade itself agree, pre-releases included (the service once
ignored pre-release tags, so ``1.1.0-rc.1`` → ``1.1.0`` was offered, then refused)."""

import pytest

from events.manifest import version_above
from events.selectors_rooms import upgrade_targets
from events.services import rooms as services
from tests.events.factories import RoomFactory
from tests.events.test_rooms_services import (
    LOTTERY_SETTINGS,
    error_of,
    lottery_app,
    publish_version,
)


@pytest.mark.parametrize(
    ("version", "than", "above"),
    [
        ("1.0.1", "1.0.0", True),
        ("1.10.0", "1.9.0", True),
        ("1.0.0", "1.0.0-rc.1", True),
        ("1.0.0-rc.2", "1.0.0-rc.1", True),
        ("1.0.0-rc.1", "1.0.0", False),
        ("1.0.0+build.7", "1.0.0", False),
        ("1.0.0", "1.0.0", False),
        ("0.9.9", "1.0.0", False),
        ("not-a-version", "1.0.0", False),
        ("1.0.0", "not-a-version", False),
    ],
)
def test_version_above_is_semver_order(version, than, above):
    assert version_above(version, than) is above


@pytest.mark.django_db
def test_a_room_on_a_release_candidate_is_offered_the_release_and_can_move_to_it():
    app = lottery_app()
    publish_version(app, "1.1.0-rc.1", LOTTERY_SETTINGS)
    room = RoomFactory(app=app, app_settings={"ticket_count": 5})
    assert room.app_manifest_version.version == "1.1.0-rc.1"
    publish_version(app, "1.1.0", LOTTERY_SETTINGS)
    publish_version(app, "1.2.0-beta.1", LOTTERY_SETTINGS)

    assert [v.version for v in upgrade_targets(room)] == ["1.1.0", "1.2.0-beta.1"]
    result = services.room_upgrade_manifest(room=room, by=room.created_by, target_version="1.1.0")

    assert (result["old_version"], result["new_version"]) == ("1.1.0-rc.1", "1.1.0")
    room.refresh_from_db()
    assert upgrade_targets(room) == [room.app.versions.get(version="1.2.0-beta.1")]
    error = error_of(
        services.room_upgrade_manifest, room=room, by=room.created_by, target_version="1.1.0"
    )
    assert error.code == "version_not_higher"
