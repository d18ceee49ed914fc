"""The workspace's form: one per tool, built from the tool's :class:`~violet.tools.Input` list,
so the page asks for exactly what the API takes, with the same limits."""

from typing import Any

from django import forms

from violet.tools import Input, Tool

EMPTY_CHOICE = {
    "gig": "Choose an open gig",
    "booking": "Choose one of your bookings",
    "conversation": "Choose a conversation",
}


def _field(spec: Input, choices: list[tuple[int, str]]) -> forms.Field:
    common: dict[str, Any] = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help,
    }
    if spec.kind == "choice":
        return forms.ChoiceField(choices=spec.choices, initial=spec.default, **common)
    if spec.kind == "text":
        return forms.CharField(
            max_length=spec.max_length,
            widget=forms.Textarea(attrs={"rows": 2}),
            **common,
        )
    if spec.kind == "integer":
        return forms.IntegerField(
            min_value=spec.minimum, max_value=spec.maximum, initial=spec.default, **common
        )
    options: list[tuple[Any, str]] = [("", EMPTY_CHOICE[spec.kind])]
    return forms.TypedChoiceField(
        choices=options + list(choices), coerce=int, empty_value=None, **common
    )


class ToolForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        tool: Tool,
        choices: dict[str, list[tuple[int, str]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tool = tool
        initial = kwargs.get("initial") or {}
        for spec in tool.inputs:
            options = list(choices.get(spec.kind, []))
            wanted = initial.get(spec.name)
            if spec.kind in choices and wanted and wanted not in {pk for pk, _ in options}:
                # Preselected from another page (a gig far ahead): offer it, the service checks.
                options.insert(0, (wanted, f"{spec.label} #{wanted}"))
            self.fields[spec.name] = _field(spec, options)
            if spec.kind in ("gig", "booking", "conversation"):
                self.fields[spec.name].widget.attrs["data-kind"] = spec.kind
            elif spec.kind == "integer":
                self.fields[spec.name].widget.attrs["data-kind"] = "integer"

    def inputs(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (empty optional ones left out)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def initial_from_query(tool: Tool, query: Any) -> dict[str, Any]:
    """Values another page preselected (``?gig=12``): whole numbers for ids and integers, the
    listed choices; anything else is ignored."""
    initial: dict[str, Any] = {}
    for spec in tool.inputs:
        raw = query.get(spec.name)
        if raw is None:
            continue
        if spec.kind == "choice" and raw in {value for value, _ in spec.choices}:
            initial[spec.name] = raw
        elif spec.kind not in ("choice", "text") and raw.isdigit() and len(raw) < 18:
            initial[spec.name] = int(raw)
        elif spec.kind == "text":
            initial[spec.name] = raw[: spec.max_length]
    return initial
