"""Hardening of allauth's headless provider-token sign-in.

allauth takes the signing algorithm of a provider ID token from the token's own header. A token
that claims ``HS256`` makes PyJWT try the provider's public key as an HMAC secret and raise a
``TypeError`` (a 500), instead of refusing it. Google and Apple sign ID tokens with RS256 only,
so anything else is refused here as ``invalid_token`` before allauth looks at it.
"""

from typing import Any

import jwt
from allauth.headless.constants import Client
from allauth.headless.socialaccount.inputs import ProviderTokenInput
from allauth.headless.socialaccount.views import ProviderTokenView
from allauth.socialaccount.adapter import get_adapter
from django.urls import path

PROVIDER_ID_TOKEN_ALGORITHMS = frozenset({"RS256"})


class CheckedProviderTokenInput(ProviderTokenInput):
    def clean(self) -> dict[str, Any]:
        token = self.data.get("token")
        id_token = token.get("id_token") if isinstance(token, dict) else None
        if isinstance(id_token, str):
            try:
                algorithm = jwt.get_unverified_header(id_token).get("alg")
            except jwt.PyJWTError:
                algorithm = None
            if algorithm not in PROVIDER_ID_TOKEN_ALGORITHMS:
                self.add_error("token", get_adapter().validation_error("invalid_token"))
                return self.cleaned_data
        return super().clean()


class CheckedProviderTokenView(ProviderTokenView):
    input_class = CheckedProviderTokenInput


# Mounted ahead of allauth's own URLs so these paths resolve here first.
urlpatterns = [
    path(
        f"{client.value}/v1/auth/provider/token",
        CheckedProviderTokenView.as_api_view(client=client),
        name=f"{client.value}-provider-token",
    )
    for client in (Client.APP, Client.BROWSER)
]
