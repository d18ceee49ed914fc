"""``python manage.py seed_demo``: demo accounts with known passwords. Safe to run again."""

from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import Role, User

DEMO_PASSWORD = "umbrella-demo-2026"
DEMO_USERS = [
    ("artist@demo.umbrella.test", "Nova Reyes", Role.ARTIST),
    ("venue@demo.umbrella.test", "The Blue Lantern", Role.VENUE),
    ("fan@demo.umbrella.test", "Sam Fan", Role.FAN),
]
DEMO_STAFF = ("staff@demo.umbrella.test", "Umbrella Staff")


def ensure_user(email: str, display_name: str, *, staff: bool = False) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        make = User.objects.create_superuser if staff else User.objects.create_user
        user = make(email=email, password=DEMO_PASSWORD, display_name=display_name)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


class Command(BaseCommand):
    help = "Create demo accounts (one per role, plus staff) with known passwords."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for email, name, role in DEMO_USERS:
            user, created = ensure_user(email, name)
            if not user.onboarding_complete:
                user = services.onboarding_choose_role(user=user, role=role, display_name=name)
                services.onboarding_complete(user=user)
            self.stdout.write(f"{'created' if created else 'exists '}  {role:<7} {email}")
        staff, created = ensure_user(*DEMO_STAFF, staff=True)
        self.stdout.write(f"{'created' if created else 'exists '}  staff   {staff.email}")
        self.stdout.write(self.style.SUCCESS(f"Demo password for every account: {DEMO_PASSWORD}"))
