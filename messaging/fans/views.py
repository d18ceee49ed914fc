"""Fan list pages: the artist's studio pages (lists, a list with its members, import, QR code)
and the public pages of fans (sign up, confirm, unsubscribe). Every change goes through
messaging.fans.services / imports, the same calls as the API."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.selectors import request_user
from artists.models import ArtistProfile
from artists.views import studio_page
from messaging.fans import imports, qr, selectors, services
from messaging.fans.forms import (
    ContactListEditForm,
    ContactListForm,
    ImportConfirmForm,
    ImportForm,
    MemberForm,
    SignupForm,
)
from messaging.models import ImportStatus
from umbrella.errors import ApplicationError, NotFoundError
from umbrella.forms import add_application_error

MEMBERS_SHOWN = 50


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _own_row(profile: ArtistProfile, list_id: int) -> dict[str, Any]:
    row = selectors.list_row(artist=profile, list_id=list_id)
    if row is None:
        raise Http404("No such list.")
    return row


@studio_page
def fan_lists(request: HttpRequest, profile: ArtistProfile) -> HttpResponse:
    """``/studio/fans/``: the artist's lists and a form for a new one."""
    form = ContactListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.contact_list_create(user=request_user(request), **form.cleaned_data)
        except ApplicationError as error:
            add_application_error(form, error)
        else:
            messages.success(request, f"List “{created.name}” created.")
            return redirect("fans-list", list_id=created.pk)
    rows = [selectors.list_card(row) for row in selectors.lists_of(artist=profile)]
    return render(
        request,
        "messaging/fans/lists.html",
        {"lists": rows, "form": form},
        status=400 if form.errors else 200,
    )


def _detail_context(
    request: HttpRequest, profile: ArtistProfile, list_id: int, **forms: Any
) -> dict[str, Any]:
    row = _own_row(profile, list_id)
    raw_before = request.GET.get("before", "")
    status = request.GET.get("status", "")
    if status not in selectors.MEMBER_STATUSES:
        status = ""
    members = selectors.members_of(list_id=list_id, status=status or None)
    if raw_before.isdigit():
        members = members.filter(pk__lt=int(raw_before))
    page = list(members[: MEMBERS_SHOWN + 1])
    shown = [selectors.member_card(m) for m in page[:MEMBERS_SHOWN]]
    card = selectors.list_card(row)
    return {
        "list": card,
        "members": shown,
        "next_before": shown[-1]["id"] if len(page) > MEMBERS_SHOWN else None,
        "status": status,
        "statuses": selectors.MEMBER_STATUSES,
        "member_form": forms.get("member_form") or MemberForm(),
        "edit_form": forms.get("edit_form")
        or ContactListEditForm(
            initial={
                "name": card["name"],
                "description": card["description"],
                "signup_open": card["signup_open"],
            }
        ),
    }


@studio_page
def fan_list(request: HttpRequest, profile: ArtistProfile, list_id: int) -> HttpResponse:
    """``/studio/fans/<id>/``: a list, its members (50 a page, newest first), the sign-up
    link and QR code, add a fan, edit the list."""
    return render(request, "messaging/fans/list.html", _detail_context(request, profile, list_id))


@studio_page
@require_POST
def fan_member_add(request: HttpRequest, profile: ArtistProfile, list_id: int) -> HttpResponse:
    form = MemberForm(request.POST)
    status = 400
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "consent"}
        try:
            member = services.member_add(user=request_user(request), list_id=list_id, **data)
        except NotFoundError as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
            status = error.status_code
        else:
            messages.success(request, f"{member} added.")
            return redirect("fans-list", list_id=list_id)
    context = _detail_context(request, profile, list_id, member_form=form)
    return render(request, "messaging/fans/list.html", context, status=status)


@studio_page
@require_POST
def fan_list_edit(request: HttpRequest, profile: ArtistProfile, list_id: int) -> HttpResponse:
    form = ContactListEditForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.contact_list_update(
                user=request_user(request), list_id=list_id, **form.cleaned_data
            )
        except NotFoundError as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            add_application_error(form, error)
            status = error.status_code
        else:
            messages.success(request, "List saved.")
            return redirect("fans-list", list_id=list_id)
    context = _detail_context(request, profile, list_id, edit_form=form)
    return render(request, "messaging/fans/list.html", context, status=status)


@studio_page
@require_POST
def fan_list_delete(request: HttpRequest, profile: ArtistProfile, list_id: int) -> HttpResponse:
    try:
        services.contact_list_delete(user=request_user(request), list_id=list_id)
    except NotFoundError as error:
        raise Http404(error.message) from error
    messages.success(request, "List deleted. Opt-outs stay: those fans will not be messaged.")
    return redirect("fans-lists")


@studio_page
@require_POST
def fan_member_remove(
    request: HttpRequest, profile: ArtistProfile, list_id: int, member_id: int
) -> HttpResponse:
    try:
        services.member_remove(user=request_user(request), list_id=list_id, member_id=member_id)
    except NotFoundError as error:
        raise Http404(error.message) from error
    messages.success(request, "Removed from the list.")
    return redirect("fans-list", list_id=list_id)


