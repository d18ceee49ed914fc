"""Umbrella settings: one file, every value from the environment.

With no environment at all this runs the *embedded default*: SQLite, local media, local-memory
cache, eager Celery, console email. Production sets ``DJANGO_ENV=production`` and the variables
listed in ``.env.example``.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF

from umbrella import beat

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

# --- core -----------------------------------------------------------------------------------
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me-0123456789")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# What emails and pages call the site ("Hello from Umbrella!"), whatever host serves it.
SITE_NAME = env.str("SITE_NAME", default="Umbrella")

INSTALLED_APPS = [
    # First: its ``runserver`` serves the ASGI application (HTTP and WebSockets) in development.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.apple",
    "allauth.headless",
    "allauth.usersessions",
    # ours, lowest layer first
    "umbrella",
    "accounts",
    "artists",
    "marketplace",
    "messaging",
    "events",
    "violet",
    "analytics",
]

MIDDLEWARE = [
    # Deprecation/Sunset headers of deprecated API paths (umbrella/deprecation.py), on every
    # response there, the rewritten errors below included.
    "umbrella.deprecation.DeprecationMiddleware",
    # Rewrites any non-JSON error under /api/ (Django's debug pages included).
    "umbrella.api.JsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "umbrella.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "umbrella.parsers.AllauthBodyCheckMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, but writing last-seen at most every few minutes.
    "accounts.last_seen.LastSeenMiddleware",
    "accounts.middleware.OnboardingGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "umbrella.urls"
WSGI_APPLICATION = "umbrella.wsgi.application"
ASGI_APPLICATION = "umbrella.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "umbrella" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.providers",
                "accounts.context_processors.notifications",
                "umbrella.context_processors.menu",
                "messaging.context_processors.unread_messages",
            ],
        },
    },
]

# --- data -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with the health check skipped for a connection that finished a request
    # cleanly less than DB_HEALTH_CHECK_DELAY seconds ago (umbrella/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "umbrella.db.postgresql"
DB_HEALTH_CHECK_DELAY = env.float("DB_HEALTH_CHECK_DELAY", default=5.0)
# A few fixed hot statements are prepared once per connection (umbrella/db/prepared.py) when
# connections persist (CONN_MAX_AGE not 0); off for poolers that cannot keep them.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves parallel requests (a page and its images) without "database is locked":
    # WAL lets readers run while one connection writes; IMMEDIATE takes the write lock when a
    # transaction begins, so two transactions never both read and then deadlock upgrading to
    # write (SQLite answers that deadlock at once, ignoring the timeout); and a writer waits up
    # to ``timeout`` seconds for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT_SECONDS", default=20),
        }
    )
    # The discovery indexes carry columns (INCLUDE) for PostgreSQL's index-only walks; SQLite
    # builds them without those columns, which is all it needs (bin/dev need not warn of it).
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Required in production: the token revocation list and rate limits must be shared by processes.
REDIS_URL = env.str("REDIS_URL") if PRODUCTION else env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "umbrella.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="umbrella"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "umbrella" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    # SigV4: buckets created since 2020 refuse the older SigV2 that boto3 may pick by default.
    AWS_S3_SIGNATURE_VERSION = env.str("AWS_S3_SIGNATURE_VERSION", default="s3v4")
    AWS_S3_ADDRESSING_STYLE = env.str("AWS_S3_ADDRESSING_STYLE", default=None)
# Direct uploads: "post" (a presigned POST form, AWS S3 / MinIO) or "put" (a presigned PUT URL,
# needed for Cloudflare R2, which does not support POST uploads).
DIRECT_UPLOAD_METHOD = env.str("DIRECT_UPLOAD_METHOD", default="post")

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Demo data, lowest app first (``manage.py seed_demo``).
DEMO_SEEDERS = [
    "accounts.demo",
    "artists.demo",
    "marketplace.demo",
    "messaging.demo",
    "events.demo",
    "events.demo_rooms",  # registers the built-in apps (bin/dev relies on it), then rooms
    "violet.demo",
    "analytics.demo",  # last: 90 days of figures for the demo's artists and venues
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "landing"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
USERSESSIONS_ADAPTER = "accounts.adapters.UserSessionsAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Umbrella] "
# allauth's own limits on sign-in attempts, password resets … (False switches them off).
if not env.bool("ACCOUNT_RATE_LIMITS_ENABLED", default=True):
    ACCOUNT_RATE_LIMITS = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
USERSESSIONS_TRACK_ACTIVITY = True
# How often a device session's last-seen time (and IP, user agent) is written: at most once per
# this many seconds per session, so a page and its images don't each write a row.
LAST_SEEN_INTERVAL_SECONDS = env.int("LAST_SEEN_INTERVAL_SECONDS", default=300)

GOOGLE_CLIENT_ID = env.str("GOOGLE_CLIENT_ID", default="")
GOOGLE_CLIENT_SECRET = env.str("GOOGLE_CLIENT_SECRET", default="")
APPLE_CLIENT_ID = env.str("APPLE_CLIENT_ID", default="")
APPLE_TEAM_ID = env.str("APPLE_TEAM_ID", default="")
APPLE_KEY_ID = env.str("APPLE_KEY_ID", default="")
APPLE_PRIVATE_KEY = env.str("APPLE_PRIVATE_KEY", default="", multiline=True)
SOCIALACCOUNT_PROVIDERS: dict = {
    "google": {"SCOPE": ["openid", "profile", "email"], "OAUTH_PKCE_ENABLED": True, "APPS": []},
    "apple": {"APPS": []},
}
if GOOGLE_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["google"]["APPS"] = [
        {"client_id": GOOGLE_CLIENT_ID, "secret": GOOGLE_CLIENT_SECRET, "key": ""}
    ]
if APPLE_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["apple"]["APPS"] = [
        {
            "client_id": APPLE_CLIENT_ID,
            "secret": APPLE_KEY_ID,
            "key": APPLE_TEAM_ID,
            "settings": {"certificate_key": APPLE_PRIVATE_KEY},
        }
    ]

# allauth headless: app clients get a short-lived JWT access token and a rotating refresh token.
HEADLESS_CLIENTS = ("app", "browser")
HEADLESS_ONLY = False
HEADLESS_TOKEN_STRATEGY = "accounts.tokens.UmbrellaTokenStrategy"  # noqa: S105
HEADLESS_JWT_ALGORITHM = env.str("JWT_ALGORITHM", default="HS256")
# HS256 with a dedicated secret, or RS256 with a PEM private key. Required in production.
HEADLESS_JWT_PRIVATE_KEY = (
    env.str("JWT_SIGNING_KEY", multiline=True)
    if PRODUCTION
    else env.str("JWT_SIGNING_KEY", default="", multiline=True)
)
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = env.int("JWT_ACCESS_TOKEN_SECONDS", default=600)
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = env.int("JWT_REFRESH_TOKEN_SECONDS", default=30 * 86400)
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": f"{SITE_URL}/accounts/confirm-email/{{key}}/",
    "account_reset_password_from_key": f"{SITE_URL}/accounts/password/reset/key/{{key}}/",
    "account_signup": f"{SITE_URL}/accounts/signup/",
}
# How long a cached copy of a user may serve token-authenticated API requests.
USER_CACHE_SECONDS = env.int("USER_CACHE_SECONDS", default=300)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First: app tokens (uat_…) and X-App-Token; anything else falls through to the next.
        "events.auth.AppTokenAuthentication",
        "accounts.authentication.AccessTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.OnboardingComplete",
    ],
    "DEFAULT_PAGINATION_CLASS": "umbrella.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "umbrella.throttling.AnonRateThrottle",
        "umbrella.throttling.AnonReadRateThrottle",
        "umbrella.throttling.UserRateThrottle",
        "umbrella.throttling.AppRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="20/min"),
        "anon_read": env.str("THROTTLE_ANON_READ", default="120/min"),
        "user": env.str("THROTTLE_USER", default="100/min"),
        "app": env.str("THROTTLE_APP", default="1000/min"),
        "app_token": env.str("THROTTLE_APP_TOKEN", default="20/min"),  # POST /apps/token, per IP
    },
    "EXCEPTION_HANDLER": "umbrella.api.exception_handler",
    # Proxies in front of the app (load balancer: 1). 0 trusts no X-Forwarded-For header, so a
    # client cannot pick its own IP for the per-IP rate limit.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "umbrella.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Size, depth and lone-surrogate checks on every JSON body (umbrella/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["umbrella.parsers.JSONParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
}
if DEBUG:  # the browsable API is for development only; production answers JSON (or 406)
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "Umbrella API",
    "DESCRIPTION": "The JSON API for Umbrella's SPA and mobile clients. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Enums get the names clients will use (``Role.ARTIST``, not ``RoleEnum``/``BlankEnum``).
    "ENUM_NAME_OVERRIDES": {
        "Role": "accounts.models.Role.choices",
        "WinnerMethod": "events.models.WinnerMethod.choices",
        "PerformanceType": "artists.models.PerformanceType.choices",
        "MediaCategory": "artists.models.MediaCategory.choices",
        "MediaStatus": "artists.models.MediaStatus.choices",
        "AuthMethod": ["access_token", "session"],
        "UploadMethod": ["POST", "PUT"],
        "HealthStatus": ["ok"],
        "SessionEndReason": "accounts.models.SessionEndReason.choices",
        "Genre": "artists.models.GENRES",
        "GigStatus": "marketplace.models.GigStatus.choices",
        "RoomStatus": "events.models.RoomStatus.choices",
        "QuizStatus": "events.models.QuizStatus.choices",
        "UpgradeStrategy": ["automatic", "assisted"],
        "PaymentType": "marketplace.models.PaymentType.choices",
        "ApplicationStatus": "marketplace.models.ApplicationStatus.choices",
        "BookingStatus": "marketplace.models.BookingStatus.choices",
        "BookingSide": "marketplace.models.Side.choices",
        "FanMemberSource": "messaging.models.MemberSource.choices",
        "FanMemberStatus": ["subscribed", "pending", "opted_out"],
        "FanImportStatus": "messaging.models.ImportStatus.choices",
        "FanImportVerdict": [
            "missing_address",
            "bad_email",
            "bad_phone",
            "duplicate_in_file",
            "already_on_list",
            "opted_out",
        ],
        "CampaignChannel": "messaging.models.CampaignChannel.choices",
        "CampaignStatus": "messaging.models.CampaignStatus.choices",
        "CampaignKind": "messaging.models.CampaignKind.choices",
        "SmsEncoding": ["GSM-7", "UCS-2"],
        "AppSecretKind": ["webhook", "client"],
        "RoomRole": "events.models.Role.choices",
        "ParticipantStatus": "events.models.ParticipantStatus.choices",
        "RoomFanListStatus": ["subscribed", "pending"],
        "WebhookOutcome": "events.models.Outcome.choices",
        # events: webhook metrics (events/api/metrics.py)
        "BreakerState": ["closed", "open", "half_open"],
        "AppIncidentKind": "events.models.IncidentKind.choices",
        "AppIncidentSeverity": "events.models.Severity.choices",
        # analytics (analytics/api/serializers.py)
        "AnalyticsSubject": ["artist", "venue"],
        "AnalyticsArtistSubject": ["artist"],
        "AnalyticsVenueSubject": ["venue"],
        "AnalyticsUnit": ["count", "cents", "rating", "seconds"],
        "PublicFigure": "analytics.metrics.SHAREABLE",
        # violet (violet/api/serializers.py)
        "VioletTool": "violet.models.Tool.choices",
        "VioletGenerationStatus": "violet.models.GenerationStatus.choices",
        "VioletProvider": "violet.models.ProviderName.choices",
        "VioletFactSource": ["profile", "platform", "gig", "booking", "conversation", "you"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "umbrella.schema.postprocess",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Public counters (artists/services/counters.py): a play counts once per listener per track per
# window; each network address may add this many views and plays an hour; plays per IP.
PLAY_REPEAT_SECONDS = env.int("PLAY_REPEAT_SECONDS", default=30 * 60)
COUNTER_BUDGET_PER_HOUR = env.int("COUNTER_BUDGET_PER_HOUR", default=300)
# Profile views with Redis: recorded in Redis by the request, written to the database by the
# beat task ``artists.flush_profile_views`` every PROFILE_VIEWS_FLUSH_SECONDS, in batches (and
# at once when that many are waiting). Without Redis they are written by the request.
PROFILE_VIEWS_BUFFERED = env.bool("PROFILE_VIEWS_BUFFERED", default=True)
PROFILE_VIEWS_FLUSH_SECONDS = beat.PROFILE_VIEWS_FLUSH_SECONDS  # the beat entry's interval
PROFILE_VIEWS_FLUSH_BATCH = env.int("PROFILE_VIEWS_FLUSH_BATCH", default=1000)
PROFILE_VIEWS_FLUSH_LOCK_SECONDS = env.int("PROFILE_VIEWS_FLUSH_LOCK_SECONDS", default=300)
THROTTLE_PLAY = env.str("THROTTLE_PLAY", default="60/min")

# Health: deep checks run at most once per interval; the token forces a fresh run.
HEALTH_CHECK_INTERVAL = env.int("HEALTH_CHECK_INTERVAL", default=30)
HEALTH_TOKEN = env.str("HEALTH_TOKEN", default="")

# How long a discovery page (GET /api/v1/artists/, the search page) may be served from the
# cache; profile changes through the services invalidate it sooner (artists.selectors). 0: off.
ARTISTS_LIST_CACHE_SECONDS = env.int("ARTISTS_LIST_CACHE_SECONDS", default=30)

# Saved gig searches (marketplace.services.saved_searches): how many one artist may keep.
SAVED_SEARCHES_MAX_PER_USER = env.int("SAVED_SEARCHES_MAX_PER_USER", default=20)

# --- WebSockets (umbrella/asgi.py) -----------------------------------------------------------
# Each module listed has ``websocket_urlpatterns`` (paths under /ws/); the ASGI application
# mounts them behind WEBSOCKET_AUTH (session cookie or access token). Events adds its own.
WEBSOCKET_URLCONFS = ["messaging.routing", "events.routing"]
# HTTP paths the ``ws`` (ASGI) process also serves, through Django: responses that stream for
# a long time (Violet's drafts, /stream/violet/generate), which must not hold a gunicorn worker.
# The load balancer routes them to ``ws`` like /ws/ (docs/deployment.md).
ASGI_HTTP_PREFIXES = ["/stream/"]
WEBSOCKET_AUTH = "accounts.websocket.WebSocketAuthMiddleware"
# Threads of each ws process for the room sockets' blocking quiz work (events.live_quiz): an
# answer holds one while the app's quiz_validation webhook judges it (up to 2 s) and while it is
# saved. Each thread keeps its own database connection (count them against max_connections).
WS_THREADS = env.int("WS_THREADS", default=32)
# In-memory (one process) by default; Redis when REDIS_URL is set, so the web process, the ws
# process and Celery workers all reach every socket.
# channels-redis waits for a socket's messages with BZPOPMIN of 5 s; redis-py 8 gives every
# connection a 5 s socket timeout by default, so under load an idle wait ran into it and the
# connection was dropped (TimeoutError). A host is therefore a dict with a socket timeout well
# above the 5 s wait (CHANNEL_LAYER_SOCKET_TIMEOUT, seconds); connecting keeps redis-py's 5 s.
CHANNEL_LAYER_SOCKET_TIMEOUT = env.float("CHANNEL_LAYER_SOCKET_TIMEOUT", default=30.0)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": env.str("CHANNEL_LAYER_URL", default=REDIS_URL),
                        "socket_timeout": CHANNEL_LAYER_SOCKET_TIMEOUT,
                        "socket_connect_timeout": 5.0,
                    }
                ],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="umbrella-ws"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Messaging: sends per user per minute; the email digest of unread messages to people who are
# offline (no socket seen for MESSAGING_PRESENCE_SECONDS), at most one per conversation per
# MESSAGING_DIGEST_INTERVAL_SECONDS, for messages unread MESSAGING_DIGEST_DELAY_SECONDS.
MESSAGING_SEND_RATE = env.str("MESSAGING_SEND_RATE", default="30/min")
MESSAGING_PRESENCE_SECONDS = env.int("MESSAGING_PRESENCE_SECONDS", default=90)
MESSAGING_DIGEST_DELAY_SECONDS = env.int("MESSAGING_DIGEST_DELAY_SECONDS", default=300)
MESSAGING_DIGEST_INTERVAL_SECONDS = env.int("MESSAGING_DIGEST_INTERVAL_SECONDS", default=3600)

# Fan lists (docs/messaging.md, "Fan lists and consent"). A phone number without "+" is read in
# the artist's country, else FANS_DEFAULT_PHONE_REGION. CSV imports: at most FANS_IMPORT_MAX_BYTES
# and FANS_IMPORT_MAX_ROWS rows; more than FANS_IMPORT_ASYNC_ROWS rows are imported by Celery.
# Sign-ups: FANS_SIGNUP_RATE per IP and per address; a confirmation link is valid
# FANS_CONFIRM_MAX_AGE_SECONDS and is sent again at most every FANS_CONFIRM_RESEND_SECONDS.
FANS_DEFAULT_PHONE_REGION = env.str("FANS_DEFAULT_PHONE_REGION", default="US")
FANS_MAX_LISTS = env.int("FANS_MAX_LISTS", default=100)
FANS_IMPORT_MAX_BYTES = env.int("FANS_IMPORT_MAX_BYTES", default=2_000_000)
FANS_IMPORT_MAX_ROWS = env.int("FANS_IMPORT_MAX_ROWS", default=20_000)
FANS_IMPORT_ASYNC_ROWS = env.int("FANS_IMPORT_ASYNC_ROWS", default=500)
FANS_IMPORT_PREVIEW_HOURS = env.int("FANS_IMPORT_PREVIEW_HOURS", default=24)  # then deleted
FANS_SIGNUP_RATE = env.str("FANS_SIGNUP_RATE", default="10/hour")
FANS_CONFIRM_MAX_AGE_SECONDS = env.int("FANS_CONFIRM_MAX_AGE_SECONDS", default=7 * 86400)
FANS_CONFIRM_RESEND_SECONDS = env.int("FANS_CONFIRM_RESEND_SECONDS", default=300)
# Twilio's inbound SMS webhook (STOP/START): requests are signed with the account's auth token
# over the public URL Twilio calls (TWILIO_SMS_WEBHOOK_URL; default SITE_URL + the path). No
# token: every request is refused.
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_SMS_WEBHOOK_URL = env.str("TWILIO_SMS_WEBHOOK_URL", default="")
# Sending SMS (campaigns): SMS_BACKEND is like EMAIL_BACKEND; Twilio needs the account SID and
# either a Messaging Service SID or a sender number. TWILIO_API_BASE_URL: tests only.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_FROM_NUMBER = env.str("TWILIO_FROM_NUMBER", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="")
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default=(
        "messaging.campaigns.providers.TwilioSmsBackend"
        if TWILIO_ACCOUNT_SID
        else "messaging.campaigns.providers.ConsoleSmsBackend"
    ),
)

# Campaigns (docs/messaging.md, "Campaigns and delivery guarantees"). A send task claims
# CAMPAIGNS_BATCH_SIZE deliveries at a time; a claim older than CAMPAIGNS_CLAIM_LEASE_SECONDS
# belongs to a worker that died (a task cannot outlive CELERY_TASK_TIME_LIMIT) and is taken
# over. A provider error is retried CAMPAIGNS_MAX_ATTEMPTS times in all, after
# CAMPAIGNS_RETRY_BASE_SECONDS, doubling. No SMS between CAMPAIGNS_SMS_QUIET_START and
# CAMPAIGNS_SMS_QUIET_END (hours, the number's local time).
CAMPAIGNS_EMAIL_BACKEND = env.str("CAMPAIGNS_EMAIL_BACKEND", default="")
CAMPAIGNS_BATCH_SIZE = env.int("CAMPAIGNS_BATCH_SIZE", default=100)
# Results are written every CAMPAIGNS_RECORD_EVERY sends (one commit for many); a worker killed
# before a write has its last sends taken over and repeated with the same idempotency keys.
CAMPAIGNS_RECORD_EVERY = env.int("CAMPAIGNS_RECORD_EVERY", default=25)
CAMPAIGNS_CLAIM_LEASE_SECONDS = env.int("CAMPAIGNS_CLAIM_LEASE_SECONDS", default=16 * 60)
CAMPAIGNS_MAX_ATTEMPTS = env.int("CAMPAIGNS_MAX_ATTEMPTS", default=5)
CAMPAIGNS_RETRY_BASE_SECONDS = env.int("CAMPAIGNS_RETRY_BASE_SECONDS", default=60)
CAMPAIGNS_PROVIDER_TIMEOUT_SECONDS = env.int("CAMPAIGNS_PROVIDER_TIMEOUT_SECONDS", default=20)
CAMPAIGNS_SMS_QUIET_START = env.int("CAMPAIGNS_SMS_QUIET_START", default=21)
CAMPAIGNS_SMS_QUIET_END = env.int("CAMPAIGNS_SMS_QUIET_END", default=8)
CAMPAIGNS_SMS_FALLBACK_TIME_ZONES = env.list(
    "CAMPAIGNS_SMS_FALLBACK_TIME_ZONES", default=["America/New_York", "America/Los_Angeles"]
)

# --- events: webhook calls to apps (docs/events.md "Webhook calls") ---------------------------
# Let webhook calls reach loopback, private and link-local addresses (an app on 127.0.0.1 in
# development and tests). Off in production: the SSRF guard refuses them there.
EVENTS_WEBHOOK_ALLOW_PRIVATE = env.bool("EVENTS_WEBHOOK_ALLOW_PRIVATE", default=DEBUG)

# --- events: the built-in Lottery and Quiz apps (docs/rooms.md "Built-in apps") -------------
# Where `register_builtin_apps` writes their secrets (mode 600; the apps process reads the same
# BUILTIN_APPS_CREDENTIALS), where they are reached (their manifests' base_url: <url>/lottery,
# <url>/quiz) and the staff account that owns them.
BUILTIN_APPS = {
    "credentials": env.str(
        "BUILTIN_APPS_CREDENTIALS", default=str(BASE_DIR / ".builtin_apps.json")
    ),
    "base_url": env.str(
        "BUILTIN_APPS_URL", default=f"http://127.0.0.1:{env.int('APPS_PORT', default=8002)}/apps"
    ),
    "owner_email": env.str("BUILTIN_APPS_OWNER", default="builtin-apps@umbrella.invalid"),
}

# --- violet: the AI writing toolkit (docs/violet.md) ------------------------------------------
# Claude through the official SDK when a key is set (CLAUDE_API_KEY is an alias), otherwise the
# offline provider (deterministic template drafts, labelled "Offline draft").
VIOLET_API_KEY = env.str("ANTHROPIC_API_KEY", default="") or env.str("CLAUDE_API_KEY", default="")
VIOLET_MODEL = env.str("VIOLET_MODEL", default="claude-sonnet-4-6")
VIOLET_MAX_TOKENS = env.int("VIOLET_MAX_TOKENS", default=1024)
# Per request to Anthropic: the wait for a whole answer, or for the next piece of a stream.
VIOLET_TIMEOUT_SECONDS = env.float("VIOLET_TIMEOUT_SECONDS", default=60.0)
VIOLET_MAX_RETRIES = env.int("VIOLET_MAX_RETRIES", default=1)
# A stream is ended (and the prompt given back) when it has run this long in all.
VIOLET_STREAM_MAX_SECONDS = env.float("VIOLET_STREAM_MAX_SECONDS", default=180.0)
# Anthropic's address; tests point it at a local server. Empty: the SDK's default.
VIOLET_BASE_URL = env.str("VIOLET_BASE_URL", default="")
VIOLET_DAILY_LIMIT = env.int("VIOLET_DAILY_LIMIT", default=50)  # prompts per artist per UTC day
# The offline provider streams a few words at a time, this many seconds apart.
VIOLET_OFFLINE_STREAM_DELAY = env.float("VIOLET_OFFLINE_STREAM_DELAY", default=0.03)
# USD per million tokens of the model in use: the staff's spend per day (admin).
VIOLET_PRICES_USD_PER_MTOK = {
    "input": env.float("VIOLET_PRICE_INPUT", default=3.0),
    "output": env.float("VIOLET_PRICE_OUTPUT", default=15.0),
    "cache_read": env.float("VIOLET_PRICE_CACHE_READ", default=0.3),
    "cache_write": env.float("VIOLET_PRICE_CACHE_WRITE", default=3.75),
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL and not PRODUCTION
)
CELERY_TASK_EAGER_PROPAGATES = True
# Task modules that autodiscovery (``<app>.tasks``) does not find.
CELERY_IMPORTS = ["events.tasks_live"]
# One queue unless told otherwise; the tests give each parallel worker's real Celery worker a
# queue of its own (tests/celery_worker.py), as two deployments sharing a broker would.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60

# --- email ----------------------------------------------------------------------------------
RESEND_API_KEY = env.str("RESEND_API_KEY", default="")
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "anymail.backends.resend.EmailBackend"
        if RESEND_API_KEY
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
# Resend's tracking webhook (/anymail/resend/tracking/) is checked with HTTP basic auth:
# ANYMAIL_WEBHOOK_SECRET is "user:password", in the URL given to Resend.
ANYMAIL: dict[str, object] = {"RESEND_API_KEY": RESEND_API_KEY, "REQUESTS_TIMEOUT": 20}
if env.str("RESEND_API_URL", default=""):  # tests: a local server standing in for Resend
    ANYMAIL["RESEND_API_URL"] = env.str("RESEND_API_URL")
if env.str("ANYMAIL_WEBHOOK_SECRET", default=""):
    ANYMAIL["WEBHOOK_SECRET"] = env.str("ANYMAIL_WEBHOOK_SECRET")
if RESEND_API_KEY and not CAMPAIGNS_EMAIL_BACKEND:
    # The same Resend backend, plus each campaign email's Idempotency-Key header.
    CAMPAIGNS_EMAIL_BACKEND = "messaging.campaigns.providers.ResendEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Umbrella <hello@umbrella.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# Umbrella's wording of allauth's texts (sentence case, "Devices"): see the .po file there.
LOCALE_PATHS = [BASE_DIR / "umbrella" / "locale"]
USE_TZ = True

# --- security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health(/live)?$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "media-src": [SELF, "https:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://accounts.google.com", "https://appleid.apple.com"],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=int(timedelta(days=30).total_seconds()))
