"""Kuntachat settings. Every setting comes from the environment; the defaults run the demo.

With no environment set, the project uses an SQLite file under var/ and the in-memory
channel layer. DATABASE_URL switches to PostgreSQL and REDIS_URL to channels-redis, which is
how several daphne processes share one service.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KUNTACHAT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _persistent_secret_key() -> str:
    # A key generated per process would log everyone out on restart and break sessions
    # between processes, so the fallback is generated once and kept under var/.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or _persistent_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    # FAQ entries' history (who changed what, when; view and restore): django-simple-history
    # rather than django-reversion, because it keeps one plain table per model that queries
    # and migrations see, and its admin integration gives history and revert views as is.
    "simple_history",
    "faqbot",
    "chat",
    "frontend_widget",
    "insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records the request's user on history rows for saves made outside the admin's forms
    # (the import page, bulk actions).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides of other apps' templates (the admin's home page).
        "DIRS": [BASE_DIR / "templates"],
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kuntachat.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # The demo runs bot replies and websocket writes from several threads; waiting for the
    # lock beats failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A file, not memory, so that the daphne processes the browser tests start can see it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "kuntachat"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
# Serving straight from the apps' static folders keeps the two README commands free of a
# collectstatic step; the files are few and small.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# Chat limits: see docs/protocol.md.
CHAT_MAX_MESSAGE_CHARS = 2000
CHAT_MAX_FRAME_BYTES = 16 * 1024
CHAT_RATE_LIMIT_MESSAGES = int(os.environ.get("CHAT_RATE_LIMIT_MESSAGES", "10"))
CHAT_RATE_LIMIT_WINDOW_S = float(os.environ.get("CHAT_RATE_LIMIT_WINDOW_S", "10"))
# Matching is CPU work; it gets its own threads so it never blocks the event loop nor the
# single thread that database_sync_to_async uses.
FAQBOT_MATCHER_THREADS = int(os.environ.get("FAQBOT_MATCHER_THREADS", "2"))

# Live agents (docs/protocol.md). Every duration is a setting so that tests can shorten it.
# An agent whose last socket closed keeps their conversations this long before they go back
# to the front of the queue.
CHAT_AGENT_GRACE_S = float(os.environ.get("CHAT_AGENT_GRACE_S", "120"))
# A queued resident without an open socket (or a message or ping) for this long has left.
CHAT_ABANDON_AFTER_S = float(os.environ.get("CHAT_ABANDON_AFTER_S", "300"))
# Automatic routing: an offer not answered in this time counts as declined.
CHAT_OFFER_TIMEOUT_S = float(os.environ.get("CHAT_OFFER_TIMEOUT_S", "30"))
# How often each process runs the sweep (grace, abandonment, offers; chat/sweeper.py) and
# refreshes its agent sockets' rows; a row not refreshed for CHAT_AGENT_STALE_S belongs to
# a process that died, and its socket is counted as gone.
CHAT_SWEEP_INTERVAL_S = float(os.environ.get("CHAT_SWEEP_INTERVAL_S", "5"))
CHAT_AGENT_STALE_S = float(os.environ.get("CHAT_AGENT_STALE_S", "60"))
# Typing indicators: at most one per this interval, each way.
CHAT_TYPING_INTERVAL_S = float(os.environ.get("CHAT_TYPING_INTERVAL_S", "1"))
# The estimated wait per place in the queue when a municipality has no recent waits.
CHAT_DEFAULT_WAIT_S = int(os.environ.get("CHAT_DEFAULT_WAIT_S", "120"))
# Bursts of queue changes are coalesced into one `queue` frame per this delay.
CHAT_QUEUE_REFRESH_DELAY_S = float(os.environ.get("CHAT_QUEUE_REFRESH_DELAY_S", "0.1"))
# Agents paste FAQ answers, which can be longer than what residents may type.
CHAT_MAX_AGENT_MESSAGE_CHARS = 5000
CHAT_AGENT_FRAME_LIMIT = int(os.environ.get("CHAT_AGENT_FRAME_LIMIT", "200"))
