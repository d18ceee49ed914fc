"""Staff's door to the artists app. Every write goes through the same services (and their
validation) as the pages and the API:

- profile edits: ``profile_check`` in the form, ``profile_update_by_staff`` on save;
- track edits and deletes (list, bulk action, the profile's track inline):
  ``track_check`` / ``track_update_by_staff`` / ``track_delete_by_staff``;
- media files: only the category can change (``media_check_category`` / ``media_set_category``);
  deletes go through ``media_delete_by_staff``;
- quota limits: ``quota_check_limit`` / ``quota_set_limit``; the used bytes only by reconcile.

What no service offers is not offered here: profiles, tracks, files and quotas are created by
onboarding and uploads (which check the bytes and charge the quota), never added in admin;
profile views and verification notes are records, read-only; profiles, quotas and records are
deleted only with their account (``DeletedOnlyWithTheAccount``).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import request_user
from artists import services, steps
from artists.models import (
    ArtistProfile,
    MediaFile,
    MediaQuota,
    ProfileView,
    Track,
    VerificationNote,
)
from artists.services.tracks import TRACK_FIELDS
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error


class ServiceForm(forms.ModelForm):
    """A model form whose ``clean`` asks a service whether (and how) it would store the values:
    its refusals become form errors, its normalised values are what is saved."""

    def check(self, data: dict[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.errors:
            return cleaned
        data = {name: cleaned[name] for name in self._meta.fields or () if name in cleaned}
        try:
            normalised = self.check(data)
        except ApplicationError as error:
            add_application_error(self, error)
        else:
            cleaned.update(normalised or {})
        return cleaned

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DeletedOnlyWithTheAccount:
    """Rows that are never deleted on their own in admin (no delete page, no bulk action), only
    with their account (``accounts.services.user_hard_delete``, which deletes the stored files
    too). Django checks the delete permission of every row a deletion cascades to, so the
    permission itself stays: only the doors are closed."""

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        raise PermissionDenied


class ServiceAdmin(admin.ModelAdmin):
    """Admin whose saves and deletes are service calls. Nothing is added here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_via_service(self, request: HttpRequest, obj: Any, form: ServiceForm) -> None:
        raise NotImplementedError

    def delete_via_service(self, request: HttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if form.changed_data:
            self.save_via_service(request, obj, form)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_via_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_via_service(request, obj)


class VerificationForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea, label="Audit note", max_length=2000)


# --- profiles -------------------------------------------------------------------------------


class ArtistProfileForm(ServiceForm):
    # Accept what the API accepts: a handle may be typed as a profile link, which the service
    # shortens (its own length limit applies to the result).
    LINK_OR_HANDLE = ("instagram_handle", "tiktok_handle")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.LINK_OR_HANDLE:
            if name in self.fields:
                field = self.fields[name]
                field.max_length = None  # type: ignore[attr-defined]
                field.validators = [v for v in field.validators if not hasattr(v, "limit_value")]
                field.widget.attrs.pop("maxlength", None)

    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        return services.profile_check(profile=self.instance, data=data)


