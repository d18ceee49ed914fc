"""The venue onboarding steps: one definition for the API (and the page wizard to come) and
the services. Steps go in order (``artists.steps.open_step`` rules); finishing the last one
completes the venue's onboarding."""

from artists.steps import Step, open_step_of
from artists.steps import wizard_state as wizard_state  # the venue wizard uses the same state

STEPS: tuple[Step, ...] = (
    Step(
        1,
        "place",
        "Your venue",
        ("name", "address", "city", "state", "country", "timezone"),
        ("name", "city", "country", "timezone"),
    ),
    Step(
        2,
        "bookings",
        "What you book",
        ("capacity", "genres_booked", "about", "website", "phone"),
        ("capacity", "genres_booked"),
    ),
)
LAST_STEP = len(STEPS)
EDITABLE_FIELDS = tuple(f for step in STEPS for f in step.fields)


def required_after(done: int) -> tuple[str, ...]:
    """The fields a venue must keep once it has saved steps 1..``done``: what those steps
    required (an edit cannot empty what the wizard asked for). Always the name and time zone."""
    required = ["name", "timezone"]
    for step in STEPS[:done]:
        required += [f for f in step.required if f not in required]
    return tuple(required)


def step(number: int) -> Step:
    if not 1 <= number <= LAST_STEP:
        raise KeyError(number)
    return STEPS[number - 1]


def open_step(number: int, *, done: int) -> Step:
    return open_step_of(STEPS, number, done=done)
