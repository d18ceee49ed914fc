from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from accounts.models import Role
        from accounts.notifications import register_kind
        from messaging.services import DIGEST_VERB
        from umbrella import domains

        # Not an in-app notification (the unread badge is that): the kind gives the email
        # digest an on/off switch on the notification preferences page.
        register_kind(DIGEST_VERB, "Unread messages, by email while you are away")
        domains.register(
            domains.EntryPoints(
                app=self.name,
                # The inbox is in the main menu of base.html, with its unread badge.
                contact="message-to",
                # Fans' own pages: sign up to a list, confirm, unsubscribe (no account needed).
                open_prefixes=("/fans/",),
                studio=(
                    domains.MenuLink(
                        label="Fan lists", url_name="fans-lists", roles=frozenset({Role.ARTIST})
                    ),
                ),
            )
        )
