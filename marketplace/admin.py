"""Staff's door to the marketplace. Every write goes through the same services as the API:

- cancelling gigs: the "Cancel selected gigs" action asks for a reason and calls
  ``gig_cancel_by_staff`` (applicants rejected, the booking cancelled, all audited);
- verifying venues: the verify / unverify actions ask for a note and call
  ``venue_set_verified`` (a ``VenueVerificationNote`` per change);
- hiding reviews: the "Hide selected reviews" action asks for a reason and calls
  ``review_hide`` (the reviewed side's rating is recomputed);
- deleting saved searches (page or bulk action): ``saved_search_delete_by_staff``.

What no service offers is not offered here: venues, gigs, applications, bookings and
unavailable dates are made by their owners (onboarding, posting, applying, accepting), never
added or edited in admin; status changes and verification notes are records, read-only.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import request_user
from artists.admin import DeletedOnlyWithTheAccount, RecordAdmin
from marketplace import services
from marketplace.models import (
    Application,
    Booking,
    Gig,
    Review,
    SavedSearch,
    StatusChange,
    Unavailability,
    VenueProfile,
    VenueVerificationNote,
)
from umbrella.errors import ApplicationError


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea, label="Reason (kept in the audit trail)", max_length=1000
    )


def _with_note(
    admin_: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: str,
    button: str,
    call: Callable[[Any, str], Any],
) -> HttpResponse | None:
    """An action that first asks for a note, then calls the service once per selected row."""
    if "apply" in request.POST:
        form = NoteForm(request.POST)
        if form.is_valid():
            done = 0
            for obj in queryset:
                try:
                    call(obj, form.cleaned_data["note"])
                    done += 1
                except ApplicationError as error:
                    admin_.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            admin_.message_user(request, f"{done} done.", messages.SUCCESS)
            return None
    else:
        form = NoteForm()
    return render(
        request,
        "admin/marketplace/note.html",
        {
            "form": form,
            "objects": queryset,
            "action": action,
            "title": title,
            "button": button,
            "opts": admin_.model._meta,
        },
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows owners make through the services: staff read them and use the actions."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VerificationNoteInline(admin.TabularInline):
    model = VenueVerificationNote
    extra = 0
    fields = ("verified", "note", "by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(VenueProfile)
class VenueProfileAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["name", "slug", "city", "country", "verified", "onboarding_step", "created_at"]
    list_filter = ["verified", "country"]
    search_fields = ["name", "slug", "city", "user__email"]
    inlines = [VerificationNoteInline]
    actions = ["verify", "unverify"]

    def _set_verified(self, request: HttpRequest, queryset: QuerySet, verified: bool) -> Any:
        return _with_note(
            self,
            request,
            queryset,
            action="verify" if verified else "unverify",
            title="Verify venues" if verified else "Remove verification",
            button="Verify" if verified else "Remove verification",
            call=lambda venue, note: services.venue_set_verified(
                venue_id=venue.pk, by=request_user(request), verified=verified, note=note
            ),
        )

    @admin.action(description="Verify selected venues (with an audit note)")
    def verify(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._set_verified(request, queryset, True)

    @admin.action(description="Remove verification (with an audit note)")
    def unverify(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._set_verified(request, queryset, False)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = (
        "subject", "application", "booking", "from_status", "to_status", "by", "reason",
        "created_at",
    )  # fmt: skip
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Gig)
class GigAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["title", "venue_name", "location_city", "date", "start_time", "status",
                    "payment_amount", "payment_type"]  # fmt: skip
    list_filter = ["status", "payment_type", "genre", "date"]
    search_fields = ["title", "venue_name", "location_city", "venue__slug"]
    date_hierarchy = "date"
    inlines = [StatusChangeInline]
    actions = ["cancel"]

    @admin.action(description="Cancel selected gigs (with a reason)")
    def cancel(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _with_note(
            self,
            request,
            queryset,
            action="cancel",
            title="Cancel gigs",
            button="Cancel these gigs",
            call=lambda gig, note: services.gig_cancel_by_staff(
                gig_id=gig.pk, by=request_user(request), reason=note
            ),
        )


@admin.register(Application)
class ApplicationAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["id", "gig", "artist", "status", "proposed_rate", "created_at"]
    list_filter = ["status"]
    search_fields = ["gig__title", "artist__stage_name"]


@admin.register(Booking)
class BookingAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["id", "gig", "artist", "status", "starts_at", "fee", "cancelled_by"]
    list_filter = ["status", "cancelled_by"]
    search_fields = ["gig__title", "artist__stage_name"]


@admin.register(Unavailability)
class UnavailabilityAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["artist", "start_date", "end_date", "note"]
    search_fields = ["artist__stage_name"]


@admin.register(StatusChange)
class StatusChangeAdmin(RecordAdmin):
    list_display = ["gig", "subject", "from_status", "to_status", "by", "created_at"]
    list_filter = ["subject", "to_status"]
    search_fields = ["gig__title", "reason"]


@admin.register(VenueVerificationNote)
class VenueVerificationNoteAdmin(RecordAdmin):
    list_display = ["venue", "verified", "by", "created_at"]
    list_filter = ["verified"]
    search_fields = ["venue__name", "note"]


@admin.register(Review)
class ReviewAdmin(DeletedOnlyWithTheAccount, ReadOnlyAdmin):
    list_display = ["id", "side", "artist", "venue", "rating", "published_at", "hidden"]
    list_filter = ["side", "hidden", "rating"]
    search_fields = ["comment", "artist__stage_name", "venue__name"]
    actions = ["hide"]

    @admin.action(description="Hide selected reviews (with a reason)")
    def hide(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return _with_note(
            self,
            request,
            queryset,
            action="hide",
            title="Hide reviews",
            button="Hide these reviews",
            call=lambda review, note: services.review_hide(
                review_id=review.pk, by=request_user(request), reason=note
            ),
        )


@admin.register(SavedSearch)
class SavedSearchAdmin(ReadOnlyAdmin):
    """Artists make and change their saved searches; staff read them and may delete one
    (through the service, like the artist's own delete)."""

    list_display = ["name", "artist", "last_digest_at", "created_at"]
    search_fields = ["name", "artist__stage_name", "artist__user__email"]
    readonly_fields = ["artist", "name", "filters", "last_digest_at", "created_at", "updated_at"]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.saved_search_delete_by_staff(saved_search_id=obj.pk, by=request_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for search in queryset:
            self.delete_model(request, search)
