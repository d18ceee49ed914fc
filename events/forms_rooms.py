"""Forms of the rooms' pages (list filters, create, the organizer's manage page). They read what
was posted; every rule is the services' (events.services.rooms, participants, prizes, winners),
whose errors the views put next to the fields they name. The settings part of a room's form is
generated from the app's JSON Schema by :mod:`events.settings_form`."""

from typing import Any

from django import forms

from events.models import ROOM_DESCRIPTION_MAX, ROOM_NAME_MAX, Role, RoomStatus
from events.policy import UNGRANTABLE_ROLES
from events.services.prizes import QUANTITY_MAX

PUBLIC, PRIVATE = "public", "private"
VISIBILITY = [
    (PUBLIC, "Public: anyone can find it and join"),
    (PRIVATE, "Private: only its members see it (you add them)"),
]
# Roles a manager can give through the page (SPEC-events §2: never organizer or admin).
GRANTABLE_ROLES = [(role.value, role.label) for role in Role if role not in UNGRANTABLE_ROLES]


def _choices(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    if isinstance(field, forms.ChoiceField):  # always: the narrowing is for mypy
        field.choices = choices


class RoomListFilterForm(forms.Form):
    """``/rooms/``'s filters: the API's ``status`` and ``app``, and "mine" (``created_by`` =
    the signed-in user)."""

    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *RoomStatus.choices], label="Status"
    )
    app = forms.ChoiceField(required=False, choices=[("", "Any app")], label="App")
    mine = forms.BooleanField(required=False, label="Only rooms I created")

    def __init__(self, *args: Any, apps: list[tuple[str, str]], signed_in: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self.fields["app"], [("", "Any app"), *apps])
        if not signed_in:
            del self.fields["mine"]

    def selector_filters(self, user: Any) -> dict[str, Any]:
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data.get("status"):
            filters["status"] = [data["status"]]
        if data.get("app"):
            filters["app"] = data["app"]
        if data.get("mine"):
            filters["created_by"] = user.pk
        return filters


class _RoomFields(forms.Form):
    name = forms.CharField(max_length=ROOM_NAME_MAX, label="Name")
    description = forms.CharField(
        max_length=ROOM_DESCRIPTION_MAX,
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What happens in the room, for the people who join.",
    )
    visibility = forms.ChoiceField(
        choices=VISIBILITY, initial=PUBLIC, widget=forms.RadioSelect, label="Who can see it"
    )
    gig = forms.ChoiceField(
        required=False,
        label="Gig",
        help_text="A room for one of your venue's gigs: the gig's page shows it.",
    )

    def __init__(self, *args: Any, gigs: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if gigs:
            _choices(self.fields["gig"], [("", "No gig"), *gigs])
        else:
            del self.fields["gig"]

    def room_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "name": data["name"],
            "description": data.get("description", ""),
            "is_public": data["visibility"] == PUBLIC,
        }
        if "gig" in self.fields:
            values["gig_id"] = int(data["gig"]) if data.get("gig") else None
        return values


class RoomCreateForm(_RoomFields):
    """The room half of ``/rooms/new/``; the settings half is a :class:`SettingsForm`."""

    app = forms.ChoiceField(label="App", help_text="The app runs the room: a lottery, a quiz…")
    field_order = ("app", "name", "description", "visibility", "gig")

    def __init__(
        self, *args: Any, apps: list[tuple[str, str]], gigs: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, gigs=gigs, **kwargs)
        _choices(self.fields["app"], apps)


class RoomEditForm(_RoomFields):
    """The room's own fields on its manage page."""


class PrizeForm(forms.Form):
    name = forms.CharField(max_length=255, label="Prize")
    quantity = forms.IntegerField(min_value=1, max_value=QUANTITY_MAX, initial=1, label="Quantity")
    description = forms.CharField(
        max_length=2000,
        required=False,
        label="Description",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ParticipantRoleForm(forms.Form):
    role = forms.ChoiceField(choices=GRANTABLE_ROLES, label="Role")

    def __init__(self, *args: Any, current: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if current in UNGRANTABLE_ROLES:  # shown as it is; choosing it again changes nothing
            _choices(self.fields["role"], [(current, Role(current).label), *GRANTABLE_ROLES])
        if current:
            self.fields["role"].initial = current


class WinnerPickForm(forms.Form):
    """A manual pick: a prize and an eligible participant (a list, or their number when the
    room has too many to list)."""

    prize = forms.ChoiceField(label="Prize")
    participant = forms.IntegerField(min_value=1, label="Participant")

    def __init__(
        self,
        *args: Any,
        prizes: list[tuple[str, str]],
        participants: list[tuple[str, str]] | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["prize"], prizes)
        if participants is not None:
            self.fields["participant"] = forms.TypedChoiceField(
                choices=participants, coerce=int, label="Participant"
            )
        else:
            self.fields["participant"].help_text = "The participant's number, from the list."


class TransitionForm(forms.Form):
    to = forms.ChoiceField(
        choices=[
            (RoomStatus.ACTIVE, "Activate"),
            (RoomStatus.COMPLETED, "Complete"),
            (RoomStatus.CANCELLED, "Cancel"),
        ]
    )


class UpgradeForm(forms.Form):
    target_version = forms.ChoiceField(label="Version")

    def __init__(self, *args: Any, versions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["target_version"], [(version, version) for version in versions])
