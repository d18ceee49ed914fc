from django.conf import settings
from django.http import HttpRequest


def providers(request: HttpRequest) -> dict:
    """Which "Continue with …" buttons work on this deployment."""
    return {
        "social_providers": [
            {"id": "google", "name": "Google", "configured": bool(settings.GOOGLE_CLIENT_ID)},
            {"id": "apple", "name": "Apple", "configured": bool(settings.APPLE_CLIENT_ID)},
        ]
    }
