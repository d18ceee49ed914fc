"""Hardening of allauth's headless endpoints: provider-token sign-in and sign-up.

Sign-up hashes the password for a registered address too (``SameWorkSignupMixin``), so the
answer's timing does not tell known addresses from new ones.

allauth takes the signing algorithm of a provider ID token from the token's own header. A token
that claims ``HS256`` makes PyJWT try the provider's public key as an HMAC secret and raise a
``TypeError`` (a 500), instead of refusing it. Google and Apple sign ID tokens with RS256 only,
so anything else is refused here as ``invalid_token`` before allauth looks at it.
"""

from typing import Any

import jwt
from allauth.headless.account.inputs import SignupInput
from allauth.headless.account.views import SignupView
from allauth.headless.constants import Client
from allauth.headless.socialaccount.inputs import ProviderTokenInput
from allauth.headless.socialaccount.views import ProviderTokenView
from allauth.socialaccount.adapter import get_adapter
from django.urls import path

from accounts.forms import SameWorkSignupMixin

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


class SameWorkSignupInput(SameWorkSignupMixin, SignupInput):
    pass


class SameWorkSignupView(SignupView):
    input_class = {"POST": SameWorkSignupInput}


# Mounted ahead of allauth's own URLs so these paths resolve here first.
urlpatterns = [
    path(
        f"{client.value}/v1/auth/{name}",
        view.as_api_view(client=client),
        name=f"{client.value}-{name.replace('/', '-')}",
    )
    for client in (Client.APP, Client.BROWSER)
    for name, view in (
        ("provider/token", CheckedProviderTokenView),
        ("signup", SameWorkSignupView),
    )
]
