"""Provider ID-token sign-in for mobile apps (Google, Apple).

The tokens are signed here with our own RSA key; the provider's published keys are served by a
real local HTTP server that the provider code is pointed at.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.apple.views import AppleOAuth2Adapter
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from accounts.models import User
from tests.accounts.conftest import bearer

pytestmark = pytest.mark.django_db

TOKEN_URL = "/_allauth/app/v1/auth/provider/token"
GOOGLE_CLIENT = "umbrella-test.apps.googleusercontent.com"
APPLE_CLIENT = "app.umbrella.test"
KID = "test-key-1"


def _make_key_material():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-google")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem_cert = cert.public_bytes(serialization.Encoding.PEM).decode()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "alg": "RS256", "use": "sig"})
    return key, pem_cert, jwk


PRIVATE_KEY, PEM_CERT, JWK = _make_key_material()


class KeyServer:
    """Serves Google's (x509 PEM map) and Apple's (JWKS) key documents on a local port."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        documents = {"/google/certs": {KID: PEM_CERT}, "/apple/keys": {"keys": [JWK]}}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                body = json.dumps(documents.get(self.path, {})).encode()
                self.send_response(200 if self.path in documents else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "KeyServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def key_server(settings, monkeypatch):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": GOOGLE_CLIENT, "secret": "x", "key": ""}]},
        "apple": {
            "APPS": [
                {
                    "client_id": APPLE_CLIENT,
                    "secret": "KEYID",
                    "key": "TEAMID",
                    "settings": {"certificate_key": "unused-for-id-token-sign-in"},
                }
            ]
        },
    }
    with KeyServer() as server:
        monkeypatch.setattr(
            "allauth.socialaccount.providers.google.views.CERTS_URL", f"{server.url}/google/certs"
        )
        monkeypatch.setattr(AppleOAuth2Adapter, "public_key_url", f"{server.url}/apple/keys")
        yield server


def id_token(issuer: str, audience: str, *, key=PRIVATE_KEY, algorithm="RS256", **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": "provider-user-42",
        "email": "mobile.person@example.com",
        "email_verified": True,
        "name": "Mobile Person",
        "iat": now,
        "exp": now + 600,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": KID})


def hs256_signed_with_public_cert() -> str:
    """The classic algorithm-confusion attack: HMAC keyed with the provider's public key.

    PyJWT refuses to build such a token, so it is assembled by hand.
    """
    payload = jwt.decode(google_token(), options={"verify_signature": False})

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = ".".join(
        b64(json.dumps(part).encode())
        for part in ({"alg": "HS256", "typ": "JWT", "kid": KID}, payload)
    )
    signature = hmac.new(PEM_CERT.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def google_token(**claims) -> str:
    return id_token("https://accounts.google.com", GOOGLE_CLIENT, **claims)


def sign_in(client, provider: str, token: str, client_id: str):
    return client.post(
        TOKEN_URL,
        {
            "provider": provider,
            "process": "login",
            "token": {"client_id": client_id, "id_token": token},
        },
        format="json",
    )


def test_google_id_token_creates_the_user_and_returns_tokens(api_client, key_server):
    response = sign_in(api_client, "google", google_token(), GOOGLE_CLIENT)

    assert response.status_code == 200, response.content
    meta = response.json()["meta"]
    user = User.objects.get(email="mobile.person@example.com")
    assert user.display_name == "Mobile Person"
    assert not user.onboarding_complete
    assert SocialAccount.objects.filter(
        user=user, provider="google", uid="provider-user-42"
    ).exists()
    assert api_client.get("/api/v1/me", **bearer(meta["access_token"])).json()["id"] == user.pk
    assert "/google/certs" in key_server.requests  # the keys really were fetched over HTTP


def test_same_google_identity_signs_in_to_the_same_user(api_client, key_server):
    sign_in(api_client, "google", google_token(), GOOGLE_CLIENT)
    response = sign_in(api_client, "google", google_token(), GOOGLE_CLIENT)

    assert response.status_code == 200
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1


def test_apple_id_token_sign_in(api_client, key_server):
    token = id_token("https://appleid.apple.com", APPLE_CLIENT, sub="apple-user-7", name=None)

    response = sign_in(api_client, "apple", token, APPLE_CLIENT)

    assert response.status_code == 200, response.content
    assert SocialAccount.objects.filter(provider="apple", uid="apple-user-7").exists()


OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            lambda: google_token(exp=int(time.time()) - 60, iat=int(time.time()) - 700),
            id="expired",
        ),
        pytest.param(
            lambda: google_token(aud="someone-else.apps.googleusercontent.com"), id="wrong-audience"
        ),
        pytest.param(lambda: google_token(iss="https://evil.example.com"), id="wrong-issuer"),
        pytest.param(lambda: google_token(key=OTHER_KEY), id="signed-by-another-key"),
        pytest.param(lambda: google_token()[:-6] + "AAAAAA", id="tampered"),
        pytest.param(hs256_signed_with_public_cert, id="wrong-algorithm-hs256"),
        pytest.param(
            lambda: jwt.encode(
                jwt.decode(google_token(), options={"verify_signature": False}),
                None,
                algorithm="none",
                headers={"kid": KID},
            ),
            id="alg-none",
        ),
    ],
)
def test_bad_provider_tokens_are_refused(api_client, key_server, token):
    response = sign_in(api_client, "google", token(), GOOGLE_CLIENT)

    assert response.status_code == 400, response.content
    assert not User.objects.exists()
    assert "access_token" not in response.json().get("meta", {})
