"""Staff's door to accounts. Changes go through the account services' rules: the role only as
``role_check`` allows (never off an onboarded account), onboarding state only through the
onboarding services, deletion only as anonymisation (``user_soft_delete``)."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.http import HttpRequest

from accounts import services
from accounts.models import User, UserQuerySet
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error


class UserChangeForm(BaseUserChangeForm):
    class Meta(BaseUserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        try:
            services.user_check_staff_edit(
                user=self.instance,  # not changed yet: the form writes to it after clean()
                role=cleaned.get("role", self.instance.role),
                is_staff=cleaned.get("is_staff", self.instance.is_staff),
            )
        except ApplicationError as error:
            add_application_error(self, error)
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    ordering = ["-created_at"]
    list_display = [
        "email",
        "display_name",
        "role",
        "onboarding_complete",
        "is_staff",
        "is_active",
        "created_at",
    ]
    list_filter = [
        "role",
        "onboarding_complete",
        "is_staff",
        "is_active",
        ("deleted_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "display_name"]
    # Onboarding is finished by the onboarding services (a role, an artist's five steps).
    readonly_fields = [
        "onboarding_complete",
        "created_at",
        "updated_at",
        "last_login",
        "deleted_at",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "role", "onboarding_complete", "timezone"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "created_at", "updated_at", "deleted_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    actions = ["soft_delete"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A hard delete would cascade to profiles, tracks and files and leave the stored files
        # behind: accounts are anonymised instead (the action below).
        return False

    @admin.action(description="Delete (anonymise) the selected accounts")
    def soft_delete(self, request: HttpRequest, queryset: UserQuerySet) -> None:
        count = 0
        for user in queryset.live():
            services.user_soft_delete(user=user)
            count += 1
        self.message_user(request, f"{count} account(s) anonymised.", messages.SUCCESS)
