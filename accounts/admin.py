from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts import services
from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
    readonly_fields = ["created_at", "updated_at", "last_login", "deleted_at"]
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

    @admin.action(description="Delete (anonymise) the selected accounts")
    def soft_delete(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset.filter(deleted_at__isnull=True):
            services.user_soft_delete(user=user)
            count += 1
        self.message_user(request, f"{count} account(s) anonymised.", messages.SUCCESS)
