"""Domain entry points: what each domain app offers the shared pages, without being imported.

The apps form layers (docs/architecture.md) and a lower app never names a higher one, not even
by URL. Yet the onboarding gate and the dashboard, both in ``accounts``, must know about pages
of the apps above it: which public pages stay open before onboarding, where a role's own
onboarding continues, and which cards a role sees on the dashboard. So each domain app
registers its entry points here in its ``AppConfig.ready()``, and ``accounts`` asks this
registry. Adding a domain adds a ``register`` call in that domain, and changes nothing below it.
The site's main menu (base.html) lists the domains' menu links the same way, and the public
artist page (``artists``) adds the profile tabs that higher apps serve (``ProfileTab``: the
marketplace's Gigs and Reviews), loading their content from the app's own URL with HTMX.

Roles are plain strings (``accounts.models.Role`` values) because this module sits below
``accounts``. URL names are resolved only when a page asks, so registering needs no URLconf.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlencode

from django.urls import reverse


class _RoleLink:
    """What a card and a menu link share: roles stored as plain strings, a URL from its name."""

    roles: frozenset[str]
    url_name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(str(role) for role in self.roles))

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Card(_RoleLink):
    """A card on the dashboard: a title, one sentence and one link (a URL name)."""

    title: str
    text: str
    url_name: str
    link_text: str
    # Roles that see the card; empty means every signed-in user.
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MenuLink(_RoleLink):
    """A link in the site's main menu (a URL name)."""

    label: str
    url_name: str
    # Roles of the signed-in users who see it; empty means everyone, signed in or not.
    roles: frozenset[str] = frozenset()


_SEGMENT = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class ProfileTab:
    """An extra tab on the public artist page, served by a higher app. ``name`` is the tab's
    path segment on the artist page (``/artists/<slug>/<name>/``); ``url_name`` is the app's
    own page of that tab for one artist (``slug=`` keyword): an HTMX request gets the tab's
    content (a fragment), any other request a whole page (what the link leads to without
    JavaScript)."""

    name: str
    label: str
    url_name: str

    def __post_init__(self) -> None:
        if not _SEGMENT.fullmatch(self.name):
            raise ValueError(f"profile tab name {self.name!r} must be a lower-case slug")

    def url(self, slug: str) -> str:
        return reverse(self.url_name, kwargs={"slug": slug})


# The places of lower apps' pages where higher apps may add a link (``PageLink.page``), and the
# values each place gives the link (added to its query string).
PAGE_SLOTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "profile-editor": (),  # artists: the artist's profile editor
        "gig-application": ("gig",),  # marketplace: a gig's page, where an artist may apply
        "booking": ("booking",),  # marketplace: one booking on the bookings page
        "conversation": ("conversation",),  # messaging: one conversation's page
    }
)


@dataclass(frozen=True)
class PageLink(_RoleLink):
    """A link a higher app adds to a place of a lower app's page (Violet's "Draft a reply" on
    a conversation). The URL is ``url_name``'s, with ``query`` and the place's values
    (``PAGE_SLOTS``) in its query string: ``/violet/?tool=message_reply&conversation=12``."""

    page: str
    label: str
    url_name: str
    query: tuple[tuple[str, str], ...] = ()
    # Roles of the signed-in users who see it; empty means every signed-in user.
    roles: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.page not in PAGE_SLOTS:
            raise ValueError(f"page link: unknown page {self.page!r} (see PAGE_SLOTS)")

    def url_with(self, values: Mapping[str, object]) -> str:
        params = [*self.query, *((k, str(values[k])) for k in PAGE_SLOTS[self.page])]
        return f"{reverse(self.url_name)}?{urlencode(params)}" if params else self.url


@dataclass(frozen=True)
class EntryPoints:
    """One domain app's entry points."""

    app: str
    # Path prefixes (``/artists/``) of pages a signed-in user may open before onboarding.
    open_prefixes: tuple[str, ...] = ()
    # role -> URL name of the page where that role's own onboarding continues.
    onboarding: Mapping[str, str] = field(default_factory=dict)
    dashboard: tuple[Card, ...] = ()
    menu: tuple[MenuLink, ...] = ()
    # Extra tabs on the public artist page, in this order after the artist's own.
    artist_tabs: tuple[ProfileTab, ...] = ()
    # Links in the artist studio's header (after the artists app's own): a higher app's studio
    # pages (messaging's fan lists).
    studio: tuple[MenuLink, ...] = ()
    # URL name of the page that starts a conversation with someone, given ``kind`` ("user",
    # "artist" or "venue") and ``pk`` (a user id, an artist or a venue profile id): the "Message"
    # buttons of lower apps' pages (``{% message_url "venue" gig.venue_id %}``, templatetags).
    contact: str = ""
    # URL names of fragments a gig page loads (htmx) given ``gig_id``: a higher app's part of a
    # gig (events' room of the gig).
    gig_fragments: tuple[str, ...] = ()
    # Links on lower apps' pages (a place of PAGE_SLOTS each): Violet's "Write with Violet".
    page_links: tuple[PageLink, ...] = ()
    # URL names of fragments the public artist page's Stats tab loads (htmx) given ``slug=``: a
    # higher app's figures of the artist (analytics: the figures the artist made public).
    artist_stats_fragments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for prefix in self.open_prefixes:
            if not (prefix.startswith("/") and prefix.endswith("/")) or prefix == "/":
                # "/artists" would also open "/artistsxyz"; "/" would open everything.
                raise ValueError(f"{self.app}: open prefix {prefix!r} must be '/<path>/'")
        onboarding = {str(role): url_name for role, url_name in self.onboarding.items()}
        object.__setattr__(self, "onboarding", MappingProxyType(onboarding))


