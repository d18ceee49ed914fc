"""The domain entry-point registry (umbrella/domains.py): the onboarding gate, the onboarding
hand-over and the dashboard ask it, so ``accounts`` never names a higher app's pages."""

import pytest
from django.urls import reverse

from tests.accounts.factories import NewUserFactory, UserFactory
from umbrella import domains

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """The real registry (filled by the apps' ready()), restored after the test."""
    monkeypatch.setattr(domains, "_registry", dict(domains._registry))
    monkeypatch.setattr(domains, "_open_prefixes", domains._open_prefixes)
    return domains


def test_artists_register_their_entry_points_at_startup():
    assert {"/artists/", "/onboarding/artist/"} <= set(domains.open_prefixes())
    assert domains.onboarding_url_name("artist") == "artist-onboarding"
    assert domains.onboarding_url_name("fan") is None
    artist_cards = [card.url for card in domains.dashboard_cards("artist")]
    assert artist_cards[0] == reverse("artist-studio")  # the artists app comes first
    # the marketplace adds the artist's gig-finding pages
    assert {reverse("gigs-for-you"), reverse("saved-searches"), reverse("availability")} <= set(
        artist_cards
    )
    # every role, fans too, may build apps: the events app's one card for everyone
    assert [card.url_name for card in domains.dashboard_cards("fan")] == ["console-apps"]


def test_gate_opens_exactly_the_registered_prefixes(client, registry):
    client.force_login(NewUserFactory())
    # given: nothing is registered at /elsewhere/, the artist search is (by the artists app)
    assert client.get("/elsewhere/page/").url == reverse("onboarding")
    assert client.get("/artists/").status_code == 200

    registry.register(registry.EntryPoints(app="elsewhere", open_prefixes=("/elsewhere/",)))
    registry.unregister("artists")

    assert client.get("/elsewhere/page/").status_code == 404  # through the gate, no such page
    assert client.get("/artists/").url == reverse("onboarding")
    assert client.get(reverse("dashboard")).url == reverse("onboarding")


def test_onboarding_continues_where_the_role_s_domain_registered(client, registry):
    user = NewUserFactory()
    client.force_login(user)
    registry.unregister("marketplace")  # its own venue wizard stands in for a test domain here
    registry.register(registry.EntryPoints(app="venues", onboarding={"venue": "artist-search"}))

    response = client.post(reverse("onboarding"), {"role": "venue", "display_name": "The Hall"})

    assert response.url == reverse("artist-search")
    assert client.get(reverse("onboarding")).url == reverse("artist-search")
    registry.unregister("venues")
    assert client.get(reverse("onboarding")).status_code == 200  # no wizard: the role form


def test_dashboard_shows_the_cards_the_domains_registered_for_the_role(client, registry):
    # the card's link (the site's menu in base.html has its own "Studio" link)
    studio = f'<a href="{reverse("artist-studio")}" role="button">Open the studio</a>'
    artist = UserFactory(role="artist")
    client.force_login(artist)
    assert studio in client.get(reverse("dashboard")).content.decode()

    registry.unregister("artists")
    assert studio not in client.get(reverse("dashboard")).content.decode()

    fan_card = registry.Card(
        title="Gigs near you",
        text="Soon.",
        url_name="artist-search",
        link_text="Look around",
        roles=frozenset({"fan"}),
    )
    registry.register(registry.EntryPoints(app="gigs", dashboard=(fan_card,)))
    assert "Gigs near you" not in client.get(reverse("dashboard")).content.decode()
    client.force_login(UserFactory(role="fan"))
    html = client.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("artist-search")}" role="button">Look around</a>' in html


@pytest.mark.parametrize("prefix", ["/artists", "artists/", "/"])
def test_an_open_prefix_must_be_a_whole_path_segment(prefix):
    with pytest.raises(ValueError, match="must be"):
        domains.EntryPoints(app="x", open_prefixes=(prefix,))


def test_two_domains_cannot_both_continue_one_role_s_onboarding(registry):
    with pytest.raises(ValueError, match="both continue"):
        registry.register(registry.EntryPoints(app="other", onboarding={"artist": "dashboard"}))
    assert registry.onboarding_url_name("artist") == "artist-onboarding"


def test_the_main_menu_lists_the_domains_links_by_role(client, registry):
    search = f'<li><a href="{reverse("artist-search")}">Find artists</a></li>'
    studio = f'<li><a href="{reverse("artist-studio")}">Studio</a></li>'

    anonymous = client.get("/").content.decode()
    client.force_login(UserFactory(role="fan"))
    fan = client.get(reverse("dashboard")).content.decode()
    client.force_login(UserFactory(role="artist"))
    artist = client.get(reverse("dashboard")).content.decode()

    assert search in anonymous and studio not in anonymous
    assert search in fan and studio not in fan
    assert search in artist and studio in artist

    registry.unregister("artists")
    assert "Find artists" not in client.get(reverse("dashboard")).content.decode()


def test_page_links_carry_the_place_s_values_and_follow_the_roles(registry):
    registry.register(
        domains.EntryPoints(
            app="helper",
            page_links=(
                domains.PageLink(
                    page="conversation",
                    label="Help",
                    url_name="dashboard",
                    query=(("tool", "reply"),),
                    roles=frozenset({"artist"}),
                ),
            ),
        )
    )

    links = domains.page_links("conversation", "artist", conversation=12)

    assert ("Help", f"{reverse('dashboard')}?tool=reply&conversation=12") in links
    assert ("Help", f"{reverse('dashboard')}?tool=reply&conversation=12") not in (
        domains.page_links("conversation", "venue", conversation=12)
    )
    assert domains.page_links("conversation", None, conversation=12) == []
    with pytest.raises(ValueError, match="unknown page"):
        domains.page_links("nowhere", "artist")
    with pytest.raises(ValueError, match="unknown page"):
        domains.PageLink(page="nowhere", label="x", url_name="dashboard")
