"""Demo accounts: one per role plus staff, with a known password. Safe to run again."""

from collections.abc import Callable

from allauth.account.models import EmailAddress

from accounts import services
from accounts.apps import WELCOME
from accounts.models import Notification, Role, User

DEMO_PASSWORD = "umbrella-demo-2026"  # noqa: S105 (printed for newcomers on purpose)
DEMO_USERS = [
    ("artist@demo.umbrella.test", "Nova Reyes", Role.ARTIST),
    ("venue@demo.umbrella.test", "The Blue Lantern", Role.VENUE),
    ("fan@demo.umbrella.test", "Sam Fan", Role.FAN),
]
DEMO_STAFF = ("staff@demo.umbrella.test", "Umbrella Staff")


def ensure_user(
    email: str, display_name: str, *, role: str = "", staff: bool = False
) -> tuple[User, bool]:
    """The demo user with this email, created (verified, role chosen) if missing."""
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        make = User.objects.create_superuser if staff else User.objects.create_user
        user = make(email=email, password=DEMO_PASSWORD, display_name=display_name)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if role and not user.role:
        user = services.onboarding_choose_role(user=user, role=role, display_name=display_name)
    return user, created


def seed(say: Callable[[str], None]) -> None:
    for email, name, role in DEMO_USERS:
        # The venue's onboarding is finished by its wizard, in marketplace.demo.
        _, created = ensure_user(email, name, role=role)
        say(f"{'created' if created else 'exists '}  {role:<7} {email}")
    staff, created = ensure_user(*DEMO_STAFF, staff=True)
    say(f"{'created' if created else 'exists '}  staff   {staff.email}")
    welcome_everyone([email for email, _, _ in DEMO_USERS] + [DEMO_STAFF[0]], say)


def welcome_everyone(emails: list[str], say: Callable[[str], None]) -> None:
    """Each demo account has its welcome notification (onboarding sends it; staff, and a demo
    database seeded before notifications existed, get it here), through the service."""
    welcomed = set(
        Notification.objects.filter(user__email__in=emails, verb=WELCOME).values_list(
            "user__email", flat=True
        )
    )
    onboarded = User.objects.filter(email__in=emails, onboarding_complete=True)
    for user in onboarded.exclude(email__in=welcomed):  # an artist: when its wizard ends
        services.user_welcome(user=user)
        say(f"notified {user.email}: welcome")