_registry: dict[str, EntryPoints] = {}
_open_prefixes: tuple[str, ...] = ()


def register(entry_points: EntryPoints) -> None:
    """Record an app's entry points (again: replaces them). Call from ``AppConfig.ready()``."""
    for other in _registry.values():
        if other.app == entry_points.app:
            continue
        clash = set(other.onboarding) & set(entry_points.onboarding)
        if clash:
            raise ValueError(
                f"{entry_points.app} and {other.app} both continue the onboarding of {clash}"
            )
        tabs = {t.name for t in other.artist_tabs} & {t.name for t in entry_points.artist_tabs}
        if tabs:
            raise ValueError(f"{entry_points.app} and {other.app} both add the tabs {tabs}")
    _registry[entry_points.app] = entry_points
    _refresh()


def unregister(app: str) -> None:
    _registry.pop(app, None)
    _refresh()


def registered() -> tuple[EntryPoints, ...]:
    return tuple(_registry.values())


def _refresh() -> None:
    global _open_prefixes
    _open_prefixes = tuple(p for entry in _registry.values() for p in entry.open_prefixes)


def open_prefixes() -> tuple[str, ...]:
    """Every registered open prefix, ready for ``str.startswith`` (called on every request)."""
    return _open_prefixes


def onboarding_url_name(role: str) -> str | None:
    """The URL name where ``role``'s own onboarding continues, if a domain registered one."""
    for entry in _registry.values():
        if role in entry.onboarding:
            return entry.onboarding[role]
    return None


def dashboard_cards(role: str) -> list[Card]:
    """The cards ``role`` sees, in the order the apps were registered (lowest layer first)."""
    return [card for card in _cards() if not card.roles or role in card.roles]


def _cards() -> Iterable[Card]:
    for entry in _registry.values():
        yield from entry.dashboard


def menu_links(role: str | None) -> list[MenuLink]:
    """The main-menu links for a signed-in user's ``role`` (``None``: not signed in), in the order
    the apps were registered."""
    return [
        link
        for entry in _registry.values()
        for link in entry.menu
        if not link.roles or (role is not None and role in link.roles)
    ]


def studio_links() -> list[MenuLink]:
    """The studio header's links of the apps above artists, in the order they registered."""
    return [link for entry in _registry.values() for link in entry.studio]


def artist_tabs() -> list[ProfileTab]:
    """The extra tabs of the public artist page, in the order the apps were registered."""
    return [tab for entry in _registry.values() for tab in entry.artist_tabs]


CONTACT_KINDS = ("user", "artist", "venue")


def gig_fragment_urls(gig_id: int) -> list[str]:
    """The fragments higher apps add to the page of gig ``gig_id``, in registration order."""
    return [
        reverse(name, kwargs={"gig_id": gig_id})
        for entry in _registry.values()
        for name in entry.gig_fragments
    ]


def artist_stats_fragment_urls(slug: str) -> list[str]:
    """The fragments higher apps add to an artist's Stats tab, in registration order."""
    return [
        reverse(name, kwargs={"slug": slug})
        for entry in _registry.values()
        for name in entry.artist_stats_fragments
    ]


def contact_url(kind: str, pk: int) -> str | None:
    """Where to start a conversation with a person (``kind`` "user"), an artist's or a venue's
    profile (by their id), if a domain offers it."""
    if kind not in CONTACT_KINDS:
        raise ValueError(f"contact_url: kind must be one of {CONTACT_KINDS}, not {kind!r}")
    for entry in _registry.values():
        if entry.contact:
            return reverse(entry.contact, kwargs={"kind": kind, "pk": pk})
    return None


def page_links(page: str, role: str | None, **values: object) -> list[tuple[str, str]]:
    """``(label, url)`` of the links higher apps add to ``page`` for a signed-in ``role``
    (``None``: nobody is signed in, no link), given the place's values (``gig=12``)."""
    if page not in PAGE_SLOTS:
        raise ValueError(f"page_links: unknown page {page!r}")
    if role is None:
        return []
    return [
        (link.label, link.url_with(values))
        for entry in _registry.values()
        for link in entry.page_links
        if link.page == page and (not link.roles or role in link.roles)
    ]
