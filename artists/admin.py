from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.selectors import request_user
from artists import services
from artists.models import (
    ArtistProfile,
    MediaFile,
    MediaQuota,
    ProfileView,
    Track,
    VerificationNote,
)
from umbrella.errors import ApplicationError


class VerificationForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea, label="Audit note", max_length=2000)


class TrackInline(admin.TabularInline):
    model = Track
    fields = ["title", "display_order", "duration_seconds", "plays"]
    readonly_fields = ["plays"]
    extra = 0


class VerificationNoteInline(admin.TabularInline):
    model = VerificationNote
    fields = ["created_at", "by", "verified", "note"]
    readonly_fields = ["created_at", "by", "verified", "note"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ArtistProfile)
class ArtistProfileAdmin(admin.ModelAdmin):
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
    readonly_fields = [
        "verified",
        "avg_rating",
        "total_reviews",
        "total_gigs",
        "total_earnings",
        "profile_views",
        "created_at",
        "updated_at",
    ]
    raw_id_fields = ["user"]
    inlines = [TrackInline, VerificationNoteInline]
    actions = ["verify", "unverify"]

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


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
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
    raw_id_fields = ["artist"]
    readonly_fields = ["plays", "audio_size_bytes", "created_at", "updated_at"]


@admin.register(MediaFile)
class MediaFileAdmin(admin.ModelAdmin):
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
    raw_id_fields = ["artist"]
    readonly_fields = ["size_bytes", "mime_type", "created_at", "updated_at"]


@admin.register(MediaQuota)
class MediaQuotaAdmin(admin.ModelAdmin):
    list_display = ["artist", "used_bytes", "limit_bytes", "percent_used", "updated_at"]
    search_fields = ["artist__stage_name"]
    raw_id_fields = ["artist"]
    readonly_fields = ["used_bytes"]
    actions = ["reconcile"]

    @admin.action(description="Recompute used bytes from storage")
    def reconcile(self, request: HttpRequest, queryset: QuerySet) -> None:
        for quota in queryset:
            services.quota_reconcile(artist_id=quota.artist_id)
        self.message_user(request, f"{queryset.count()} quota(s) recomputed.", messages.SUCCESS)


@admin.register(ProfileView)
class ProfileViewAdmin(admin.ModelAdmin):
    list_display = ["artist", "day", "viewer_key", "created_at"]
    list_filter = ["day"]
    search_fields = ["artist__stage_name"]
    raw_id_fields = ["artist"]


@admin.register(VerificationNote)
class VerificationNoteAdmin(admin.ModelAdmin):
    list_display = ["artist", "verified", "by", "created_at"]
    list_filter = ["verified"]
    search_fields = ["artist__stage_name", "note"]
    readonly_fields = ["artist", "by", "verified", "note", "created_at", "updated_at"]
