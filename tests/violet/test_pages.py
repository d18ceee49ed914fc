"""Violet's pages: the workspace (reachable from the dashboard, the profile editor, a gig's
page, a booking and a conversation, with the tool and its context preselected), the form
without JavaScript, a draft's page with its facts, saving into the profile, pasting a pitch
into the gig's application form; and the staff's spend per day in admin."""

import re

import pytest
from django.test import Client

from accounts.models import Role, User
from messaging import services as messaging_services
from tests.accounts.factories import UserFactory
from tests.marketplace.bookings import book
from tests.marketplace.factories import GigFactory, VenueProfileFactory
from tests.violet.factories import full_artist
from violet import services
from violet.models import DailyUsage, Generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def artist():
    return full_artist()


@pytest.fixture
def page(artist) -> Client:
    client = Client()
    client.force_login(artist.user)
    return client


def links(html: str, testid: str) -> list[str]:
    return re.findall(rf'<a href="([^"]+)"[^>]*data-testid="{testid}"', html)


def test_the_workspace_is_reachable_from_the_pages_it_serves(page, artist):
    gig = GigFactory()
    booking = book(GigFactory(), artist)
    venue = VenueProfileFactory()
    conversation, _ = messaging_services.conversation_open(user=venue.user, other_id=artist.user.pk)

    dashboard = page.get("/dashboard/").content.decode()
    editor = page.get("/studio/profile/").content.decode()
    gig_page = page.get(f"/gigs/{gig.pk}/").content.decode()
    bookings = page.get("/bookings/").content.decode()
    chat = page.get(f"/messages/{conversation.pk}/").content.decode()

    assert 'href="/violet/"' in dashboard
    assert links(editor, "profile-page-link") == ["/violet/?tool=bio"]
    assert links(gig_page, "gig-page-link") == [f"/violet/?tool=gig_pitch&amp;gig={gig.pk}"]
    assert links(bookings, "booking-page-link") == [
        f"/violet/?tool=press_release&amp;booking={booking.pk}"
    ]
    assert links(chat, "conversation-page-link") == [
        f"/violet/?tool=message_reply&amp;conversation={conversation.pk}"
    ]


def test_other_roles_see_no_violet_links_and_are_turned_away(client):
    venue = VenueProfileFactory()
    client.force_login(venue.user)
    gig = GigFactory(venue=venue)

    assert "/violet/" not in client.get(f"/gigs/{gig.pk}/").content.decode()
    assert "/violet/" not in client.get("/dashboard/").content.decode()
    response = client.get("/violet/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_the_workspace_preselects_the_tool_and_context_and_lists_the_facts(page, artist):
    gig = GigFactory(title="Friday Late Show", venue_name="The Blue Door")

    response = page.get(f"/violet/?tool=gig_pitch&gig={gig.pk}")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/violet/?tool=gig_pitch" aria-current="page">Gig pitch</a>' in html
    assert f'<option value="{gig.pk}" selected>' in html
    assert "Facts Violet will use" in html and "Friday Late Show" in html
    assert "The Blue Door" in html
    assert 'data-stream-url="/stream/violet/generate"' in html
    assert "50</strong> of 50 prompts left today" in html
    assert "Offline drafts" in html


def test_the_workspace_says_which_profile_fields_to_fill_in(client):
    artist = full_artist(primary_genre="", influences=[])
    client.force_login(artist.user)

    html = client.get("/violet/?tool=bio").content.decode()

    assert 'data-testid="violet-missing"' in html
    assert "this tool needs Primary genre" in html
    assert 'href="/studio/profile/"' in html
    assert "Better drafts: add" in html and "Influences" in html


def test_without_javascript_the_form_writes_the_draft_and_shows_it(page, artist):
    response = page.post(
        "/violet/?tool=bio",
        {"inputs-length": "one_line", "inputs-voice": "third", "inputs-tone": "warm"},
    )

    generation = Generation.objects.get(artist=artist)
    assert response.status_code == 302
    assert response["Location"] == f"/violet/history/{generation.pk}/"
    html = page.get(response["Location"]).content.decode()
    assert generation.output in html
    assert "Facts used" in html and "Nova Reyes" in html
    assert 'data-testid="violet-label">Offline draft<' in html
    assert "Save as your bio" in html


def test_the_form_shows_refusals_next_to_the_fields(page, artist):
    response = page.post(
        "/violet/?tool=social_captions",
        {"inputs-topic": "", "inputs-platform": "instagram", "inputs-count": "9"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["topic"] and form.errors["count"]
    assert not Generation.objects.exists()


def test_saving_a_draft_from_its_page_updates_the_profile(page, artist):
    generation = services.generate(user=artist.user, tool="tagline", inputs={})

    response = page.post(f"/violet/history/{generation.pk}/save", follow=True)

    artist.refresh_from_db()
    assert artist.tagline == generation.output
    assert "Saved as your tagline." in response.content.decode()


def test_a_pitch_pastes_into_the_gig_application_in_one_click(page, artist):
    gig = GigFactory()
    generation = services.generate(user=artist.user, tool="gig_pitch", inputs={"gig": gig.pk})
    draft_page = page.get(f"/violet/history/{generation.pk}/").content.decode()
    (use,) = links(draft_page, "violet-use")
    assert use == f"/gigs/{gig.pk}/?draft={generation.pk}"

    form = page.get(use).context["form"]

    assert form.initial["pitch"] == generation.output


def test_someone_elses_draft_is_not_pasted_nor_shown(artist):
    gig = GigFactory()
    generation = services.generate(user=artist.user, tool="gig_pitch", inputs={"gig": gig.pk})
    other = full_artist(stage_name="Other")
    client = Client()
    client.force_login(other.user)

    form = client.get(f"/gigs/{gig.pk}/?draft={generation.pk}").context["form"]

    assert not form.initial.get("pitch")
    assert client.get(f"/violet/history/{generation.pk}/").status_code == 404
    assert client.post(f"/violet/history/{generation.pk}/save").status_code == 404


def test_the_history_page_lists_only_ones_own_drafts(page, artist):
    other = full_artist(stage_name="Other")
    services.generate(user=other.user, tool="tagline", inputs={})
    mine = services.generate(user=artist.user, tool="tagline", inputs={})

    html = page.get("/violet/history/").content.decode()

    assert html.count('data-testid="violet-history-item"') == 1
    assert f"/violet/history/{mine.pk}/" in html


def test_staff_see_the_spend_per_day_in_admin(artist):
    staff = User.objects.create_superuser(email="boss@example.com", password="x" * 12)
    DailyUsage.objects.create(
        artist=artist,
        day="2030-01-02",
        prompts=3,
        input_tokens=1000,
        output_tokens=200,
        cost_micro_usd=6_000,
    )
    DailyUsage.objects.create(
        artist=full_artist(stage_name="B"), day="2030-01-02", prompts=2, cost_micro_usd=4_000
    )
    client = Client()
    client.force_login(staff)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("violet.selectors.utc_today", lambda: __import__("datetime").date(2030, 1, 3))
        html = client.get("/admin/violet/dailyusage/spend/").content.decode()

    row = re.search(r"2030-01-02</a></th>(.*?)</tr>", html).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells == ["2", "5", "0", "1000", "200", "0", "0", "$0.0100"]
    assert client.get("/admin/violet/dailyusage/").status_code == 200
    assert client.get("/admin/violet/generation/").status_code == 200
    assert client.get("/admin/violet/dailyusage/spend/").status_code == 200
    fan = UserFactory(role=Role.FAN)
    client.force_login(fan)
    assert client.get("/admin/violet/dailyusage/spend/").status_code == 302
