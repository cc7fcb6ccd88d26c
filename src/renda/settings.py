"""Renda settings: one module, configured from the environment.

Environment variables (all optional; the defaults give the embedded SQLite platform):

- ``RENDA_DATA_DIR``   data directory (default ``var/`` beside the repository)
- ``DATABASE_URL``     e.g. ``postgresql://user@127.0.0.1:5432/renda`` (default SQLite in the data dir)
- ``SECRET_KEY``       default: generated once and kept in ``<data dir>/secret_key``
- ``DEBUG``            ``1``/``0`` (default ``0``)
- ``ALLOWED_HOSTS``    comma-separated (default ``localhost,127.0.0.1,[::1]``)
- ``SESSION_IDLE_MINUTES``  idle minutes before a session expires (default 120)
- ``EMAIL_URL``-style settings are not used yet; e-mail goes to the console unless ``EMAIL_HOST`` is set.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules
DATA_DIR = Path(os.environ.get("RENDA_DATA_DIR", REPO_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "captcha",  # django-simple-captcha: the challenge on the public liaison forms
    "csp",  # django-csp: the Content-Security-Policy header
    "renda.core",
    "renda.accounts",
    "renda.notifications",  # 消息中心: above accounts, below the modules that notify
    "renda.deputies",
    "renda.liaison",
    "renda.suggestions",
    "renda.budget",
    "renda.api",
    "renda.demo",  # the demo county: the top floor, nothing imports it
]

MIDDLEWARE = [
    "renda.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "renda.core.sessions.RefreshingSessionMiddleware",  # saves an unchanged session once a minute
    "renda.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "renda.core.middleware.AuditContextMiddleware",
    "renda.accounts.middleware.SecondFactorRequiredMiddleware",
    "renda.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "renda.urls"
WSGI_APPLICATION = "renda.wsgi.application"
ASGI_APPLICATION = "renda.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "renda.core.context_processors.navigation",
                "renda.notifications.context_processors.bell",
                "renda.core.public_cache.csrf_placeholder",  # last: it overrides the CSRF token
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'renda.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each request opens a connection (conn_max_age 0), so SQLite's own page cache starts empty
    # every time: reading the file through a memory map (up to 1 GiB) instead of a read() per page
    # makes such a connection's first queries up to 3× faster (the budget's day list at 10^6
    # payments: p95 191 → 106 ms). The mapped pages are the OS's file cache, shared and
    # reclaimable, though they count in a process's resident size.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA mmap_size=1073741824;"
        ),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    # psycopg 3 connection pool (Django ≥ 5.1); one pool per process.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": int(os.environ.get("DB_POOL_MAX", "10")), "timeout": 10}
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "renda.accounts.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "renda.accounts.password_validation.CharacterClassValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
if TESTING:  # hashing with the production work factor would dominate the test run
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failed logins (django-axes): per user name, from any address.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "renda.accounts.views.lockout_response"
AXES_VERBOSE = False
# Lockout is per account (user name); per-address throttling belongs to the reverse proxy.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Sessions expire after SESSION_IDLE_MINUTES without a request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "120")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "renda.core.views.csrf_failure"

OTP_TOTP_ISSUER = "智慧人大 Renda"
# Roles that must pass the second factor (TOTP) before they reach anything but the sign-in pages.
RENDA_SECOND_FACTOR_ROLES = ("admin", "staff")  # Role values (settings import no app code)

# --- requests -------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind a reverse proxy (docs/security.md): how many proxies stand in front of the site
# (TRUSTED_PROXY_COUNT) or their addresses (TRUSTED_PROXIES, comma-separated addresses or networks).
# The client's address is then read from X-Forwarded-For, and every rate limit, lockout and audit row
# uses it; with neither set, X-Forwarded-For is ignored (a client could write anything into it).
RENDA_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0") or 0)
RENDA_TRUSTED_PROXIES = [a.strip() for a in os.environ.get("TRUSTED_PROXIES", "").split(",") if a.strip()]

# HTTPS: SECURE_COOKIES=1 says the site is served over HTTPS (by the proxy). Then the proxy's
# X-Forwarded-Proto is believed, plain HTTP is redirected (the health check excepted) and browsers are
# told to use HTTPS only (HSTS, HSTS_SECONDS, default one year).
if SESSION_COOKIE_SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^api/v1/health$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Entering the browsers' preload list is the operator's decision (HSTS_PRELOAD=1), not a default:
# security.W021 is silenced above.

# Content-Security-Policy: scripts and styles only from the site itself, no inline script, no
# plug-ins, no framing. Inline style attributes stay allowed (layout widths in templates, htmx's
# indicator style). The QR codes and chart images are inline SVG or data: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed, compressed static files once collected; the tests render straight from the sources.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = DATA_DIR / "media"
# django-simple-captcha: in tests the answer "PASSED" is accepted (never in production).
CAPTCHA_TEST_MODE = TESTING
# Readable (issue 15.12): four characters without look-alikes, large and nearly upright, a few grey
# dots and no arcs across the letters; 30 minutes to fill a long form. The text alternative (a question in
# words) is renda.liaison.challenge.text_challenge; no audio (flite is not part of the platform).
CAPTCHA_CHALLENGE_FUNCT = "renda.liaison.challenge.legible_challenge"
CAPTCHA_FONT_SIZE = 36
CAPTCHA_LETTER_ROTATION = (-10, 10)
CAPTCHA_FOREGROUND_COLOR = "#1a1a1a"
CAPTCHA_NOISE_FUNCTIONS = ("renda.liaison.challenge.light_noise",)
CAPTCHA_FILTER_FUNCTIONS: tuple[str, ...] = ()
CAPTCHA_TIMEOUT = 30
if TESTING:
    import warnings

    warnings.filterwarnings("ignore", message="CAPTCHA_TEST_MODE is enabled", category=RuntimeWarning)
    import logging

    logging.getLogger("captcha.conf.settings").setLevel(logging.CRITICAL)
MEDIA_URL = "/media/"

# --- cache: rate limits and throttles must be shared by every worker process ---------------
CACHES: dict[str, dict[str, object]]
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# The anonymous public pages (renda.core.public_cache): kept per process in local memory, keyed by
# the public content's version held in the shared cache above, so every worker sees a change.
CACHES["public_pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "renda-public-pages",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
RENDA_PUBLIC_PAGE_CACHE = env_bool("RENDA_PUBLIC_PAGE_CACHE", True)
RENDA_PUBLIC_PAGE_SECONDS = int(os.environ.get("RENDA_PUBLIC_PAGE_SECONDS", "300"))

# --- background tasks -----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- e-mail ---------------------------------------------------------------------------------
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "renda@localhost")

# --- messages beyond the inbox (消息中心): one gateway per channel -----------------------------
# RENDA_SMS_BACKEND: console | file | aliyun (阿里云短信 SendSms);
# RENDA_WECHAT_BACKEND: console | file | wechat (the official account's 订阅通知, bizsend);
# RENDA_EMAIL_GATEWAY: django | console | file. WeChat binding (网页授权) needs WECHAT_APPID and
# WECHAT_SECRET of the official account; its receipts (事件推送) need WECHAT_TOKEN (服务器配置's token).
# The file backends append JSON lines to RENDA_MESSAGES_DIR. Secrets come from the environment only.
RENDA_SITE_URL = os.environ.get("RENDA_SITE_URL", "")  # the address in e-mails' links
_messages_dir = os.environ.get("RENDA_MESSAGES_DIR", str(REPO_DIR / "var" / "messages"))
NOTIFICATION_GATEWAYS = {
    "email": {"BACKEND": os.environ.get("RENDA_EMAIL_GATEWAY", "django"), "PATH": _messages_dir},
    "sms": {
        "BACKEND": os.environ.get("RENDA_SMS_BACKEND", "console"),
        "PATH": _messages_dir,
        "ACCESS_KEY_ID": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
        "ACCESS_KEY_SECRET": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
        "SIGN_NAME": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
        "TEMPLATE_CODE": os.environ.get("ALIYUN_SMS_TEMPLATE_CODE", ""),
        "TEXT_VARIABLES": int(os.environ.get("ALIYUN_SMS_TEXT_VARIABLES", "2")),
        "ENDPOINT": os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
        "TIMEOUT": float(os.environ.get("RENDA_GATEWAY_TIMEOUT", "10")),
    },
    "wechat": {
        "BACKEND": os.environ.get("RENDA_WECHAT_BACKEND", "console"),
        "PATH": _messages_dir,
        "APPID": os.environ.get("WECHAT_APPID", ""),
        "SECRET": os.environ.get("WECHAT_SECRET", ""),
        "TEMPLATE_ID": os.environ.get("WECHAT_TEMPLATE_ID", ""),
        "PAGE": os.environ.get("WECHAT_PAGE", ""),
        "SITE_URL": RENDA_SITE_URL,
        "TOKEN": os.environ.get("WECHAT_TOKEN", ""),
        "API_BASE": os.environ.get("WECHAT_API_BASE", "https://api.weixin.qq.com"),
        "OAUTH_BASE": os.environ.get("WECHAT_OAUTH_BASE", "https://open.weixin.qq.com"),
        "TIMEOUT": float(os.environ.get("RENDA_GATEWAY_TIMEOUT", "10")),
    },
}

# --- logging: personal data never goes to the log; request bodies are not logged ------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django.security.DisallowedHost": {"level": "ERROR"}},
}

# --- Renda ----------------------------------------------------------------------------------
RENDA_NAME = _("Renda Smart People's Congress")
RENDA_REGION_CODE = os.environ.get("RENDA_REGION_CODE", "610999")
# A demo installation (RENDA_DEMO=1, set by `make run`): only then does demo_seed create the demo
# county with its public passwords, authenticator secrets and finance token.
RENDA_DEMO = env_bool("RENDA_DEMO", False)
RENDA_API_TOKEN_PREFIX = "rdt_"
# Daily jobs (run_daily_jobs; run_platform starts them every day at RENDA_DAILY_AT).
RENDA_DAILY_COMMANDS = ["suggestions_remind", "liaison_remind"]
RENDA_DAILY_AT = os.environ.get("RENDA_DAILY_AT", "07:00")
