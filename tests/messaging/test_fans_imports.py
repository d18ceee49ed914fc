"""Fan lists: CSV import (preview with per-row verdicts, confirm, report, Celery for large
files) and bad files (4xx, nothing written)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging import tasks
from messaging.fans import consent, imports
from messaging.fans import services as fans
from messaging.models import ConsentEvent, ContactMember, ImportJob, ImportStatus
from umbrella.errors import ApplicationError

GOOD = """Email,Phone,Name,City,State
maya@example.com,+15125550101,Maya Ortiz,Austin,TX
LEO@example.com,512-555-0102,Leo Park,Austin,TX
,+15125550103,Phone Only,Houston,TX
not-an-email,,Bad Email,Austin,TX
bad@example.com,12345,Bad Phone,Austin,TX
maya@example.com,,Dup In File,Austin,TX
,,No Address,Austin,TX
already@example.com,,Already,Austin,TX
gone@example.com,,Opted Out,Austin,TX
"""

EXPECTED = {
    2: "ok",
    3: "ok",
    4: "ok",
    5: "bad_email",
    6: "bad_phone",
    7: "duplicate_in_file",
    8: "missing_address",
    9: "already_on_list",
    10: "opted_out",
}


@pytest.fixture
def prepared(profile, fan_list):
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="already@example.com")
    gone = fans.member_add(user=profile.user, list_id=fan_list.pk, email="gone@example.com")
    fans.unsubscribe(token=consent.unsubscribe_token(gone))
    return fan_list


def _preview(profile, fan_list, text, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return imports.import_preview(user=profile.user, list_id=fan_list.pk, data=data, **kwargs)


def test_the_preview_gives_every_row_its_verdict_and_writes_no_member(profile, prepared):
    before = ContactMember.objects.count()
    job = _preview(profile, prepared, GOOD, filename="fans.csv")
    assert job.status == ImportStatus.PREVIEW and job.total_rows == 9
    verdicts = {row.number: row.verdict for row in imports.preview_rows(job)}
    assert verdicts == EXPECTED
    assert job.rejected_count == 6
    assert {r["row"]: r["verdict"] for r in job.rejected} == {
        n: v for n, v in EXPECTED.items() if v != "ok"
    }
    assert ContactMember.objects.count() == before


def test_confirming_imports_the_good_rows_and_reports_every_rejected_one(profile, prepared):
    job = _preview(profile, prepared, GOOD)
    job = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert job.status == ImportStatus.DONE
    assert (job.imported_count, job.rejected_count, job.processed_rows) == (3, 6, 9)
    assert [(r["row"], r["verdict"]) for r in job.rejected] == [
        (n, v) for n, v in EXPECTED.items() if v != "ok"
    ]
    assert all(r["message"] for r in job.rejected)
    assert job.source_text == ""  # the fans' data is now in the members only
    imported = ContactMember.objects.filter(source="import").order_by("id")
    assert [(m.email, m.phone, m.name, m.region) for m in imported] == [
        ("maya@example.com", "+15125550101", "Maya Ortiz", "TX"),
        ("leo@example.com", "+15125550102", "Leo Park", "TX"),
        (None, "+15125550103", "Phone Only", "TX"),
    ]
    assert all(m.opted_in and m.consent_at for m in imported)
    assert ConsentEvent.objects.filter(kind="imported").get().detail["rows"] == [2, 3, 4]
    with pytest.raises(ApplicationError) as error:
        imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert (error.value.code, error.value.status_code) == ("import_confirmed", 409)


def test_confirming_needs_the_artists_word_on_consent(profile, fan_list):
    job = _preview(profile, fan_list, GOOD)
    with pytest.raises(ApplicationError) as error:
        imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=False)
    assert error.value.field == "consent"
    assert ImportJob.objects.get().status == ImportStatus.PREVIEW
    assert not ContactMember.objects.exists()


def test_verdicts_are_judged_again_at_import(profile, fan_list):
    job = _preview(profile, fan_list, "email\na@example.com\nb@example.com\n")
    fans.member_add(user=profile.user, list_id=fan_list.pk, email="a@example.com")
    job = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert (job.imported_count, job.rejected[0]["verdict"]) == (1, "already_on_list")


def test_semicolons_a_bom_crlf_and_first_last_name_columns(profile, fan_list):
    text = "\ufeffE-mail;First name;Last name;Mobile\r\nsam@example.com;Sam;Doe;5125550109\r\n"
    job = _preview(profile, fan_list, text.encode("utf-8"))
    job = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    member = ContactMember.objects.get()
    assert (member.email, member.name, member.phone) == (
        "sam@example.com",
        "Sam Doe",
        "+15125550109",
    )


@pytest.mark.parametrize(
    ("data", "code", "status"),
    [
        ("email,name\nñ@example.com,Ñandú\n".encode("latin-1"), "csv_not_utf8", 400),
        (b"", "csv_empty", 400),
        (b"\n\n  \n", "csv_empty", 400),
        (b"email\n", "csv_empty", 400),
        (b"maya@example.com,Maya\nleo@example.com,Leo\n", "csv_no_header", 400),
        (b"name,city\nMaya,Austin\n", "csv_no_address_column", 400),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "csv_not_utf8", 400),
        (b"email\n\x00\x00\x00a@example.com\n", "csv_malformed", 400),
        (b'email\n"unterminated@example.com\n', "csv_malformed", 400),
        (b'email\n"a"b@example.com\n', "csv_malformed", 400),
    ],
)
def test_a_bad_file_is_a_clear_4xx_and_nothing_is_written(profile, fan_list, data, code, status):
    with pytest.raises(ApplicationError) as error:
        _preview(profile, fan_list, data)
    assert (error.value.code, error.value.status_code, error.value.field) == (code, status, "file")
    assert not ImportJob.objects.exists() and not ContactMember.objects.exists()


def test_too_large_and_too_many_rows_are_refused(profile, fan_list, settings):
    settings.FANS_IMPORT_MAX_ROWS = 3
    with pytest.raises(ApplicationError) as error:
        _preview(profile, fan_list, "email\n" + "".join(f"f{n}@example.com\n" for n in range(4)))
    assert error.value.code == "csv_too_many_rows"
    settings.FANS_IMPORT_MAX_BYTES = 100
    with pytest.raises(ApplicationError) as error:
        _preview(profile, fan_list, "email\n" + "x" * 200 + "@example.com\n")
    assert (error.value.code, error.value.status_code) == ("file_too_large", 413)
    assert not ImportJob.objects.exists()


def test_a_large_file_is_imported_by_celery_with_progress(
    profile, fan_list, settings, django_capture_on_commit_callbacks
):
    settings.FANS_IMPORT_ASYNC_ROWS = 5
    text = "email\n" + "".join(f"fan{n}@example.com\n" for n in range(450))
    job = _preview(profile, fan_list, text)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued = imports.import_confirm(user=profile.user, job_id=job.pk, consent_confirmed=True)
    assert queued.status == ImportStatus.QUEUED and not ContactMember.objects.exists()
    assert len(callbacks) == 1
    callbacks[0]()  # the task, eagerly
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.imported_count) == (ImportStatus.DONE, 450, 450)
    assert ContactMember.objects.count() == 450


def test_an_import_that_died_mid_way_continues_and_never_doubles(profile, fan_list, settings):
    settings.FANS_IMPORT_ASYNC_ROWS = 5
    text = "email\n" + "".join(f"fan{n}@example.com\n" for n in range(450))
    job = _preview(profile, fan_list, text)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.QUEUED)
    original = imports.judge
    calls = {"n": 0}

    def dies_on_the_second_batch(contact_list, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("worker killed")
        original(contact_list, rows)

    imports.judge = dies_on_the_second_batch
    try:
        with pytest.raises(OSError):
            imports.import_run(job_id=job.pk)
    finally:
        imports.judge = original
    job.refresh_from_db()
    assert (job.status, job.processed_rows) == (ImportStatus.RUNNING, imports.BATCH_SIZE)
    assert ContactMember.objects.count() == imports.BATCH_SIZE
    tasks.fans_import_task.apply(kwargs={"job_id": job.pk})  # the redelivered task
    tasks.fans_import_task.apply(kwargs={"job_id": job.pk})  # and once more: nothing to do
    job.refresh_from_db()
    assert (job.status, job.imported_count) == (ImportStatus.DONE, 450)
    assert ContactMember.objects.count() == 450


def test_a_task_that_gives_up_marks_the_job_failed(profile, fan_list):
    job = _preview(profile, fan_list, "email\na@example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    imports.import_fail(job_id=job.pk, error="The import stopped: boom")
    job.refresh_from_db()
    assert (job.status, job.error) == (ImportStatus.FAILED, "The import stopped: boom")


def test_someone_elses_import_is_not_found(profile, fan_list):
    from tests.artists.factories import ArtistProfileFactory

    job = _preview(profile, fan_list, GOOD)
    other = ArtistProfileFactory()
    with pytest.raises(ApplicationError) as error:
        imports.import_confirm(user=other.user, job_id=job.pk, consent_confirmed=True)
    assert error.value.status_code == 404
    with pytest.raises(ApplicationError):
        _preview(other, fan_list, GOOD)
    assert ImportJob.objects.count() == 1 and not ContactMember.objects.exists()


def upload(text: str | bytes, name: str = "fans.csv") -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_previews_never_confirmed_are_deleted_after_a_day(profile, fan_list):
    from datetime import timedelta

    from django.utils import timezone

    from umbrella.beat import BEAT_SCHEDULE

    old = _preview(profile, fan_list, GOOD)
    fresh = _preview(profile, fan_list, GOOD)
    done = _preview(profile, fan_list, "email\nz@example.com\n")
    imports.import_confirm(user=profile.user, job_id=done.pk, consent_confirmed=True)
    ImportJob.objects.filter(pk__in=[old.pk, done.pk]).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert tasks.fans_expire_import_previews_task.apply().get() == 1
    assert set(ImportJob.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    entry = BEAT_SCHEDULE["messaging-expire-fan-import-previews"]
    assert entry["task"] == tasks.fans_expire_import_previews_task.name
