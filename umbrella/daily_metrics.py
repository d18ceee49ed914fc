"""Daily figures: what each domain contributes to the nightly analytics rollup, without being
imported by it and without importing it.

The analytics app (the top layer) keeps one row per artist and per venue per UTC day
(docs/analytics.md). The figures in it come from every domain: profile views from ``artists``,
gigs, applications and ratings from ``marketplace``, messages, fans and campaigns from
``messaging``. Each domain knows its own tables, so each registers here, in its
``AppConfig.ready()``, the functions that compute its figures; analytics asks this registry and
names no domain's tables.

Two kinds of entries, each for a *subject kind* (``ARTIST`` or ``VENUE``):

* :class:`Subjects` — who may get a row for a day: every artist (or venue) profile there is, with
  a display name kept as a snapshot (the rows outlive the profile). Figures of an id that is not
  among them are dropped, and the rows of ids no longer among them are left as they are.
* :class:`Figures` — one or more named figures for every subject at once. ``collect(day)`` runs
  **a bounded number of queries** (usually one ``GROUP BY``) for all subjects of the day and
  returns ``{subject id: {name: value}}``, leaving out subjects with nothing to report (their
  figures stay at the default). Never one query per subject: the rollup's query count must not
  grow with the number of artists.

A figure's name is the analytics model's column it fills; one name is filled by exactly one
registered :class:`Figures` (registering a second one for it is an error).
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ARTIST = "artist"
VENUE = "venue"
KINDS = (ARTIST, VENUE)


@dataclass(frozen=True)
class Day:
    """One UTC day, and the instants that bound it: ``start <= t < end``."""

    day: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time.min, tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(days=1)


SubjectsCollect = Callable[[Day], Mapping[int, str]]
FiguresCollect = Callable[[Day], Mapping[int, Mapping[str, Any]]]


@dataclass(frozen=True)
class Subjects:
    """Who may get a row of ``kind`` for a day: ``collect(day) -> {id: display name}``."""

    kind: str
    collect: SubjectsCollect

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"subject kind must be one of {KINDS}, not {self.kind!r}")


@dataclass(frozen=True)
class Figures:
    """Figures ``names`` of every subject of ``kind`` for a day, in a bounded number of queries:
    ``collect(day) -> {subject id: {name: value}}``."""

    kind: str
    names: tuple[str, ...]
    collect: FiguresCollect

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"subject kind must be one of {KINDS}, not {self.kind!r}")
        if not self.names or len(set(self.names)) != len(self.names):
            raise ValueError(f"figures need distinct names, not {self.names!r}")


@dataclass(frozen=True)
class _Entry:
    app: str
    subjects: tuple[Subjects, ...]
    figures: tuple[Figures, ...]


_registry: dict[str, _Entry] = {}


def register(
    app: str, *, subjects: tuple[Subjects, ...] = (), figures: tuple[Figures, ...] = ()
) -> None:
    """Record an app's subjects and figures (again: replaces them). Call from
    ``AppConfig.ready()``. Two apps may not both name the subjects of a kind, nor one figure."""
    for other in _registry.values():
        if other.app == app:
            continue
        kinds = {s.kind for s in other.subjects} & {s.kind for s in subjects}
        if kinds:
            raise ValueError(f"{app} and {other.app} both register the subjects {kinds}")
        names = _names(other.figures) & _names(figures)
        if names:
            raise ValueError(f"{app} and {other.app} both register the figures {names}")
    own = [(f.kind, name) for f in figures for name in f.names]
    if len(own) != len(set(own)):
        raise ValueError(f"{app} registers a figure twice: {sorted(own)}")
    _registry[app] = _Entry(app=app, subjects=tuple(subjects), figures=tuple(figures))


def unregister(app: str) -> None:
    _registry.pop(app, None)


def _names(figures: tuple[Figures, ...]) -> set[tuple[str, str]]:
    return {(f.kind, name) for f in figures for name in f.names}


def subjects_of(kind: str) -> Subjects | None:
    """The registered subjects of ``kind``, if an app registered them."""
    for entry in _registry.values():
        for subjects in entry.subjects:
            if subjects.kind == kind:
                return subjects
    return None


def figures_of(kind: str) -> list[Figures]:
    """Every registered :class:`Figures` of ``kind``, in registration order (lowest app first)."""
    return [f for entry in _registry.values() for f in entry.figures if f.kind == kind]


def figure_names(kind: str) -> set[str]:
    return {name for f in figures_of(kind) for name in f.names}