class TrackInline(admin.TabularInline):
    """The profile's tracks, to look at or delete (through ``track_delete_by_staff``, from
    ``ArtistProfileAdmin.save_formset``); edited on their own admin page."""

    model = Track
    fields = ["title", "display_order", "duration_seconds", "plays"]
    readonly_fields = ["title", "display_order", "duration_seconds", "plays"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VerificationNoteInline(admin.TabularInline):
    model = VerificationNote
    fields = ["created_at", "by", "verified", "note"]
    readonly_fields = ["created_at", "by", "verified", "note"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# the onboarding steps' fields, grouped as the wizard groups them
STEP_FIELDSETS: list[Any] = [(step.title, {"fields": list(step.fields)}) for step in steps.STEPS]


# Kept by the platform (reviews, gigs, views), shown to staff, never typed in.
PROFILE_RECORD_FIELDS = (
    "avg_rating",
    "total_reviews",
    "total_gigs",
    "total_earnings",
    "profile_views",
    "created_at",
    "updated_at",
)


@admin.register(ArtistProfile)
class ArtistProfileAdmin(DeletedOnlyWithTheAccount, ServiceAdmin):
    form = ArtistProfileForm
    list_display = [
        "stage_name",
        "slug",
        "primary_genre",
        "location_city",
        "location_country",
        "verified",
        "onboarding_step",
        "avg_rating",
        "total_gigs",
        "profile_views",
        "created_at",
    ]
    list_filter = [
        "verified",
        "onboarding_step",
        "primary_genre",
        "location_country",
        "available_weekends",
    ]
    search_fields = ["stage_name", "slug", "user__email", "location_city"]
    fieldsets = [
        (None, {"fields": ["user", "slug", "onboarding_step", "verified"]}),
        *STEP_FIELDSETS,
        ("Social & portfolio", {"fields": list(steps.SOCIAL_FIELDS)}),
        ("Images", {"fields": ["avatar", "banner"]}),
        (
            "Record",
            {"fields": list(PROFILE_RECORD_FIELDS)},
        ),
    ]
    # Who owns a profile, how far onboarding got and the pictures change only through the
    # artist's own doors; verification through the actions below (with an audit note).
    readonly_fields = [
        "user",
        "onboarding_step",
        "verified",
        "avatar",
        "banner",
        *PROFILE_RECORD_FIELDS,
    ]
    inlines = [TrackInline, VerificationNoteInline]
    actions = ["verify", "unverify"]

    def save_via_service(self, request: HttpRequest, obj: Any, form: ServiceForm) -> None:
        services.profile_update_by_staff(
            artist_id=obj.pk, by=request_user(request), data=form.service_data()
        )
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Track:
            formset.save()
            return
        formset.save(commit=False)  # fills deleted_objects; every field is read-only
        for track in formset.deleted_objects:
            services.track_delete_by_staff(track_id=track.pk, by=request_user(request))

    def _set_verified(
        self, request: HttpRequest, queryset: QuerySet, verified: bool
    ) -> HttpResponse | None:
        if "apply" in request.POST:
            form = VerificationForm(request.POST)
            if form.is_valid():
                done = 0
                for artist in queryset:
                    try:
                        services.artist_set_verified(
                            artist_id=artist.pk,
                            by=request_user(request),
                            verified=verified,
                            note=form.cleaned_data["note"],
                        )
                        done += 1
                    except ApplicationError as error:
                        self.message_user(request, error.message, messages.ERROR)
                word = "verified" if verified else "unverified"
                self.message_user(request, f"{done} artist(s) {word}.", messages.SUCCESS)
                return None
        else:
            form = VerificationForm()
        return render(
            request,
            "admin/artists/verify.html",
            {
                "form": form,
                "artists": queryset,
                "verified": verified,
                "action": "verify" if verified else "unverify",
                "opts": self.model._meta,
                "title": "Verify artists" if verified else "Remove verification",
            },
        )

    @admin.action(description="Verify selected artists (with an audit note)")
    def verify(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._set_verified(request, queryset, True)

    @admin.action(description="Remove verification (with an audit note)")
    def unverify(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._set_verified(request, queryset, False)


# --- tracks and files -----------------------------------------------------------------------


class TrackForm(ServiceForm):
    def check(self, data: dict[str, Any]) -> dict[str, Any]:
        return services.track_check(track=self.instance, data=data)


# What admin shows of a track but never edits: the audio and cover are checked and charged to the
# quota by track_create only; the order changes through track_move.
TRACK_READ_ONLY = (
    "audio",
    "audio_size_bytes",
    "duration_seconds",
    "cover_art",
    "display_order",
    "plays",
    "created_at",
    "updated_at",
)


@admin.register(Track)
class TrackAdmin(ServiceAdmin):
    form = TrackForm
    list_display = [
        "title",
        "artist",
        "genre",
        "release_year",
        "duration_seconds",
        "plays",
        "display_order",
    ]
    list_filter = ["genre", "release_year"]
    search_fields = ["title", "artist__stage_name"]
    fields = ["artist", *TRACK_FIELDS, *TRACK_READ_ONLY]
    readonly_fields = ["artist", *TRACK_READ_ONLY]

    def save_via_service(self, request: HttpRequest, obj: Any, form: ServiceForm) -> None:
        services.track_update_by_staff(
            track_id=obj.pk, by=request_user(request), data=form.service_data()
        )
        obj.refresh_from_db()

    def delete_via_service(self, request: HttpRequest, obj: Any) -> None:
        services.track_delete_by_staff(track_id=obj.pk, by=request_user(request))


class MediaFileForm(ServiceForm):
    def check(self, data: dict[str, Any]) -> None:
        if "category" in data:
            services.media_check_category(media=self.instance, category=data["category"])


@admin.register(MediaFile)
class MediaFileAdmin(ServiceAdmin):
    form = MediaFileForm
    list_display = [
        "filename",
        "artist",
        "category",
        "mime_type",
        "size_bytes",
        "status",
        "created_at",
    ]
    list_filter = ["category", "status", "mime_type"]
    search_fields = ["filename", "artist__stage_name"]
    fields = [
        "artist",
        "filename",
        "category",
        "mime_type",
        "size_bytes",
        "status",
        "file",
        "created_at",
        "updated_at",
    ]
    # Files arrive through the upload services (type from the bytes, quota charged); staff
    # may only refile one where it could have been uploaded, or delete it.
    readonly_fields = [
        "artist",
        "filename",
        "mime_type",
        "size_bytes",
        "status",
        "file",
        "created_at",
        "updated_at",
    ]

    def save_via_service(self, request: HttpRequest, obj: Any, form: ServiceForm) -> None:
        services.media_set_category(
            media_id=obj.pk, by=request_user(request), category=form.cleaned_data["category"]
        )
        obj.refresh_from_db()

    def delete_via_service(self, request: HttpRequest, obj: Any) -> None:
        services.media_delete_by_staff(media_id=obj.pk, by=request_user(request))


# --- quota ----------------------------------------------------------------------------------


class MediaQuotaForm(ServiceForm):
    def check(self, data: dict[str, Any]) -> None:
        if data.get("limit_bytes") is not None:
            services.quota_check_limit(quota=self.instance, limit_bytes=data["limit_bytes"])


@admin.register(MediaQuota)
class MediaQuotaAdmin(DeletedOnlyWithTheAccount, ServiceAdmin):
    form = MediaQuotaForm
    list_display = ["artist", "used_bytes", "limit_bytes", "percent_used", "updated_at"]
    search_fields = ["artist__stage_name"]
    fields = ["artist", "used_bytes", "limit_bytes", "updated_at"]
    readonly_fields = ["artist", "used_bytes", "updated_at"]
    actions = ["reconcile"]

    def save_via_service(self, request: HttpRequest, obj: Any, form: ServiceForm) -> None:
        services.quota_set_limit(
            artist_id=obj.artist_id,
            by=request_user(request),
            limit_bytes=form.cleaned_data["limit_bytes"],
        )
        obj.refresh_from_db()

    @admin.action(description="Recompute used bytes from storage")
    def reconcile(self, request: HttpRequest, queryset: QuerySet) -> None:
        for quota in queryset:
            services.quota_reconcile(artist_id=quota.artist_id)
        self.message_user(request, f"{queryset.count()} quota(s) recomputed.", messages.SUCCESS)


# --- records (read-only) --------------------------------------------------------------------


class RecordAdmin(DeletedOnlyWithTheAccount, admin.ModelAdmin):
    """Rows written by services as a record (views counted, verification notes): staff read
    them; changing or deleting one would make the counters and the audit trail lie."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProfileView)
class ProfileViewAdmin(RecordAdmin):
    list_display = ["artist", "day", "viewer_key", "created_at"]
    list_filter = ["day"]
    search_fields = ["artist__stage_name"]


@admin.register(VerificationNote)
class VerificationNoteAdmin(RecordAdmin):
    list_display = ["artist", "verified", "by", "created_at"]
    list_filter = ["verified"]
    search_fields = ["artist__stage_name", "note"]
