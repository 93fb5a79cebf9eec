"""Django settings for the mesosafe clinic service. What varies per deployment comes from the environment."""

from __future__ import annotations

import os
import secrets
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

DATA_DIR = Path(os.environ.get("MESOSAFE_DATA_DIR", Path.cwd() / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("MESOSAFE_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("MESOSAFE_DEBUG") == "1"
ALLOWED_HOSTS = _env_list("MESOSAFE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = _env_list("MESOSAFE_CSRF_TRUSTED_ORIGINS", "")

# Behind an HTTPS proxy (MESOSAFE_HTTPS=1): cookies only over HTTPS, HSTS, and plain-HTTP requests redirected,
# except the health checks a monitor may make from inside.
HTTPS = os.environ.get("MESOSAFE_HTTPS") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REDIRECT_EXEMPT = [r"^healthz"]


def _trusted_proxies(name: str = "MESOSAFE_TRUSTED_PROXIES") -> tuple[IPv4Network | IPv6Network, ...]:
    """The proxies whose X-Forwarded-For gives the client's address (lib/clientaddr): comma-separated IP
    addresses or CIDR networks, none by default. Refused at start if an item is neither."""
    try:
        return tuple(ip_network(item) for item in _env_list(name, ""))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must list IP addresses or networks (CIDR): {exc}") from None


MESOSAFE_TRUSTED_PROXIES = _trusted_proxies()

# A staff session ends after 8 idle hours (a working day), not Django's two weeks.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_SAVE_EVERY_REQUEST = True
# Staff logins (clinic pages and admin): failed attempts per username, three times as many per address.
MESOSAFE_LOGIN_ATTEMPTS = 10
MESOSAFE_LOGIN_WINDOW_S = 15 * 60

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "ninja",  # its templates and static files: the API docs load Swagger UI from this origin, not a CDN
    "django_tasks",
    "django_tasks_db",
    "mesosafe.clinics",
    "mesosafe.patients",
    "mesosafe.treatments",
    "mesosafe.checkins",
    "mesosafe.complications",
    "mesosafe.audit",
    "mesosafe.portal",
    "mesosafe.clinicui",
    "mesosafe.registry",
    "mesosafe.workers",
]

MIDDLEWARE = [
    "mesosafe.web.middleware.AuditMethod",  # first: an audit row written anywhere below names the method
    "mesosafe.web.middleware.HeadWithoutBody",  # first: it sees every response, refusals below included
    "mesosafe.web.middleware.NoStoreUnderApiAndLinks",  # above the refusals, so it sees theirs too
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # every response: pages, API, API docs, static files, refusals below
    "mesosafe.lib.bodylimit.LimitBody",  # before anything reads a body
    "mesosafe.lib.nul.RefuseNul",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "mesosafe.web.middleware.PagesOnly",  # the list below, for everything but /api/
]
PAGE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Content-Security-Policy: scripts, styles, fonts and fetches from this origin only; no inline script or
# style (not even a style="" attribute), no plugins, no framing, forms post here. Images may also be data:
# URLs (Swagger UI draws its icons so). docs/service.md says how to add a script under it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# The admin looks for its middleware in MIDDLEWARE; it runs for /admin/ through PagesOnly
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]

ROOT_URLCONF = "mesosafe.web.urls"
WSGI_APPLICATION = "mesosafe.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# A database that stops answering is a quick 503 (lib/dbdown), not a request thread held for minutes: libpq's
# defaults wait for ever to connect, and notice a peer gone silent mid-query only after TCP's retries.
DB_CONNECT_TIMEOUT_S = int(os.environ.get("MESOSAFE_DB_CONNECT_TIMEOUT", "5"))
UNREACHABLE_AFTER = {
    "connect_timeout": DB_CONNECT_TIMEOUT_S,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15_000,  # ms: data sent and not acknowledged (a cut link) fails the query
}


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'mesosafe.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front,
        # so concurrent writers queue on busy_timeout instead of failing with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests use a file as well (not memory), so that live-server threads get their own connections.
        config["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    else:
        # Django's backend, but a kept connection is health-checked only after it sat idle (lib/postgresql):
        # no `SELECT 1` round trip between a busy server's requests, and no failed request after a restart.
        config["ENGINE"] = "mesosafe.lib.postgresql"
        config["CONN_HEALTH_CHECKS"] = True
        # Server-side binding with prepared statements: repeated queries (the check-in path) skip planning.
        config["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5, **UNREACHABLE_AFTER}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": os.environ.get("MESOSAFE_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mesosafe"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية")]
# Numbers: '.' as the decimal mark and no grouping in Arabic too (web/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["mesosafe.web.formats"]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
LOGIN_URL = "clinicui:login"
LOGIN_REDIRECT_URL = "clinicui:queue"
# The service's own time zone (pages across clinics, such as the registry, show times in it); each clinic
# page shows its clinic's zone.
TIME_ZONE = os.environ.get("MESOSAFE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# Uploaded photos live outside any public URL; they are served only through authenticated views.
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
# Check-in photos are health data: readable by the server's own user only (Django's default is 0o644)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "/media-not-public/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("MESOSAFE_EMAIL_BACKEND", "mesosafe.lib.mail.ConsoleBackend")
if EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    EMAIL_BACKEND = "mesosafe.lib.smtp.EmailBackend"  # the same, with MESOSAFE_EMAIL_DEADLINE on each send
EMAIL_HOST = os.environ.get("MESOSAFE_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MESOSAFE_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MESOSAFE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MESOSAFE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("MESOSAFE_EMAIL_TLS") == "1"


def _email_timeout(name: str = "MESOSAFE_EMAIL_TIMEOUT", default: str = "20") -> float:
    """Seconds an SMTP connect or reply (or, for MESOSAFE_EMAIL_DEADLINE, a whole send) may take: a mail
    server that never answers is then a failed send (and a retry), not a worker stuck for good. Refused at
    start unless a number above 0."""
    text = os.environ.get(name, default)
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a number of seconds above 0, not {text!r}")
    return seconds


EMAIL_TIMEOUT = _email_timeout()
# Seconds a whole SMTP send may take (`mesosafe.lib.smtp`): a server that keeps answering, slower than
# EMAIL_TIMEOUT per line but never finishing, is then a failed send too.
MESOSAFE_EMAIL_DEADLINE = _email_timeout("MESOSAFE_EMAIL_DEADLINE", "30")
DEFAULT_FROM_EMAIL = os.environ.get("MESOSAFE_FROM_EMAIL", "mesosafe <no-reply@localhost>")

# Where patient links point (scheme://host, no trailing slash); links are paths when empty.
MESOSAFE_BASE_URL = os.environ.get("MESOSAFE_BASE_URL", "").rstrip("/")
# Patient-link endpoints: requests allowed per token and per client address in each window.
MESOSAFE_PATIENT_RATE = int(os.environ.get("MESOSAFE_PATIENT_RATE", "60"))
MESOSAFE_PATIENT_RATE_WINDOW_S = 60
# Check-ins one link may send per clock hour; past it a check-in that needs no clinic contact gets 429, an
# escalated one is always stored (and alerted).
MESOSAFE_CHECKINS_PER_HOUR = int(os.environ.get("MESOSAFE_CHECKINS_PER_HOUR", "20"))
# Staff alerts for one treatment within this many seconds of the last one go out together, in one e-mail
# that lists them, when that window ends (a more serious check-in than those already alerted goes at once).
MESOSAFE_ALERT_GROUP_S = int(os.environ.get("MESOSAFE_ALERT_GROUP_S", "300"))
# Requests per minute on one staff API key: a clinic's real use (pages of patients, a sync now and then) is
# far below it; it bounds what a leaked or looping key can read, and the audit rows each read writes.
MESOSAFE_STAFF_RATE = int(os.environ.get("MESOSAFE_STAFF_RATE", "300"))
# Aftercare PDFs a link may have made per minute: opening the sheet, a viewer's second fetch, the other
# language and a print. A repeat comes from the cache; this bounds what a link makes anew (~1 s of CPU each).
MESOSAFE_SHEET_RATE = int(os.environ.get("MESOSAFE_SHEET_RATE", "4"))
# redis://… shares the rate-limit counters between all server processes; unset, each process counts alone
MESOSAFE_REDIS_URL = os.environ.get("MESOSAFE_REDIS_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "mesosafe.lib.logging.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
