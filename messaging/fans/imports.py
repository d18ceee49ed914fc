"""CSV import of fans: upload → preview (a verdict per row) → confirm → import → report.

The file is checked whole before anything is written: UTF-8 (a BOM is fine), at most
``FANS_IMPORT_MAX_BYTES`` and ``FANS_IMPORT_MAX_ROWS`` rows, a header row naming an email or a
phone column (``email``/``e-mail``/``email address``, ``phone``/``mobile``/``phone number``/
``tel``; ``name``, ``first name``/``last name``, ``city``, ``region``/``state`` are read too).
A file that fails is a 4xx and no row is written. A good file becomes an
:class:`~messaging.models.ImportJob` in ``preview``.

Each data row gets one verdict (:data:`VERDICTS`): ``ok`` or why it is refused. Confirming
imports the ``ok`` rows — verdicts are computed again then, batch by batch under the list's
lock, so what changed since the preview (a sign-up, an opt-out) is respected. A file of more
than ``FANS_IMPORT_ASYNC_ROWS`` rows is imported by a Celery task; the job's counters are its
progress. Every batch commits with the job's counters in one transaction: a task that dies and
runs again continues after the last committed batch (nobody imported twice, nobody skipped).
Previews never confirmed are deleted after ``FANS_IMPORT_PREVIEW_HOURS`` (they hold the file).
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from messaging.fans import consent
from messaging.fans.addresses import AddressError, default_region, normalize_email, normalize_phone
from messaging.fans.services import clean_place, event, own_list
from messaging.models import (
    MEMBER_NAME_MAX_LENGTH,
    PLACE_MAX_LENGTH,
    ConsentEventKind,
    ContactList,
    ContactMember,
    ImportJob,
    ImportStatus,
    MemberSource,
)
from umbrella.errors import ApplicationError, NotFoundError

BATCH_SIZE = 200
PREVIEW_ROWS_SHOWN = 50

OK = "ok"
VERDICTS = {
    OK: "Will be imported",
    "missing_address": "No email address and no phone number",
    "bad_email": "Not an email address",
    "bad_phone": "Not a valid phone number",
    "duplicate_in_file": "Same email or phone as an earlier row of the file",
    "already_on_list": "Already on the list",
    "opted_out": "Unsubscribed from your messages before",
}

COLUMNS = {
    "email": ("email", "e-mail", "email address", "e-mail address", "mail"),
    "phone": (
        "phone",
        "phone number",
        "mobile",
        "mobile number",
        "cell",
        "tel",
        "telephone",
        "sms",
    ),
    "name": ("name", "full name", "fan", "contact"),
    "first_name": ("first name", "firstname", "given name"),
    "last_name": ("last name", "lastname", "surname", "family name"),
    "city": ("city", "town"),
    "region": ("region", "state", "province", "county"),
}


def _about_file(message: str) -> dict[str, Any]:
    """The keyword arguments of a ``400`` ``ApplicationError`` about the uploaded file."""
    return {"details": {"file": [message]}, "field": "file"}


@dataclass
class Row:
    number: int  # the line's number in the file (the header is 1)
    email_raw: str = ""
    phone_raw: str = ""
    name: str = ""
    city: str = ""
    region: str = ""
    email: str | None = None
    phone: str | None = None
    verdict: str = OK
    message: str = ""

    def report(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "verdict": self.verdict,
            "message": self.message or VERDICTS[self.verdict],
            "email": self.email or self.email_raw[:254],
            "phone": self.phone or self.phone_raw[:40],
        }


@dataclass
class Parsed:
    columns: dict[str, int]
    rows: list[Row] = field(default_factory=list)


def _header_key(cell: str) -> str:
    return " ".join(cell.strip().lower().replace("_", " ").split())


def read_text(data: bytes) -> str:
    """The file's text: 413 when too large, 400 when not UTF-8 or empty."""
    if len(data) > settings.FANS_IMPORT_MAX_BYTES:
        message = f"The file is too large: at most {settings.FANS_IMPORT_MAX_BYTES:,} bytes."
        raise ApplicationError(
            "file_too_large", message, details={"file": [message]}, status=413, field="file"
        )
    try:
        source = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = "The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."
        raise ApplicationError("csv_not_utf8", message, **_about_file(message)) from error
    if "\x00" in source:
        message = "The file is not a CSV file (it holds binary data)."
        raise ApplicationError("csv_malformed", message, **_about_file(message))
    if not source.strip():
        message = "The file is empty."
        raise ApplicationError("csv_empty", message, **_about_file(message))
    return source


def _dialect(source: str) -> type[csv.Dialect] | csv.Dialect:
    first = source.splitlines()[0] if source else ""
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    dialect = csv.excel_tab if delimiter == "\t" else csv.excel
    if delimiter == ";":

        class Semicolon(csv.excel):
            pass

        Semicolon.delimiter = ";"
        return Semicolon
    return dialect


