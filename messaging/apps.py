from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from accounts.deletion import user_deletion_register
        from accounts.models import Role
        from accounts.notifications import register_kind
        from accounts.state_hooks import user_state_register
        from messaging import live
        from messaging.services import DIGEST_VERB
        from umbrella import domains

        # Not an in-app notification (the unread badge is that): the kind gives the email
        # digest an on/off switch on the notification preferences page.
        register_kind(DIGEST_VERB, "Unread messages, by email while you are away")
        # A deactivated or deleted account's open sockets close (messaging.live).
        user_state_register(live.close_sockets_of_gone_account)
        user_deletion_register(live.close_sockets_of_deleted_account)
        self._campaigns()
        from messaging import daily_metrics as figures
        from umbrella import daily_metrics

        # Messages received, fan list growth and campaign sends in the nightly rollup.
        daily_metrics.register(self.name, figures=figures.FIGURES)
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
