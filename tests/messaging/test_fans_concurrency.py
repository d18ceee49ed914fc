"""Fan lists under races on PostgreSQL: threads released together (tests/concurrency.py)."""

import pytest

from accounts.models import User
from messaging.fans import imports
from messaging.fans import services as fans
from messaging.models import ContactMember, ImportJob, ImportStatus
from tests.artists.factories import ArtistProfileFactory
from tests.concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    profile = ArtistProfileFactory()
    contact_list = fans.contact_list_create(user=profile.user, name="Fans")
    return profile, contact_list


def test_two_imports_of_the_same_address_at_once_make_one_member(setup):
    profile, contact_list = setup
    text = b"email,phone\nmaya@example.com,+15125550101\nleo@example.com,\n"
    jobs = [
        imports.import_preview(user=profile.user, list_id=contact_list.pk, data=text)
        for _ in range(4)
    ]
    pending = list(jobs)

    def confirm() -> str:
        job = pending.pop()
        user = User.objects.get(pk=profile.user.pk)
        return imports.import_confirm(user=user, job_id=job.pk, consent_confirmed=True).status

    results = run_together(confirm, 4)
    assert results == [ImportStatus.DONE] * 4, results
    assert ContactMember.objects.filter(contact_list=contact_list).count() == 2
    assert sum(ImportJob.objects.values_list("imported_count", flat=True)) == 2
    verdicts = [r["verdict"] for job in ImportJob.objects.all() for r in job.rejected]
    assert sorted(verdicts) == ["already_on_list"] * 6


def test_two_sign_ups_of_the_same_address_at_once_make_one_member(setup, settings):
    _profile, contact_list = setup
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def sign_up() -> str:
        return fans.signup_request(token=contact_list.signup_token, email="Maya@example.com")

    results = run_together(sign_up, 6)
    assert all(isinstance(r, str) for r in results), results
    assert results.count("sent") == 1
    assert ContactMember.objects.filter(email="maya@example.com").count() == 1


def test_a_sign_up_an_add_and_an_import_of_one_address_at_once(setup):
    profile, contact_list = setup
    job = imports.import_preview(
        user=profile.user, list_id=contact_list.pk, data=b"email\nmaya@example.com\n"
    )
    calls = iter(["signup", "add", "import"])

    def one_of_each() -> object:
        kind = next(calls)
        user = User.objects.get(pk=profile.user.pk)
        if kind == "signup":
            return fans.signup_request(token=contact_list.signup_token, email="maya@example.com")
        if kind == "add":
            return fans.member_add(user=user, list_id=contact_list.pk, email="maya@example.com")
        return imports.import_confirm(user=user, job_id=job.pk, consent_confirmed=True)

    results = run_together(one_of_each, 3)
    unexpected = [
        r
        for r in results
        if isinstance(r, Exception) and getattr(r, "code", None) != "already_member"
    ]
    assert unexpected == []
    assert ContactMember.objects.filter(email="maya@example.com").count() == 1
