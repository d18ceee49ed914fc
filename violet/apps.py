from django.apps import AppConfig


class VioletConfig(AppConfig):
    name = "violet"

    def ready(self) -> None:
        from accounts.models import Role
        from marketplace.hooks import on_application_draft
        from umbrella import domains
        from violet.selectors import pitch_draft

        # A gig pitch pastes into the gig page's application form (/gigs/<id>/?draft=<id>).
        on_application_draft(pitch_draft)
        artist = frozenset({Role.ARTIST})

        def write(page: str, label: str, tool: str) -> domains.PageLink:
            return domains.PageLink(
                page=page,
                label=label,
                url_name="violet-workspace",
                query=(("tool", tool),),
                roles=artist,
            )

        domains.register(
            domains.EntryPoints(
                app=self.name,
                # The streamed drafts answer JSON errors themselves (onboarding_required).
                open_prefixes=("/stream/violet/",),
                dashboard=(
                    domains.Card(
                        title="Violet",
                        text="Write your bio, a tagline, pitches, press releases, captions, "
                        "setlists and replies, from your own profile.",
                        url_name="violet-workspace",
                        link_text="Open Violet",
                        roles=artist,
                    ),
                ),
                page_links=(
                    write("profile-editor", "Write your bio or tagline with Violet", "bio"),
                    write("gig-application", "Write my pitch with Violet", "gig_pitch"),
                    write("booking", "Write a press release with Violet", "press_release"),
                    write("conversation", "Draft a reply with Violet", "message_reply"),
                ),
            )
        )
