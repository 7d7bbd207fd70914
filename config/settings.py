"""Counterpoint settings: one file, read from the environment.

DEBUG, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and the MAP_* limits are the
knobs; everything else is fixed here. With nothing set it runs on SQLite, no services.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A production server with a published default key could have its sessions forged.
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. To run in development, set DEBUG=1: "
            "`DEBUG=1 python manage.py load_demo` (make run does this for you)."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "debates",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside every layer that writes a page's body, so it compresses the finished page.
    "config.compression.HTMLGZipMiddleware",
    # Query parameters with NUL or control characters refused before anything reads them.
    "debates.parameters.QueryParametersMiddleware",
    # Cached exports of public debates, before the layers that only pages need.
    "debates.maps.middleware.PublicMapMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks, so that it sees the authenticated user.
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
                "debates.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A kept connection is checked before a request uses it, so that a database restart
        # costs a reconnect, not the first request on each worker.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite with concurrent writers, as Django 5.2's database notes advise: a transaction
    # takes the write lock when it begins (IMMEDIATE), so a writer waits up to `timeout`
    # seconds for another instead of failing with "database is locked" half-way; WAL lets
    # readers go on while one writes; synchronous=NORMAL is safe with WAL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests: a file, not memory, so that each live-server thread opens its own connection
    # as each worker would (an in-memory test database is one connection shared by all).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # A cache outage degrades to uncached pages, never to errors (config/cache.py).
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            # Seconds: a dead Redis is a refused connection (milliseconds); a hung one costs
            # at most these, where redis-py would otherwise wait without limit.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions live in the database so that any number of stateless app servers share them.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Login throttling: a whole class sits behind one school address, so lock out a user
# name (never an IP address) and only for a while (docs/hazards.md, "Login lockouts").
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_RESET_ON_SUCCESS = True
# Failures are counted in the database, never in the cache: logins stay protected while
# the cache is down (when the API's own throttles fail open).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Deliberate (see above): keying by IP would lock out a whole school.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    # No collectstatic needed in development and tests.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: a pasted or uploaded op-ed is text; refuse anything much larger early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # A load balancer's health check often speaks plain HTTP to the app server.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp 4): no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Argument maps (debates/maps/).
DOT_BINARY = os.environ.get("DOT_BINARY", "dot")
MAP_RENDER_TIMEOUT = float(os.environ.get("MAP_RENDER_TIMEOUT", "10"))
# Seconds of Graphviz time one request may spend in all (a PDF runs `dot` twice, a handout
# once per section): gunicorn.conf.py gives workers more than this.
MAP_RENDER_BUDGET = float(os.environ.get("MAP_RENDER_BUDGET", str(MAP_RENDER_TIMEOUT)))
MAP_MAX_NODES = env_int("MAP_MAX_NODES", 400)
# Drawings are kept only while they can still be asked for (debates/maps/cache.py): an hour
# at most, and a drawing larger than MAP_CACHE_MAX_BYTES is served but never kept.
MAP_CACHE_SECONDS = env_int("MAP_CACHE_SECONDS", 60 * 60)
MAP_CACHE_MAX_BYTES = env_int("MAP_CACHE_MAX_BYTES", 5 * 1024 * 1024)
# A failed render is remembered this long: readers get its message at once, not a new wait.
MAP_FAILURE_SECONDS = env_int("MAP_FAILURE_SECONDS", 60)
# Renders of drawings not in the cache, per user (per address for visitors); cached maps are free.
MAP_RENDER_RATE = os.environ.get("MAP_RENDER_RATE", "20/min")

# Wrong join codes allowed per window (debates/throttles.py): per account, and per address
# generously, since a whole class signs up from behind one school address.
JOIN_RATE_PER_USER = os.environ.get("JOIN_RATE_PER_USER", "10/15m")
JOIN_RATE_PER_ADDRESS = os.environ.get("JOIN_RATE_PER_ADDRESS", "100/15m")

# Contributions (debates/moderation.py).
MAX_PENDING_PER_DEBATE = env_int("MAX_PENDING_PER_DEBATE", 10)
SOURCE_MAX_CHARS = env_int("SOURCE_MAX_CHARS", 200_000)

# Maps imported from other tools (debates/importing.py): the largest file read, and the most
# statements taken from it. A Kialo export of 2,659 statements is about 705 KB. A map larger
# than MAP_MAX_NODES still imports; only its drawing shows the neighbourhood of the question.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5_000_000)
IMPORT_MAX_STATEMENTS = env_int("IMPORT_MAX_STATEMENTS", 5_000)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "not signed in" into a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "debates.api.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded in size and depth: deeply nested JSON is a RecursionError in DRF's
    # own parser (docs/hazards.md, "Deep JSON").
    "DEFAULT_PARSER_CLASSES": ["debates.api.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "debates.api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # How many proxies stand in front of the app: a client's address is read that many entries
    # from the right of X-Forwarded-For. Unset, DRF would take the header whole, and any client
    # could claim a new address with each request and escape every per-address limit.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    # Writes per user (or address); token requests per user name tried.
    "DEFAULT_THROTTLE_RATES": {
        "api-write": os.environ.get("API_WRITE_RATE", "120/min"),
        "api-token": os.environ.get("API_TOKEN_RATE", "10/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Counterpoint API",
    "DESCRIPTION": "Debates, argument-map nodes and relations, sources, classrooms and moderation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "debates.api.schema.forbid_unknown_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "debates.models.Status",
        "NodeKindEnum": "debates.models.Kind",
        "RelationKindEnum": "debates.models.Relation.Kind",
        "ReasonEnum": "debates.models.Reason",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