def parse(source: str, *, region: str) -> Parsed:
    """Read the file's rows and give each its address verdict (4xx for a file that is not a
    fan list; nothing about the database yet)."""
    try:
        records = list(csv.reader(io.StringIO(source, newline=""), _dialect(source), strict=True))
    except csv.Error as error:
        message = f"The file is not valid CSV ({error})."
        raise ApplicationError("csv_malformed", message, **_about_file(message)) from error
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        message = "The file is empty."
        raise ApplicationError("csv_empty", message, **_about_file(message))
    header = [_header_key(cell) for cell in records[0]]
    columns: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for index, heading in enumerate(header):
            if heading in names:
                columns[key] = index
                break
    if "email" not in columns and "phone" not in columns:
        if any("@" in cell for cell in records[0]):
            message = (
                "The first row must be a header naming the columns (email, phone, name, city, "
                "region); this file starts with data."
            )
            raise ApplicationError("csv_no_header", message, **_about_file(message))
        message = (
            "No email or phone column: the header row needs a column called “email” or “phone”."
        )
        raise ApplicationError("csv_no_address_column", message, **_about_file(message))
    data = records[1:]
    if len(data) > settings.FANS_IMPORT_MAX_ROWS:
        message = (
            f"The file has {len(data)} rows; at most {settings.FANS_IMPORT_MAX_ROWS} at a time."
        )
        raise ApplicationError("csv_too_many_rows", message, **_about_file(message))
    if not data:
        message = "The file has a header but no rows."
        raise ApplicationError("csv_empty", message, **_about_file(message))

    def value_of(record: list[str], key: str) -> str:
        index = columns.get(key)
        return record[index].strip() if index is not None and index < len(record) else ""

    parsed = Parsed(columns=columns)
    seen_emails: set[str] = set()
    seen_phones: set[str] = set()
    for offset, record in enumerate(data, start=2):
        name = value_of(record, "name") or " ".join(
            part for part in (value_of(record, "first_name"), value_of(record, "last_name")) if part
        )
        row = Row(
            number=offset,
            email_raw=value_of(record, "email"),
            phone_raw=value_of(record, "phone"),
            name=clean_place(name, MEMBER_NAME_MAX_LENGTH),
            city=clean_place(value_of(record, "city"), PLACE_MAX_LENGTH),
            region=clean_place(value_of(record, "region"), PLACE_MAX_LENGTH),
        )
        parsed.rows.append(row)
        try:
            row.email = normalize_email(row.email_raw)
        except AddressError as error:
            row.verdict, row.message = "bad_email", str(error)
            continue
        try:
            row.phone = normalize_phone(row.phone_raw, region=region)
        except AddressError as error:
            row.verdict, row.message = "bad_phone", str(error)
            continue
        if row.email is None and row.phone is None:
            row.verdict = "missing_address"
            continue
        if (row.email and row.email in seen_emails) or (row.phone and row.phone in seen_phones):
            row.verdict = "duplicate_in_file"
            continue
        if row.email:
            seen_emails.add(row.email)
        if row.phone:
            seen_phones.add(row.phone)
    return parsed


def judge(contact_list: ContactList, rows: list[Row]) -> None:
    """Give the rows still ``ok`` their verdict against the list and the artist's opt-outs
    (three queries for any number of rows)."""
    pending = [row for row in rows if row.verdict == OK]
    emails = [row.email for row in pending if row.email]
    phones = [row.phone for row in pending if row.phone]
    on_list = Q()
    if emails:
        on_list |= Q(email__in=emails)
    if phones:
        on_list |= Q(phone__in=phones)
    listed_emails: set[str] = set()
    listed_phones: set[str] = set()
    if on_list:
        for email, phone in ContactMember.objects.filter(
            on_list, contact_list=contact_list
        ).values_list("email", "phone"):
            listed_emails.add(email or "")
            listed_phones.add(phone or "")
    out_emails, out_phones = consent.opted_out_addresses(
        contact_list.artist_id, emails=emails, phones=phones
    )
    for row in pending:
        # Opted out first: a fan who left stays on the list as a record, and the artist
        # should learn why the row is refused.
        if (row.email and row.email in out_emails) or (row.phone and row.phone in out_phones):
            row.verdict = "opted_out"
        elif (row.email and row.email in listed_emails) or (
            row.phone and row.phone in listed_phones
        ):
            row.verdict = "already_on_list"


def _region(contact_list: ContactList) -> str:
    return default_region(contact_list.artist.location_country)


def import_preview(*, user: User, list_id: int, data: bytes, filename: str = "") -> ImportJob:
    """Check an uploaded file and keep it as a job in ``preview`` with its verdict counts; a
    bad file is a 4xx and writes nothing."""
    contact_list = own_list(user=user, list_id=list_id)
    source = read_text(data)
    parsed = parse(source, region=_region(contact_list))
    judge(contact_list, parsed.rows)
    rejected = [row.report() for row in parsed.rows if row.verdict != OK]
    return ImportJob.objects.create(
        contact_list=contact_list,
        created_by=user,
        filename=filename[:255],
        source_text=source,
        total_rows=len(parsed.rows),
        rejected_count=len(rejected),
        rejected=rejected,
    )


