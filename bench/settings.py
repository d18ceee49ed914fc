"""Production-like settings for the benchmark server: the app's own, minus the limits.

Rate limits would turn a load test into a test of 429s, so they are raised; everything else
(middleware, authentication, throttle classes and their cache round-trips) stays as shipped.
"""

from umbrella.settings import *  # noqa: F403
from umbrella.settings import DATABASES, REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Per second, not per minute: DRF's throttles keep one timestamp per request in the window, in
# one cached list that every request reads and writes back. Shipped limits (100/min) cap that
# list at ~100 entries; a huge per-minute rate would let it grow to every request of the last
# minute (tens of kB pickled both ways per request) and measure the benchmark, not the app.
_HIGH_RATE = "1000000/s"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], _HIGH_RATE),
    # The browsable renderer is only added when DEBUG was on at import; production has JSON only.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
ACCOUNT_RATE_LIMITS = False

# Production sits behind one proxy (the load generator sends X-Forwarded-For, a client address
# per simulated viewer), so throttles see many clients, as they would in production.
REST_FRAMEWORK["NUM_PROXIES"] = 1

# Files on S3, as in production, so avatars and banners get presigned URLs. Signing is local
# (boto3 computes the signature from these fake keys); the endpoint is a closed local port, so
# a code path that did call S3 would fail loudly (a refused connection, an error in the table)
# instead of reaching the network.
STORAGES = {**STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}  # noqa: F405
AWS_STORAGE_BUCKET_NAME = "umbrella-bench"
AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
AWS_S3_REGION_NAME = "us-east-1"
AWS_ACCESS_KEY_ID = "BENCHFAKEACCESSKEY00"
AWS_SECRET_ACCESS_KEY = "bench-fake-secret-key-never-valid-anywhere"  # noqa: S105
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_SIGNATURE_VERSION = "s3v4"
AWS_S3_ADDRESSING_STYLE = "path"

# Connections kept for the whole run (production: 60 s). A worker then keeps one PostgreSQL
# backend, whose CPU time bench/cpu.py can read; reconnecting once a minute costs nothing that
# shows in these figures.
DATABASES["default"]["CONN_MAX_AGE"] = None

# Profile views are counted per client address, with an hourly budget per address. The server
# sees every bench request from 127.0.0.1 (it reads REMOTE_ADDR), so the budget would stop the
# view writes after a few requests: raised like the throttles. With a new SECRET_KEY per run,
# the first view of each artist in a run is a new (artist, visitor, day) row: an INSERT.
COUNTER_BUDGET_PER_HOUR = 1_000_000_000
