"""Sign the bench user in the way a mobile app does: allauth headless, app client, JWT."""

import http.client
import json

LOGIN_PATH = "/_allauth/app/v1/auth/login"


def login(host: str, port: int, *, email: str, password: str) -> str:
    """Return an access token for ``Authorization: Bearer``."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        body = json.dumps({"email": email, "password": password})
        conn.request("POST", LOGIN_PATH, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise RuntimeError(f"login failed ({response.status}): {payload[:500]!r}")
    token = json.loads(payload).get("meta", {}).get("access_token")
    if not token:
        raise RuntimeError(f"login returned no meta.access_token: {payload[:500]!r}")
    return token
