"""Staff's door to accounts. Changes go through the account services' rules: the role only as
``role_check`` allows (never once it is locked), onboarding state only through the onboarding
services, access changes end sign-ins (``user_access_changed``), deletes through
``user_hard_delete`` or anonymisation (``user_soft_delete``)."""

from typing import Any

from allauth.account.adapter import get_adapter
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts import services
from accounts.models import Notification, SessionEndReason, User, UserQuerySet
from accounts.state_hooks import WATCHED_FIELDS
from umbrella.errors import ApplicationError
from umbrella.forms import add_application_error


class AdminLoginForm(AdminAuthenticationForm):
    """Staff sign in through allauth's authentication, so its lockout covers this door too.

    ``adapter.authenticate`` counts failed attempts per IP and per address (allauth's
    ``login_failed`` rate limit) in the same cache entries as the ``/accounts/login/`` page and
    ``/_allauth/`` login; once locked out, the right password is refused here as well.
    """

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, email=email.strip().lower(), password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = AdminLoginForm

# Staff changes to these fields end every sign-in of the account (see services).
_ACCESS_FIELDS = {
    "is_active": SessionEndReason.DEACTIVATED,
    "role": SessionEndReason.ROLE_CHANGED,
    "is_staff": SessionEndReason.STAFF_CHANGED,
    "is_superuser": SessionEndReason.STAFF_CHANGED,
    "groups": SessionEndReason.STAFF_CHANGED,
    "user_permissions": SessionEndReason.STAFF_CHANGED,
}


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

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            return
        if WATCHED_FIELDS & set(form.changed_data):  # e.g. deactivated, or reactivated
            services.user_state_saved(user=obj)
        changed = [name for name in form.changed_data if name in _ACCESS_FIELDS]
        if not changed:
            return
        if "is_active" in changed and obj.is_active:
            changed.remove("is_active")  # reactivation: nothing to end
        if changed:
            services.user_access_changed(user=obj, reason=_ACCESS_FIELDS[changed[0]])

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            keep = request.session.session_key if request.user.pk == user.pk else None
            services.user_password_changed(user=user, reset=True, keep_session_key=keep)
        return response

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_hard_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            self.delete_model(request, user)

    @admin.action(description="Delete (anonymise) the selected accounts")
    def soft_delete(self, request: HttpRequest, queryset: UserQuerySet) -> None:
        count = 0
        for user in queryset.live():
            services.user_soft_delete(user=user)
            count += 1
        self.message_user(request, f"{count} account(s) anonymised.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by ``accounts.notifications.notify`` and read by
    their user; staff look (support questions: "did they get told?") and change nothing. They
    go with the account."""

    list_display = ["user", "verb", "text", "created_at", "read_at", "emailed_at"]
    list_filter = ["verb", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "text"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Deleted only with the account. Django checks the delete permission of every row a user's
    # deletion cascades to, so the permission stays; only this model's own doors are closed.
    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        raise PermissionDenied
