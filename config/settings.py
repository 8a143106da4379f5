"""Settings for the assistive-device platform, read from environment variables.

Every variable is listed, with its default, in ``.env.example``. With nothing set the
project runs on an SQLite file under ``DATA_DIR``; set ``DATABASE_URL`` for PostgreSQL.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

DEBUG = env.get_bool("DEBUG", False)
SECRET_KEY = env.optional_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(env.get_str("DATA_DIR", str(BASE_DIR / "data")))
DATABASE_URL = env.optional_str("DATABASE_URL")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env.get_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    if _db["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL or SQLite.")
    # PostgreSQL searches every join order of up to 8 relations; a list read with its
    # related rows joined (an order: 9 tables) then spends 3-26 ms planning and under
    # 4 ms running. Joins are kept in the order written beyond this many relations.
    # docs/decisions/0006-join-collapse-limit.md; 0 keeps the server's setting.
    _collapse = env.get_int("DB_JOIN_COLLAPSE_LIMIT", 4, minimum=0)
    if _collapse and _db["ENGINE"] == "django.db.backends.postgresql":
        _options = _db.setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c join_collapse_limit={_collapse}"
            f" -c from_collapse_limit={_collapse}"
        ).strip()
    # Parameters bound by the server and a statement prepared on a connection's Nth use,
    # so the same query is not parsed and planned again each request (an order's SQL
    # time: about a fifth less). docs/decisions/0008; 0 binds on the client.
    _prepare = env.get_int("DB_PREPARE_THRESHOLD", 5, minimum=0)
    if _prepare and _db["ENGINE"] == "django.db.backends.postgresql":
        _options = _db.setdefault("OPTIONS", {})
        _options["server_side_binding"] = True
        _options["prepare_threshold"] = _prepare
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "db.sqlite3"),
        # Wait for a competing writer instead of failing at once ("database is locked").
        "OPTIONS": {"timeout": 20},
    }
DATABASES = {"default": _db}

# The cache (computed follow-up figures, followup/cache.py). Each server process keeps its
# own in memory unless CACHE_URL points at Redis (redis://host:6379/1), which the
# processes then share, so one computation serves every worker.
CACHE_URL = env.optional_str("CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL must be a redis://, rediss:// or unix:// URL.")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "core",
    "registry",
    "catalog",
    "orders",
    "devices",
    "logistics",
    "audit",
    "followup",
    "billing",
    "investment",
    "economy",
    "bootstrap",
    "api",
    # Failed-login tracking and lockout (see "Login lockout" below).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.SwedishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a logged-in user unless its view is marked @login_not_required.
    "core.middleware.LoginRequiredMiddleware",
    # Writes the patient-data access log of each successful request.
    "audit.middleware.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A refused action on a screen: its Swedish message, and nothing changed.
    "core.screen_errors.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After MessageMiddleware, so it can leave a message; its check runs before any view.
    "core.middleware.SessionIdleTimeoutMiddleware",
    # Last, so it sees the response of the login view and turns a lockout into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.roles",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.get_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Ours: at least three of lower case, upper case, digits and other characters.
    {"NAME": "core.passwords.CharacterClassValidator"},
]

# --- Login lockout (django-axes) ---------------------------------------------------------
# Axes counts failed logins; at the limit it refuses every attempt, the right password
# too, until the cool-off has passed. A successful login clears the count.
# The lock is on username and IP address together: on the IP address alone, one person's
# typos would lock out a whole hospital behind one NAT address; on the username alone,
# anyone on the internet could keep a named nurse locked out through her shift. (Behind a
# reverse proxy every request has the proxy's address, so the lock is then in effect per
# username, which is still safe.)
# Only logins through django.contrib.auth.authenticate() count: the login page and the
# admin. API bearer tokens and existing sessions are not logins and are never locked out.
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out login is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.get_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.get_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The cool-off runs from the lockout; more attempts during it do not restart it, so the
# page's "try again in N minutes" is true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.get_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Idle timeout: seconds without a request before core.middleware.SessionIdleTimeoutMiddleware
# logs the user out. SESSION_COOKIE_AGE above stays the absolute limit from login.
SESSION_IDLE_TIMEOUT = env.get_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_COOKIE_SECURE = env.get_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Swedish is the language of the users; English is available through the switcher.
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Timestamps are stored in UTC; business dates are read in Stockholm time.
USE_TZ = True
TIME_ZONE = "Europe/Stockholm"

STATIC_URL = "static/"
# collectstatic writes here in production; without it whitenoise serves from the apps.
STATIC_ROOT = env.optional_str("STATIC_ROOT")
WHITENOISE_USE_FINDERS = True
STATICFILES_DIRS = [BASE_DIR / "static"]

# Fee for an urgent delivery (within 24 hours), SEK. The region's price list sets it;
# 500.00 is a placeholder until it is entered.
URGENT_DELIVERY_FEE = env.get_decimal("URGENT_DELIVERY_FEE", "500.00")

# How long computed follow-up figures are kept (followup/cache.py): a changed fingerprint
# of the data is a new key anyway, so this only bounds the memory of stale entries.
FOLLOWUP_CACHE_SECONDS = env.get_int("FOLLOWUP_CACHE_SECONDS", 60 * 60, minimum=0)
# The follow-up reads the days that are over from its daily and monthly counts (decision
# 0011, followup/rollup.py); false counts every figure from the events at each request.
FOLLOWUP_ROLLUP = env.get_bool("FOLLOWUP_ROLLUP", True)
# API tokens kept per server process with their user, person and memberships, checked
# against the access generation on each request (registry/access_cache.py); 0 = off.
ACCESS_CACHE_ENTRIES = env.get_int("ACCESS_CACHE_ENTRIES", 10_000, minimum=0)

LOG_LEVEL = env.get_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # WeasyPrint narrates every step of a PDF at INFO; only its warnings matter.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
