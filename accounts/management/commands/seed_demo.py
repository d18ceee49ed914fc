"""``python manage.py seed_demo``: demo data of every app, with known passwords. Idempotent.

Each app contributes a ``demo.seed(say)`` function, listed in ``settings.DEMO_SEEDERS`` lowest
layer first, so this command never imports a higher app by name.
"""

from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Create demo data (accounts for every role, artists with tracks, …)."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in settings.DEMO_SEEDERS:
            with transaction.atomic():
                import_module(path).seed(self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"Demo password for every account: {DEMO_PASSWORD}"))
