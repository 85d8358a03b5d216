"""One env-driven settings module. Every knob is read from the environment (or `.env`)."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # trigram lookups for the knowledge search (PostgreSQL); harmless on SQLite
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_q",
    "simple_history",
    "tickets",
    "sla",
    "knowledge",
    "quality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tickets.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "tickets.context_processors.roles",
                "sla.context_processors.notifications",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": env("SQLITE_TEST_NAME", default=None)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Planning the list and detail joins cost 5-12 ms against under 1.5 ms of execution at a
    # million tickets; keeping the written join order bounds it (see the bench notes).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", env("PG_OPTIONS", default="-c join_collapse_limit=4")
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "tickets.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Attachments live outside the web root and are served only by a permission-checked view.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "attachments")))
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_PER_TICKET = env.int("ATTACHMENT_MAX_PER_TICKET", default=20)
ATTACHMENT_MAX_PER_UPLOAD = env.int("ATTACHMENT_MAX_PER_UPLOAD", default=5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="helpdesk@localhost")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Email in and out (tickets.mail): Message-ID domain (default: DEFAULT_FROM_EMAIL's), the
# Reply-To customers answer to, send attempts before an email is marked failed, and what a
# message from an unknown sender does when it arrives by pipe (mailboxes have their own rule):
# reject | domain (contact in the organization of its email domain) | default_org.
EMAIL_MESSAGE_ID_DOMAIN = env("EMAIL_MESSAGE_ID_DOMAIN", default="")
EMAIL_REPLY_TO = env("EMAIL_REPLY_TO", default="")
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
EMAIL_INBOUND_UNKNOWN_SENDER = env("EMAIL_INBOUND_UNKNOWN_SENDER", default="domain")
EMAIL_INBOUND_DEFAULT_ORG = env("EMAIL_INBOUND_DEFAULT_ORG", default="")
# The addresses customers write to (besides the mailboxes'): never copied on or mailed to.
EMAIL_INBOUND_ADDRESSES = env.list("EMAIL_INBOUND_ADDRESSES", default=[])
EMAIL_INBOUND_MAX_BYTES = env.int("EMAIL_INBOUND_MAX_BYTES", default=30 * 1024 * 1024)
# Hours a resolved ticket waits for the customer's verification before a reminder is emailed.
VERIFICATION_REMINDER_HOURS = env.int("VERIFICATION_REMINDER_HOURS", default=24)
# Chat-robot alerts and outgoing webhooks: attempts before a delivery is marked failed.
ALERT_MAX_ATTEMPTS = env.int("ALERT_MAX_ATTEMPTS", default=5)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tickets.api.pagination.FastPageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tickets.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_ANON_THROTTLE", default="60/minute")},
}
API_MAX_PAGE_SIZE = 100

SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Tickets, conversation, classification and dispatch of the technical-support "
    "process. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "ENUM_NAME_OVERRIDES": {
        "ChangeOutcomeEnum": "tickets.models.ChangeApproval.Outcome",
        "ChangeEnvironmentEnum": "tickets.models.ChangeApproval.Environment",
        "ChangeSignatureRoleEnum": "tickets.models.ChangeSignature.Role",
        "ChangeSignatureViaEnum": "tickets.models.ChangeSignature.Via",
        "TicketStatusEnum": "tickets.models.Status",
        "MessageKindEnum": "tickets.models.MessageKind",
        "EventKindEnum": "tickets.models.TicketEvent.Kind",
        "SlaClockKindEnum": "sla.models.ClockKind",
        "SlaClockStateEnum": "sla.models.ClockState",
        "DeliveryStatusEnum": "tickets.models.DeliveryStatus",
        "InboundOutcomeEnum": "tickets.models.InboundEmail.Outcome",
        "ArticleStatusEnum": "knowledge.models.ArticleStatus",
        "ArticleAudienceEnum": "knowledge.models.Audience",
        "ArticleRelationEnum": "knowledge.models.Relation",
        "EscalationStateEnum": "tickets.models.EscalationRequest.State",
        "ConsultationKindEnum": "tickets.models.Consultation.Kind",
        "ConsultationStateEnum": "tickets.models.Consultation.State",
        "ProposalStateEnum": "tickets.models.ConsultationProposal.State",
        "PlanStateEnum": "tickets.models.SolutionPlan.State",
        "RequirementStateEnum": "tickets.models.Requirement.State",
        "RequirementKindEnum": "tickets.models.Requirement.Kind",
        "UatResultEnum": "tickets.models.Requirement.Uat",
    },
}

Q_CLUSTER = {
    "name": "helpdesk",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 1000,
    "label": _("Task queue"),
}
if env("REDIS_URL", default=""):
    Q_CLUSTER["redis"] = env("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"
if env.bool("Q_SYNC", default=False):
    Q_CLUSTER["sync"] = True

SIMPLE_HISTORY_REVERT_DISABLED = True

# Knowledge base (PROCESS §14): published articles are reviewed at least quarterly; a customer
# who opened a suggested article and registered no ticket within N minutes counts as deflected.
KNOWLEDGE_REVIEW_INTERVAL_DAYS = env.int("KNOWLEDGE_REVIEW_INTERVAL_DAYS", default=91)
KNOWLEDGE_DEFLECTION_MINUTES = env.int("KNOWLEDGE_DEFLECTION_MINUTES", default=30)

# Dispatch new tickets by the routing rules as soon as they are registered.
AUTO_DISPATCH = env.bool("AUTO_DISPATCH", default=True)

# Satisfaction and progress updates (PROCESS §10, §13); defaults in quality/conf.py.
QUALITY_SURVEY_DELAY_MINUTES = env.int("QUALITY_SURVEY_DELAY_MINUTES", default=24 * 60)
QUALITY_SURVEY_LINK_DAYS = env.int("QUALITY_SURVEY_LINK_DAYS", default=14)
QUALITY_SURVEY_CONTACT_PERIOD_DAYS = env.int("QUALITY_SURVEY_CONTACT_PERIOD_DAYS", default=30)
QUALITY_DISSATISFIED_MAX_SCORE = env.int("QUALITY_DISSATISFIED_MAX_SCORE", default=2)
QUALITY_REVISIT_HOURS = env.int("QUALITY_REVISIT_HOURS", default=48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
