"""One settings module, driven by the environment (12-factor, as Saleor does).

Production behaviour is the default: a secret key must come from the environment, cookies are
secure and HSTS is on, so that `countyhub manage check --deploy` is clean with only
DJANGO_SECRET_KEY set. DJANGO_DEBUG=1 turns development on; `countyhub demo`, the Makefile and the
test suite set it for themselves, `countyhub serve` never does.
"""

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("COUNTYHUB_VAR_DIR", Path.cwd() / "var"))

DEBUG = _env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set (or DJANGO_DEBUG=1 for development on this machine)"
        )
    SECRET_KEY = "dev-only-insecure-key-countyhub-never-use-in-production"

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    # Before the admin: the site's registration/ templates (log-in, password change and reset)
    # are found before the admin's, which the app loader would otherwise take.
    "countyhub.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_prometheus",
    # Its static Swagger UI, not a CDN copy: the Content-Security-Policy allows only this site.
    "ninja",
    "countyhub.stations",
    "countyhub.catalog",
    "countyhub.shop",
    "countyhub.aftersales",
    "countyhub.training",
    "countyhub.programs",
    "countyhub.analyses",
    "countyhub.trace",
    "countyhub.crossborder",
    "countyhub.notifications",
    "countyhub.impact",
    "countyhub.surveys",
    "countyhub.channels",
]

MIDDLEWARE = [
    # Outermost: request counts and latency by view include every other middleware's time.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Then: every later middleware's and view's log lines carry the request's id.
    "countyhub.core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the language and the user (its page is translated and shows the menu), before any
    # process_view (CSRF reads the body).
    "countyhub.core.request_limits.RequestSizeLimitMiddleware",
    "countyhub.api.middleware.JsonMethodNotAllowedMiddleware",
    "countyhub.core.local_time.CountyTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "countyhub.urls"
WSGI_APPLICATION = "countyhub.wsgi.application"

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
                "countyhub.core.context_processors.storefront",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL (as `DATABASE_URL= make demo` gives) means the default too.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'countyhub.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        # A kept connection the server dropped (a restart, a failover, a cut) is replaced before
        # the next request uses it, instead of failing that request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers alongside one writer; wait for a lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# A PostgreSQL streaming replica (hot standby) for the reports' and analyses' reads
# (countyhub.core.routers): used only when it has replayed what the primary has committed,
# waiting at most DATABASE_REPLICA_WAIT_SECONDS; else, or when it is down, the primary serves.
DATABASE_REPLICA_WAIT_SECONDS = float(os.environ.get("DATABASE_REPLICA_WAIT_SECONDS", "1"))
if os.environ.get("DATABASE_REPLICA_URL"):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL.")
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
    )
    # A replica that is down must not hold a request up for the operating system's timeout.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Tests read the test database through this alias too (there is no replica of it).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["countyhub.core.routers.ReplicaRouter"]
# PgBouncer in transaction mode hands each transaction any of its server connections, so nothing
# may outlive a transaction on one: no prepared statements (PgBouncer before 1.21 does not track
# them: "prepared statement does not exist" on the next server) and no WITH HOLD cursors.
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured(f"DATABASE_POOLER={DATABASE_POOLER!r}: use pgbouncer or nothing.")
if DATABASE_POOLER:
    for _database in DATABASES.values():
        if _database["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_POOLER=pgbouncer needs a PostgreSQL DATABASE_URL.")
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        _database.setdefault("OPTIONS", {})["prepare_threshold"] = None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Every worker and host must read the same cache (page versions, trace verdicts), or a price
# change shows in some page loads and not in others: Redis when configured, else a table in the
# database. Process memory only where one process is all there is (the test suite, a shell);
# `countyhub serve` refuses it with more than one worker.
COUNTYHUB_CACHE = os.environ.get("COUNTYHUB_CACHE") or ("redis" if REDIS_URL else "database")
_DEFAULT_CACHES: dict[str, dict[str, Any]] = {
    # Redis down, the shared database cache stands in (countyhub.core.cache).
    "redis": {
        "BACKEND": "countyhub.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "countyhub",
        "OPTIONS": {"FALLBACK": "default_fallback"},
    },
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "countyhub_cache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
    "process": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if COUNTYHUB_CACHE not in _DEFAULT_CACHES or (COUNTYHUB_CACHE == "redis" and not REDIS_URL):
    raise ImproperlyConfigured(
        f"COUNTYHUB_CACHE={COUNTYHUB_CACHE!r}: use redis (with REDIS_URL), database or process."
    )
CACHES = {"default": _DEFAULT_CACHES[COUNTYHUB_CACHE]}
# Log-in and rate-limit counters must be shared by every worker and host: Redis when configured,
# else a table in the database (core's migration 0005 creates it), never process memory.
_THROTTLE_TABLE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "countyhub_throttle_cache",
}
CACHES["throttle"] = (
    {
        "BACKEND": "countyhub.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "countyhub-throttle",
        "OPTIONS": {"FALLBACK": "throttle_fallback"},
    }
    if REDIS_URL
    else _THROTTLE_TABLE
)
if REDIS_URL:
    CACHES["throttle_fallback"] = _THROTTLE_TABLE
