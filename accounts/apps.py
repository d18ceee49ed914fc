from django.apps import AppConfig

WELCOME = "account.welcome"


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from accounts import schema  # noqa: F401  (registers the OpenAPI auth extensions)
        from accounts.notifications import register_kind

        # The account's own kinds; the domains register theirs in their AppConfig.ready().
        register_kind(WELCOME, "Welcome, when your account is ready", email_default=False)
