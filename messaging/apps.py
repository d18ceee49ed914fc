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
        self._campaigns()
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
                    domains.MenuLink(
                        label="Campaigns", url_name="campaigns", roles=frozenset({Role.ARTIST})
                    ),
                ),
            )
        )

    def _campaigns(self) -> None:
        from anymail.signals import tracking

        from accounts.notifications import register_kind
        from marketplace.hooks import on_booking_accepted
        from messaging.campaigns import receivers
        from messaging.campaigns.services import ANNOUNCEMENT_VERB

        register_kind(ANNOUNCEMENT_VERB, "A booking's show announcement is ready to send")
        tracking.connect(receivers.email_tracking, dispatch_uid="messaging.campaigns.tracking")
        on_booking_accepted(receivers.booking_accepted)