if COUNTYHUB_CACHE == "redis":
    CACHES["default_fallback"] = _DEFAULT_CACHES["database"]
# Behind a reverse proxy of the deployment's own, the header it writes the client's address in
# (e.g. "X-Forwarded-For") and how many such proxies stand in front; unset, REMOTE_ADDR counts.
COUNTYHUB_TRUSTED_PROXY_HEADER = os.environ.get("COUNTYHUB_TRUSTED_PROXY_HEADER", "")
COUNTYHUB_TRUSTED_PROXY_COUNT = int(os.environ.get("COUNTYHUB_TRUSTED_PROXY_COUNT", "1"))
# API tokens stop working this many days after they were issued.
COUNTYHUB_API_TOKEN_DAYS = int(os.environ.get("COUNTYHUB_API_TOKEN_DAYS", "30"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("COUNTYHUB_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise serves from here; it must exist even before the first collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Uploads (product pictures, logos, banners) are written through the storage API to
# STORAGES["default"]: files under MEDIA_ROOT by default, object storage where a deployment sets
# another backend (see README, "Pictures and other uploads").
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("COUNTYHUB_MEDIA_ROOT", VAR_DIR / "media"))
# countyhub itself serves MEDIA_URL only for development and the demo; in production the web
# server (or the object store) does.
SERVE_MEDIA = _env_bool("COUNTYHUB_SERVE_MEDIA", DEBUG)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get(
            "COUNTYHUB_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
    # County records (spending evidence, task attachments): outside MEDIA_ROOT, so no web server
    # serves them; countyhub's evidence view hands them to county staff only, as attachments.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("COUNTYHUB_PRIVATE_ROOT", str(VAR_DIR / "private")),
            "base_url": "/no-public-url/",
        },
    },
}
# S3-compatible object storage (AWS S3, MinIO, Ceph, OSS/COS in S3 mode) when a bucket is named:
# public media under `media/` (read by anyone: the bucket's policy allows anonymous GET on
# `media/*` only, or COUNTYHUB_S3_PUBLIC_URL is a CDN in front of it), county records under
# `private/` of COUNTYHUB_S3_PRIVATE_BUCKET (the same bucket by default), never readable without
# a signature; the views stream them. Keys come from COUNTYHUB_S3_ACCESS_KEY/SECRET_KEY or, when
# those are unset, boto3's usual chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a role).
S3_BUCKET = os.environ.get("COUNTYHUB_S3_BUCKET", "")
if S3_BUCKET:
    _s3: dict[str, Any] = {
        "endpoint_url": os.environ.get("COUNTYHUB_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("COUNTYHUB_S3_REGION") or None,
        # Never replace a stored file by one uploaded under the same name (as on a disk).
        "file_overwrite": False,
        # Signature version 4: what every region and self-hosted store accepts.
        "signature_version": "s3v4",
    }
    if os.environ.get("COUNTYHUB_S3_ACCESS_KEY"):
        _s3["access_key"] = os.environ["COUNTYHUB_S3_ACCESS_KEY"]
        _s3["secret_key"] = os.environ.get("COUNTYHUB_S3_SECRET_KEY", "")
    if _s3["endpoint_url"]:
        # MinIO and most self-hosted stores answer at host/bucket, not bucket.host.
        _s3["addressing_style"] = "path"
    _public = urlsplit(os.environ.get("COUNTYHUB_S3_PUBLIC_URL", ""))
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": S3_BUCKET,
            "location": "media",
            "querystring_auth": False,
            **(
                {
                    "custom_domain": (_public.netloc + _public.path).rstrip("/"),
                    "url_protocol": f"{_public.scheme or 'https'}:",
                }
                if _public.netloc
                else {}
            ),
        },
    }
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": os.environ.get("COUNTYHUB_S3_PRIVATE_BUCKET") or S3_BUCKET,
            "location": "private",
            "default_acl": "private",
            # A URL of a private file, if anything asks for one, is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
