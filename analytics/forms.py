from typing import Any

from django import forms

from analytics import metrics


class PeriodForm(forms.Form):
    """The dashboard's and the CSV export's period: one of ``metrics.PERIODS`` days (an
    unknown value is refused, not ignored)."""

    days = forms.TypedChoiceField(
        choices=[(str(days), f"{days} days") for days in metrics.PERIODS],
        coerce=int,
        required=False,
    )

    def days_or_default(self) -> int:
        if not self.is_valid() or self.cleaned_data["days"] in (None, ""):
            return metrics.DEFAULT_PERIOD
        return int(self.cleaned_data["days"])


class PublicStatsForm(forms.Form):
    """Which figures the public Stats tab shows (the service checks them again)."""

    metrics = forms.MultipleChoiceField(
        choices=[(m.name, m.label) for m in metrics.ARTIST_METRICS if m.name in metrics.SHAREABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Show on your public page",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metrics"].help_text = (
            "Chosen figures appear on your page's Stats tab: the last 30 days against the 30 "
            "before, with a 90-day trend. Earnings, applications, messages and campaign sends "
            "stay private."
        )
