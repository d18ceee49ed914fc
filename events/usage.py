"""Who uses an app: hooks that the rooms of the next issue register, asked by the app services.

The app platform comes before rooms, yet two of its rules are about rooms (SPEC-events §3):
a new manifest version may not remove a capability that active rooms use (the error gives their
number), and deprecating a version notifies the organizers of draft and active rooms still on
it. So :mod:`events.services.apps` asks this registry, and the rooms code registers its queries
here (in ``EventsConfig.ready()``) when it arrives. With nothing registered (today) no room uses
any app: the counts are 0 and nobody is notified.
"""

from collections.abc import Callable, Iterable
from typing import Protocol

from accounts.models import User
from events.models import App


class RoomCounter(Protocol):
    def __call__(self, *, app: App, capabilities: frozenset[str]) -> int:
        """How many active rooms of ``app`` use any of ``capabilities``."""
        ...


class VersionOrganizers(Protocol):
    def __call__(self, *, app: App, version: str) -> Iterable[User]:
        """The organizers of draft and active rooms of ``app`` locked to ``version``."""
        ...


_room_counters: list[RoomCounter] = []
_version_organizers: list[VersionOrganizers] = []


def _register(registry: list, hook: Callable) -> Callable[[], None]:
    if hook not in registry:
        registry.append(hook)
    return lambda: registry.remove(hook) if hook in registry else None


def room_counter_register(counter: RoomCounter) -> Callable[[], None]:
    """Add a counter of active rooms; returns the function that removes it again."""
    return _register(_room_counters, counter)


def version_organizers_register(finder: VersionOrganizers) -> Callable[[], None]:
    """Add a finder of the organizers on a version; returns the function that removes it."""
    return _register(_version_organizers, finder)


def active_rooms_using(*, app: App, capabilities: Iterable[str]) -> int:
    """Active rooms of ``app`` that use any of ``capabilities`` (0 when none are asked)."""
    wanted = frozenset(capabilities)
    if not wanted:
        return 0
    return sum(counter(app=app, capabilities=wanted) for counter in _room_counters)


def organizers_on_version(*, app: App, version: str) -> list[User]:
    """Organizers of draft and active rooms on ``version`` of ``app``, each once."""
    found: dict[int, User] = {}
    for finder in _version_organizers:
        for user in finder(app=app, version=version):
            found.setdefault(user.pk, user)
    return list(found.values())