# Background jobs (countyhub.core.jobs): a running job beats its heartbeat this often, and one
# whose heartbeat is older than the stale limit is failed (its worker died).
COUNTYHUB_JOB_HEARTBEAT_SECONDS = float(os.environ.get("COUNTYHUB_JOB_HEARTBEAT_SECONDS", "5"))
COUNTYHUB_JOB_STALE_SECONDS = float(os.environ.get("COUNTYHUB_JOB_STALE_SECONDS", "60"))
# A job failing with a transient error (the database or the broker away) is run again, up to
# this many attempts in all, after RETRY_DELAY seconds doubling at each attempt up to
# RETRY_MAX_DELAY, with jitter. Other errors fail it at once.
COUNTYHUB_JOB_RETRIES = int(os.environ.get("COUNTYHUB_JOB_RETRIES", "5"))
COUNTYHUB_JOB_RETRY_DELAY = float(os.environ.get("COUNTYHUB_JOB_RETRY_DELAY", "2"))
COUNTYHUB_JOB_RETRY_MAX_DELAY = float(os.environ.get("COUNTYHUB_JOB_RETRY_MAX_DELAY", "300"))
# The Celery queue (a Redis list) jobs go to: deployments sharing one Redis each name their own.
COUNTYHUB_JOB_QUEUE = os.environ.get("COUNTYHUB_JOB_QUEUE", "countyhub")
# A job's files (an import's upload, the labels or report it made) are deleted this many days
# after it ended; the job's row stays.
COUNTYHUB_JOB_FILES_DAYS = float(os.environ.get("COUNTYHUB_JOB_FILES_DAYS", "7"))
# POST /api/trace/epcis imports a document of at most this many events while the caller waits;
# a larger one is refused (413) and goes to POST /api/trace/capture, a background job. GET
# /api/trace/epcis exports at most this many too; more are paged (GET /api/trace/events).
COUNTYHUB_EPCIS_SYNC_EVENTS = int(os.environ.get("COUNTYHUB_EPCIS_SYNC_EVENTS", "500"))
# POST /api/trace/capture takes a document of at most this many events (EPCIS 2.0's
# GS1-EPCIS-Capture-Limit), within the upload pages' size limit.
COUNTYHUB_EPCIS_CAPTURE_EVENTS = int(os.environ.get("COUNTYHUB_EPCIS_CAPTURE_EVENTS", "10000"))
# GET /api/trace/events: a page's nextPageToken works for this many seconds.
COUNTYHUB_EPCIS_PAGE_TOKEN_SECONDS = int(
    os.environ.get("COUNTYHUB_EPCIS_PAGE_TOKEN_SECONDS", "3600")
)
# Evidence and document uploads: at most this many bytes, of a type checked by content.
COUNTYHUB_MAX_DOCUMENT_BYTES = int(os.environ.get("COUNTYHUB_MAX_DOCUMENT_BYTES", str(10 << 20)))

