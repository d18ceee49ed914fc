"""OpenAPI description of the app authenticator (imported by EventsConfig.ready).

Only operations that apps may call (``events.scopes.APP_ENDPOINTS``) list the app schemes; the
rest of the API refuses app tokens, so their security stays the people's (access token or
session cookie)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from events.scopes import app_rule


class AppTokenScheme(OpenApiAuthenticationExtension):
    target_class = "events.auth.AppTokenAuthentication"
    name = ["appToken", "actingAppToken"]

    def get_security_requirement(self, auto_schema: Any) -> Any:
        if app_rule(auto_schema.view, auto_schema.method) is None:
            return None
        # An app token alone (system call), or a user's access token with X-App-Token.
        return [{"appToken": []}, {"accessToken": [], "actingAppToken": []}]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "uat_…",
                "description": "App token from POST /api/v1/apps/token, for system calls "
                "(docs/events.md).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-App-Token",
                "description": "App token acting for the user whose access token is in "
                "Authorization (docs/events.md).",
            },
        ]