@studio_page
def fan_list_qr(
    request: HttpRequest, profile: ArtistProfile, list_id: int, kind: str
) -> HttpResponse:
    """The sign-up page's QR code, ``svg`` or ``png`` (``?download=1``: as a file)."""
    if kind not in ("svg", "png"):
        raise Http404("No such format.")
    row = _own_row(profile, list_id)
    url = selectors.signup_url(row["signup_token"])
    if kind == "svg":
        response = HttpResponse(
            qr.qr_svg(url, title=f"Sign-up QR code for {row['name']}"), content_type="image/svg+xml"
        )
    else:
        response = HttpResponse(qr.qr_png(url), content_type="image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="fan-list-{list_id}-qr.{kind}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@studio_page
def fan_import(request: HttpRequest, profile: ArtistProfile, list_id: int) -> HttpResponse:
    """``/studio/fans/<id>/import/``: upload a CSV file, then see its preview."""
    card = selectors.list_card(_own_row(profile, list_id))
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                # One byte more than the limit: enough to know a file is too large.
                data = upload.read(settings.FANS_IMPORT_MAX_BYTES + 1)
                job = imports.import_preview(
                    user=request_user(request), list_id=list_id, data=data, filename=upload.name
                )
            except NotFoundError as error:
                raise Http404(error.message) from error
            except ApplicationError as error:
                add_application_error(form, error)
                status = error.status_code
            else:
                return redirect("fans-import-job", job_id=job.pk)
    return render(
        request, "messaging/fans/import.html", {"list": card, "form": form}, status=status
    )


@studio_page
def fan_import_job(request: HttpRequest, profile: ArtistProfile, job_id: int) -> HttpResponse:
    """``/studio/fans/imports/<id>/``: the preview (verdict per row, confirm), then the
    progress (HTMX polls ``?fragment=progress``; without JavaScript the page refreshes itself)
    and the report of every rejected row."""
    user = request_user(request)
    try:
        job = imports.own_job(user=user, job_id=job_id)
    except NotFoundError as error:
        raise Http404(error.message) from error
    form = ImportConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                job = imports.import_confirm(user=user, job_id=job_id, consent_confirmed=True)
            except ApplicationError as error:
                add_application_error(form, error)
                status = error.status_code
            else:
                return redirect("fans-import-job", job_id=job.pk)
    card = selectors.job_card(job)
    context: dict[str, Any] = {
        "job": card,
        "list": {"id": job.contact_list_id, "name": job.contact_list.name},
        "form": form,
        "running": job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING),
    }
    if request.GET.get("fragment") == "progress":
        return render(request, "messaging/fans/includes/import_progress.html", context)
    if job.status == ImportStatus.PREVIEW:
        rows = imports.preview_rows(job)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.verdict] = counts.get(row.verdict, 0) + 1
        context["counts"] = [
            (verdict, label, counts.get(verdict, 0))
            for verdict, label in imports.VERDICTS.items()
            if counts.get(verdict)
        ]
        context["ok_count"] = counts.get(imports.OK, 0)
        context["rejected"] = [row.report() for row in rows if row.verdict != imports.OK]
        context["sample"] = [row for row in rows if row.verdict == imports.OK][
            : imports.PREVIEW_ROWS_SHOWN
        ]
    else:
        context["rejected"] = job.rejected
        context["labels"] = imports.VERDICTS
    return render(request, "messaging/fans/import_job.html", context, status=status)


# --- the fans' own pages ------------------------------------------------------------------------


def fans_join(request: HttpRequest, token: str) -> HttpResponse:
    """``/fans/<token>/join``: the public sign-up page of a list (double opt-in by email)."""
    try:
        contact_list = services.signup_list(token)
    except NotFoundError as error:
        raise Http404(error.message) from error
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.signup_request(token=token, ip=_ip(request), **form.cleaned_data)
            except NotFoundError as error:
                raise Http404(error.message) from error
            except ApplicationError as error:
                add_application_error(form, error)
                status = error.status_code
            else:
                return render(
                    request,
                    "messaging/fans/join_sent.html",
                    {"list": contact_list, "email": form.cleaned_data["email"]},
                )
    context = {"list": contact_list, "artist": contact_list.artist, "form": form}
    return render(request, "messaging/fans/join.html", context, status=status)


def fans_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the confirmation email. GET shows a button, POST confirms: a mail scanner
    that opens links must not subscribe anyone (as ``ACCOUNT_CONFIRM_EMAIL_ON_GET = False``)."""
    if services.consent.read_confirm_token(token) is None:
        raise Http404("This confirmation link is not valid.")
    if request.method == "POST":
        try:
            member = services.signup_confirm(token=token, ip=_ip(request))
        except NotFoundError as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            return render(
                request,
                "messaging/fans/confirm.html",
                {"error": error.message},
                status=error.status_code,
            )
        context = {"confirmed": True, "artist_name": member.contact_list.artist.stage_name}
        return render(request, "messaging/fans/confirm.html", context)
    return render(request, "messaging/fans/confirm.html", {"confirmed": False})


@csrf_exempt  # the signed link is the proof; mail clients POST here with no cookie (RFC 8058)
def fans_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """``/fans/unsubscribe/<token>/``: GET asks to confirm; POST (the page's button, or a mail
    client's one-click ``List-Unsubscribe=One-Click``) unsubscribes from the artist."""
    data = services.consent.read_unsubscribe_token(token)
    if data is None:
        raise Http404("This unsubscribe link is not valid.")
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        try:
            artist = services.unsubscribe(token=token, one_click=one_click, ip=_ip(request))
        except NotFoundError as error:
            raise Http404(error.message) from error
        return render(
            request,
            "messaging/fans/unsubscribe.html",
            {"done": True, "artist_name": artist.stage_name, "email": data.get("e")},
        )
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    artist_name = (
        ArtistProfile.objects.filter(pk=data["a"]).values_list("stage_name", flat=True).first()
    )
    if artist_name is None:
        raise Http404("This unsubscribe link is not valid any more.")
    context = {
        "done": False,
        "artist_name": artist_name,
        "email": data.get("e"),
        "action": reverse("fans-unsubscribe", args=[token]),
    }
    return render(request, "messaging/fans/unsubscribe.html", context)