# After-sales deadlines, enforced by `countyhub manage run_aftersales_deadlines` (run it from the
# scheduler, e.g. every 15 minutes): the seller answers a request within this many hours or it
# goes to the county; the buyer sends asked-for goods back within N days or the request closes;
# the seller confirms receiving them within M days or it goes to the county; a refused buyer
# takes it to the county within K days or it closes.
AFTERSALES_SELLER_ANSWER_HOURS = int(os.environ.get("COUNTYHUB_AFTERSALES_ANSWER_HOURS", "48"))
AFTERSALES_RETURN_SHIPMENT_DAYS = int(os.environ.get("COUNTYHUB_AFTERSALES_RETURN_DAYS", "7"))
AFTERSALES_RETURN_RECEIPT_DAYS = int(os.environ.get("COUNTYHUB_AFTERSALES_RECEIPT_DAYS", "10"))
AFTERSALES_ESCALATION_DAYS = int(os.environ.get("COUNTYHUB_AFTERSALES_ESCALATION_DAYS", "7"))
AFTERSALES_PHOTO_COUNT = 5
AFTERSALES_PHOTO_MAX_BYTES = 5 * 2**20
# No request body above this is read (413): the largest honest one is an after-sales request
# with all its photos.
COUNTYHUB_MAX_REQUEST_BYTES = int(os.environ.get("COUNTYHUB_MAX_REQUEST_BYTES", str(30 * 2**20)))

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "countyhub@localhost")
# DJANGO_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend sends through this server.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))

# Notifications: links in messages are absolute URLs on this site.
SITE_URL = os.environ.get("COUNTYHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Text messages: "console" prints them (development, the demo); "aliyun" sends through 阿里云短信.
COUNTYHUB_SMS_PROVIDER = os.environ.get("COUNTYHUB_SMS_PROVIDER", "console")
COUNTYHUB_ALIYUN_SMS = {
    "ACCESS_KEY_ID": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "ACCESS_KEY_SECRET": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "SIGN_NAME": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
    # JSON: the registered template code per notification kind, {"order_shipped": "SMS_1234"}.
    "TEMPLATES": json.loads(os.environ.get("COUNTYHUB_ALIYUN_SMS_TEMPLATES", "{}")),
    "ENDPOINT": os.environ.get("ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
}
# Tracking pages per carrier (matched in the carrier's name, case-insensitive); JSON to override.
COUNTYHUB_TRACKING_URLS = json.loads(
    os.environ.get(
        "COUNTYHUB_TRACKING_URLS",
        json.dumps({"顺丰": "https://www.sf-express.com/chn/sc/waybill/list?waybillNo={number}"}),
    )
)
# Stock push to each channel's endpoint (countyhub.channels.stock_push, by `countyhub beat`) every
# COUNTYHUB_STOCK_PUSH_MINUTES: short enough that a sale on one channel soon lowers what the others
# offer (the listing's buffer covers the minutes between), long enough for a slow endpoint to
# answer; periods start at the top of the hour, so the minutes divide 60. Each POST waits at most
# COUNTYHUB_STOCK_PUSH_TIMEOUT seconds for the answer. Endpoints must be https, except plain http to
# the hosts listed here (comma-separated names or addresses, e.g. an ERP middleware on the county's
# LAN): by default the loopback in development and tests, none in production.
_DIVISORS_OF_AN_HOUR = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60)
_stock_push_minutes = os.environ.get("COUNTYHUB_STOCK_PUSH_MINUTES", "5")
if not _stock_push_minutes.isdigit() or int(_stock_push_minutes) not in _DIVISORS_OF_AN_HOUR:
    raise ImproperlyConfigured(
        f"COUNTYHUB_STOCK_PUSH_MINUTES={_stock_push_minutes!r}: use minutes that divide an hour "
        f"({', '.join(map(str, _DIVISORS_OF_AN_HOUR))})."
    )
COUNTYHUB_STOCK_PUSH_MINUTES = int(_stock_push_minutes)
COUNTYHUB_STOCK_PUSH_TIMEOUT = float(os.environ.get("COUNTYHUB_STOCK_PUSH_TIMEOUT", "5"))
COUNTYHUB_STOCK_PUSH_HTTP_HOSTS = [
    host.strip().lower()
    for host in os.environ.get(
        "COUNTYHUB_STOCK_PUSH_HTTP_HOSTS", "127.0.0.1,localhost,::1" if DEBUG else ""
    ).split(",")
    if host.strip()
]
# A seller hears of a product's stock running low below this, unless they set their own.
COUNTYHUB_LOW_STOCK_THRESHOLD = os.environ.get("COUNTYHUB_LOW_STOCK_THRESHOLD", "5")
# A failed message is retried after 1, 2, 4, 8 minutes..., at most this many times.
COUNTYHUB_NOTIFICATION_MAX_ATTEMPTS = int(
    os.environ.get("COUNTYHUB_NOTIFICATION_MAX_ATTEMPTS", "6")
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere (the page script is static/countyhub/site.js), nothing from other
# sites. Inline style stays allowed: templates style their own blocks, and htmx adds its
# indicator style.
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
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# /metrics (Prometheus) for a scraper that sends this bearer token; unset, for a scraper on this
# machine only (loopback, not through a proxy).
COUNTYHUB_METRICS_TOKEN = os.environ.get("COUNTYHUB_METRICS_TOKEN", "")
PROMETHEUS_EXPORT_MIGRATIONS = False

# JSON lines for a log collector in production, plain lines for a person at a terminal; each line
# carries the id of the request (or of the job's request) it came from.
COUNTYHUB_LOG_FORMAT = os.environ.get("COUNTYHUB_LOG_FORMAT") or ("text" if DEBUG else "json")
if COUNTYHUB_LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"COUNTYHUB_LOG_FORMAT={COUNTYHUB_LOG_FORMAT!r}: use json or text.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "countyhub.core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",  # ISO 8601 in UTC
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": COUNTYHUB_LOG_FORMAT,
        },
        # The administrators' page of recent errors (admin: Core > Recent errors).
        "error_records": {
            "class": "countyhub.core.observability.ErrorRecordHandler",
            "filters": ["request_id"],
            "level": "ERROR",
        },
    },
    # WARNING by default: some libraries (the EPCIS hash generator) log every event at INFO on
    # the root logger, which would flood the server log on every trace-page render.
    "root": {
        "handlers": ["console", "error_records"],
        "level": os.environ.get("COUNTYHUB_LOG_LEVEL", "WARNING"),
    },
}
# How many errors the page of recent errors keeps (older ones are deleted as new ones come).
ERROR_RECORDS_KEPT = int(os.environ.get("COUNTYHUB_ERROR_RECORDS_KEPT", "1000"))