def own_job(*, user: User, job_id: int) -> ImportJob:
    job = (
        ImportJob.objects.select_related("contact_list__artist")
        .filter(pk=job_id, contact_list__artist__user=user)
        .first()
    )
    if job is None:
        raise NotFoundError("not_found", "No such import.")
    return job


def preview_rows(job: ImportJob) -> list[Row]:
    """The job's rows with their verdicts as of now (for the preview page and API)."""
    parsed = parse(job.source_text, region=_region(job.contact_list))
    judge(job.contact_list, parsed.rows)
    return parsed.rows


def import_confirm(*, user: User, job_id: int, consent_confirmed: bool) -> ImportJob:
    """Import a previewed file. The artist confirms that these fans agreed to hear from them
    (their consent time is the import's). Large files go to a Celery task; small ones are
    imported now. Confirming twice is a 409."""
    if consent_confirmed is not True:
        raise ApplicationError(
            "validation_error",
            "Confirm that everyone in the file agreed to get your messages.",
            details={"consent": ["Confirm that everyone in the file agreed to get your messages."]},
            field="consent",
        )
    with transaction.atomic():
        own_job(user=user, job_id=job_id)
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status != ImportStatus.PREVIEW:
            raise ApplicationError(
                "import_confirmed", "This import was confirmed already.", status=409
            )
        job.status = ImportStatus.QUEUED
        job.confirmed_at = timezone.now()
        job.rejected = []
        job.rejected_count = 0
        job.save(update_fields=["status", "confirmed_at", "rejected", "rejected_count"])
        if job.total_rows > settings.FANS_IMPORT_ASYNC_ROWS:
            from messaging import tasks
            from umbrella.tasks import enqueue_on_commit

            enqueue_on_commit(tasks.fans_import_task, job_id=job.pk)
            return job
    import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def import_run(*, job_id: int) -> ImportJob | None:
    """Import a confirmed job's ``ok`` rows, a batch per transaction (see the module's
    docstring). Safe to run again or twice at once: each batch starts where the job's
    committed counter says, under the job's row lock."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(status=ImportStatus.RUNNING)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("contact_list__artist").get(pk=job_id)
    contact_list = job.contact_list
    rows = parse(job.source_text, region=_region(contact_list)).rows
    while True:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job_id)
            if job.status != ImportStatus.RUNNING:
                return job
            start = job.processed_rows
            if start >= len(rows):
                job.status = ImportStatus.DONE
                job.finished_at = timezone.now()
                job.source_text = ""  # the report stays; the fans' data is in the members
                job.save(update_fields=["status", "finished_at", "source_text"])
                return job
            batch = rows[start : start + BATCH_SIZE]
            ContactList.objects.select_for_update().filter(pk=contact_list.pk).first()
            judge(contact_list, batch)
            now = timezone.now()
            members = [
                ContactMember(
                    contact_list=contact_list,
                    email=row.email,
                    phone=row.phone,
                    name=row.name,
                    city=row.city,
                    region=row.region,
                    source=MemberSource.IMPORT,
                    consent_at=now,
                    opted_in=True,
                )
                for row in batch
                if row.verdict == OK
            ]
            ContactMember.objects.bulk_create(members)
            rejected = [row.report() for row in batch if row.verdict != OK]
            job.processed_rows = start + len(batch)
            job.imported_count += len(members)
            job.rejected_count += len(rejected)
            job.rejected = [*job.rejected, *rejected]
            job.save(
                update_fields=["processed_rows", "imported_count", "rejected_count", "rejected"]
            )
            if members:
                event(
                    ConsentEventKind.IMPORTED,
                    artist_id=contact_list.artist_id,
                    list_id=contact_list.pk,
                    at=now,
                    job=job.pk,
                    rows=[row.number for row in batch if row.verdict == OK],
                    by=job.created_by_id,
                )


def import_fail(*, job_id: int, error: str) -> None:
    """The task gave up: the job says so (batches already committed stay imported)."""
    ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).update(status=ImportStatus.FAILED, error=error[:500], finished_at=timezone.now())


def import_previews_expire(*, now: datetime | None = None) -> int:
    """Delete previews never confirmed within ``FANS_IMPORT_PREVIEW_HOURS``: they hold the
    uploaded file, fans' personal data with no consent attested (beat, daily). Returns how
    many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.FANS_IMPORT_PREVIEW_HOURS)
    deleted, _ = ImportJob.objects.filter(
        status=ImportStatus.PREVIEW, created_at__lt=cutoff
    ).delete()
    return deleted
