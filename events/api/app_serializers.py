"""Shapes of the apps API (``/api/v1/apps``). The manifest itself is checked by
:mod:`events.manifest` in the service (``invalid_manifest``), not here: a serializer would
report its errors in another shape."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import APP_ID_PATTERN, App, AppManifestVersion
from events.services.apps import GRACE_HOURS_DEFAULT, GRACE_HOURS_MAX, REASON_MAX_LENGTH
from umbrella.api import InputSerializer, QuerySerializer

SECRET_KINDS = ["webhook", "client"]


@extend_schema_field(OpenApiTypes.OBJECT)
class ManifestField(serializers.JSONField):
    """A manifest (SPEC-events §3; its JSON Schema: ``GET /api/v1/apps/manifest-schema``)."""


class AppListQuerySerializer(QuerySerializer):
    """The list's own filters (the paginator reads ``page`` and ``page_size``)."""

    is_active = serializers.BooleanField(
        required=False, default=None, allow_null=True, help_text="Only apps enabled (or not)."
    )
    owner_id = serializers.IntegerField(
        required=False, min_value=1, help_text="Staff: only the apps of this user."
    )


class AppRegisterInputSerializer(InputSerializer):
    manifest = ManifestField(help_text="The app's manifest (see `GET /apps/manifest-schema`).")
    app_id = serializers.RegexField(
        APP_ID_PATTERN,
        required=False,
        help_text="The public id you want (3-64 of a-z, 0-9, _; starts with a letter). "
        "Default: `app_` + the manifest's name.",
    )


class AppPublishInputSerializer(InputSerializer):
    manifest = ManifestField(help_text="The new version's whole manifest (not a diff).")


class RotateSecretInputSerializer(InputSerializer):
    secret = serializers.ChoiceField(
        choices=SECRET_KINDS,
        default="webhook",
        help_text="`webhook`: a new signing secret; `client`: a new client secret.",
    )
    grace_hours = serializers.IntegerField(
        min_value=0,
        max_value=GRACE_HOURS_MAX,
        default=GRACE_HOURS_DEFAULT,
        help_text="Signing secrets only: how long the older ones keep signing (0: end now).",
    )


class DeprecateVersionInputSerializer(InputSerializer):
    version = serializers.CharField(max_length=64)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class WebhookSecretInfoSerializer(serializers.Serializer):
    prefix = serializers.SerializerMethodField(help_text="The secret's first characters.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)

    def get_prefix(self, secret: Any) -> str:
        return str(secret.secret[:12])


class ClientSecretInfoSerializer(serializers.Serializer):
    prefix = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class AppCardSerializer(serializers.ModelSerializer):
    owner_id = serializers.IntegerField()
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = App
        fields: tuple[str, ...] = (
            "app_id",
            "name",
            "owner_id",
            "manifest_version",
            "capabilities",
            "is_active",
            "disabled_webhooks",
            "created_at",
            "updated_at",
        )

    def get_capabilities(self, app: App) -> list[str]:
        return list(app.manifest.get("capabilities", []))


class AppDetailSerializer(AppCardSerializer):
    manifest = ManifestField()
    webhook_secrets = WebhookSecretInfoSerializer(
        many=True, help_text="The live signing secrets (only their first characters)."
    )
    client_secrets = ClientSecretInfoSerializer(
        many=True, help_text="The unrevoked client secrets (only their first characters)."
    )

    class Meta(AppCardSerializer.Meta):
        fields: tuple[str, ...] = (
            *AppCardSerializer.Meta.fields,
            "manifest",
            "webhook_secrets",
            "client_secrets",
        )


class AppRegisteredSerializer(AppDetailSerializer):
    client_secret = serializers.CharField(help_text="Shown once: store it now.")
    webhook_secret = serializers.CharField(help_text="Shown once: store it now (`whsec_…`).")

    class Meta(AppDetailSerializer.Meta):
        fields: tuple[str, ...] = (
            *AppDetailSerializer.Meta.fields,
            "client_secret",
            "webhook_secret",
        )


class AppVersionSerializer(serializers.ModelSerializer):
    manifest = ManifestField()
    is_current = serializers.SerializerMethodField()

    class Meta:
        model = AppManifestVersion
        fields = (
            "version",
            "manifest",
            "published_at",
            "deprecated_at",
            "deprecation_reason",
            "is_current",
        )

    def get_is_current(self, row: AppManifestVersion) -> bool:
        return bool(row.version == self.context.get("current_version"))


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.ChoiceField(choices=SECRET_KINDS, help_text="Which secret was rotated.")
    value = serializers.CharField(help_text="The new secret. Shown once: store it now.")
    older_expire_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Signing secrets: when the older ones stop signing. Client secrets: null "
        "(the older ones are revoked at once).",
    )