# The host that GS1 Digital Link URIs on labels name; countyhub serves their /01/... paths.
TRACE_DOMAIN = os.environ.get("COUNTYHUB_TRACE_DOMAIN", "trace.countyhub.example")
# A map tile server's URL template ({z}/{x}/{y}) for the trace page's route map, e.g.
# "https://tiles.example.cn/{z}/{x}/{y}.png". Empty: a plain drawn map with place names only,
# so no scan makes the visitor's phone ask a third party for anything.
COUNTYHUB_MAP_TILES = os.environ.get("COUNTYHUB_MAP_TILES", "")
if COUNTYHUB_MAP_TILES:
    # The route map's tiles are the one image from another site the policy lets in.
    _tiles = urlsplit(COUNTYHUB_MAP_TILES)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")
if S3_BUCKET:
    # Pictures in object storage come from the store (or its CDN), not from countyhub's origin.
    _media = os.environ.get("COUNTYHUB_S3_PUBLIC_URL") or os.environ.get(
        "COUNTYHUB_S3_ENDPOINT_URL"
    )
    for _origin in (
        [_media]
        if _media
        # AWS itself: the bucket's global and regional hosts.
        else [
            f"https://{S3_BUCKET}.s3.amazonaws.com",
            f"https://{S3_BUCKET}.s3.{os.environ.get('COUNTYHUB_S3_REGION', 'us-east-1')}"
            ".amazonaws.com",
        ]
    ):
        _parts = urlsplit(_origin)
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
            f"{_parts.scheme}://{_parts.netloc}"
        )
