from typing import Any

from django.apps import AppConfig
from django.core import checks


def _figures_match_the_catalog(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every figure of the catalog (the model's columns) is filled by exactly one registered
    domain function, and no domain registers a figure analytics does not keep: a new figure
    needs both (docs/analytics.md, "Adding a figure")."""
    from analytics import metrics
    from umbrella import daily_metrics

    problems: list[checks.CheckMessage] = []
    for kind in daily_metrics.KINDS:
        kept, registered = set(metrics.names(kind)), daily_metrics.figure_names(kind)
        if daily_metrics.subjects_of(kind) is None:
            problems.append(checks.Error(f"No app registers the {kind} subjects.", id="an.E001"))
        for name in sorted(kept - registered):
            problems.append(
                checks.Error(f"No app registers the {kind} figure {name!r}.", id="an.E002")
            )
        for name in sorted(registered - kept):
            problems.append(
                checks.Error(
                    f"The {kind} figure {name!r} is registered but analytics does not keep it.",
                    id="an.E003",
                )
            )
    return problems


def _forget_answers_on_save() -> None:
    """A figures row saved or deleted one by one (admin, a test, a shell) makes the API's kept
    answers unusable, as the bulk writers do themselves (``analytics.cache``)."""
    from django.db.models.signals import post_delete, post_save

    from analytics.cache import figures_changed_on_commit
    from analytics.models import DailyMetric, VenueDailyMetric

    def changed(**kwargs: Any) -> None:
        figures_changed_on_commit()

    for model in (DailyMetric, VenueDailyMetric):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            uid = f"analytics-answers-{model.__name__}-{name}"
            signal.connect(changed, sender=model, weak=False, dispatch_uid=uid)


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from accounts.models import Role
        from umbrella import domains

        checks.register(_figures_match_the_catalog)
        _forget_answers_on_save()
        both = frozenset({Role.ARTIST, Role.VENUE})
        domains.register(
            domains.EntryPoints(
                app=self.name,
                dashboard=(
                    domains.Card(
                        title="Analytics",
                        text="How you are doing over time: views, gigs, earnings, fans, with "
                        "charts and a CSV export.",
                        url_name="analytics-dashboard",
                        link_text="Open analytics",
                        roles=both,
                    ),
                ),
                studio=(
                    domains.MenuLink(
                        label="Analytics",
                        url_name="analytics-dashboard",
                        roles=frozenset({Role.ARTIST}),
                    ),
                ),
                # The figures an artist made public, on their page's Stats tab.
                artist_stats_fragments=("analytics-public-stats",),
            )
        )
