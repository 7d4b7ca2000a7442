"""Configuration: one class per environment, read from the environment when instantiated.

Instances (not classes) are handed to ``create_app`` so that a test can build a config
after changing the environment, and so ``ProductionConfig`` can refuse to exist without
a real secret key.
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Where `make run` serves by default (Makefile HOST and PORT); the development default of
# PORTAL_BASE_URL is built from the same values so that links in emails and the calendar
# address point at the server that is running.
DEV_HOST, DEV_PORT = "127.0.0.1", 5000

# Anything equal to this, or empty, is not a secret. Development uses it so that
# `make run` works out of the box; production refuses it.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105


class ConfigurationError(SystemExit):
    """Raised for a configuration the app must not start with.

    It is a ``SystemExit`` so that gunicorn or ``flask`` print the one-line reason and
    exit non-zero instead of a traceback.
    """


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Europe/London``), else refuse to start."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"refusing to start: PRACTICE_TIMEZONE {name!r} is not a time zone "
            "(use a name such as America/Los_Angeles)"
        ) from None
    return name


def _locale(name: str) -> str:
    """``name`` if Babel knows the locale (``en_US``, ``en_GB``), else refuse to start."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        raise ConfigurationError(
            f"refusing to start: PRACTICE_LOCALE {name!r} is not a locale (use e.g. en_US)"
        ) from None
    return name


def local_base_url(host: str, port: int | str) -> str:
    """The address of a server listening on ``host:port`` as a browser on this machine uses it.

    A server bound to every interface (``0.0.0.0``, ``::``) is still reached at 127.0.0.1.
    """
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (names an address, binds nothing)
        host = DEV_HOST
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever spelling the operator used."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    def __init__(self) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or DEFAULT_SECRET_KEY
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'portal.sqlite'}"
        )
        # A pooled connection to a database server may have been dropped (a restart, an idle
        # timeout): it is pinged before use. A SQLite file cannot drop a connection, and its
        # ping was a statement of its own on every checkout.
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": not self.SQLALCHEMY_DATABASE_URI.startswith("sqlite")
        }
        self.REDIS_URL = env.get("REDIS_URL") or None

        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        # Without MAIL_SERVER, mail is kept in the development mailbox (admins read it in the
        # back office). Production refuses that unless a staging site opts in explicitly.
        self.MAIL_DEV_MAILBOX = _env_bool("MAIL_DEV_MAILBOX")
        # Whether the mailbox shows one-time links (reset, invitation, confirmation…) as
        # they are. Only development does, so a person trying the demo can follow them;
        # everywhere else they are redacted (portal/web/token_links.py): whoever reads the
        # mailbox must not be able to act as the recipient.
        self.MAILBOX_SHOW_TOKEN_LINKS = False
        self.MAIL_PORT = _env_int("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
        self.MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER") or (
            "Massage Works <hello@massageworks.example>"
        )
        self.MAIL_RATE_PER_SECOND = float(env.get("MAIL_RATE_PER_SECOND") or 0) or None
        # Flask-Mail would otherwise skip sending when TESTING, and print the SMTP dialogue
        # when DEBUG; the pipeline decides itself (no MAIL_SERVER: development mailbox).
        self.MAIL_SUPPRESS_SEND = False
        self.MAIL_DEBUG = _env_int("MAIL_DEBUG", 0)
        self.MAIL_MAX_EMAILS = _env_int("MAIL_MAX_EMAILS", 0) or None  # reconnect after N
        self.MAIL_SMTP_TIMEOUT = float(env.get("MAIL_SMTP_TIMEOUT") or 30)
        # The outbox pipeline (portal/mail/, README "Mail pipeline").
        self.MAIL_WORKERS = _env_int("MAIL_WORKERS", 3)  # sending processes per `flask worker`
        self.MAIL_BATCH_SIZE = _env_int("MAIL_BATCH_SIZE", 200)  # rows per claim and connection
        self.MAIL_LEASE_SECONDS = float(env.get("MAIL_LEASE_SECONDS") or 120)
        # Accepted messages are marked sent in groups: one UPDATE and one COMMIT for those
        # accepted within MAIL_SENT_GROUP_MS, at most MAIL_SENT_GROUP_SIZE (1: one by one).
        # A killed sending process resends at most its group (docs/mail.md).
        self.MAIL_SENT_GROUP_SIZE = max(1, _env_int("MAIL_SENT_GROUP_SIZE", 20))
        self.MAIL_SENT_GROUP_MS = float(env.get("MAIL_SENT_GROUP_MS") or 20)
        self.MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
        self.MAIL_RETRY_BASE_SECONDS = float(env.get("MAIL_RETRY_BASE_SECONDS") or 60)
        self.MAIL_RETRY_MAX_SECONDS = float(env.get("MAIL_RETRY_MAX_SECONDS") or 6 * 3600)
        self.MAIL_SUPPRESS_AFTER_HARD_FAILURES = _env_int("MAIL_SUPPRESS_AFTER_HARD_FAILURES", 2)
        # Emails that requests from anybody (subscribe, register, reset, a guest's comment, a
        # sign-in lockout) may cause to one address per UTC day, all kinds together.
        self.MAIL_ANONYMOUS_PER_ADDRESS_PER_DAY = _env_int("MAIL_ANONYMOUS_PER_ADDRESS_PER_DAY", 3)
        # Mail that arrives (docs/mail.md "Signing and bounces"): a DKIM key, a signed
        # envelope sender per message, and the mailbox where later bounces are read.
        self.DKIM_SELECTOR = env.get("DKIM_SELECTOR") or None
        self.DKIM_DOMAIN = env.get("DKIM_DOMAIN") or None  # default: the From domain
        self.DKIM_PRIVATE_KEY_FILE = env.get("DKIM_PRIVATE_KEY_FILE") or None
        self.MAIL_BOUNCE_ADDRESS = env.get("MAIL_BOUNCE_ADDRESS") or None
        self.MAIL_SPF = env.get("MAIL_SPF") or "mx a"  # mechanisms of `mail dns`'s SPF record
        self.MAIL_DMARC_REPORTS = env.get("MAIL_DMARC_REPORTS") or None  # rua= address
        self.BOUNCE_IMAP_HOST = env.get("BOUNCE_IMAP_HOST") or None
        self.BOUNCE_IMAP_PORT = _env_int("BOUNCE_IMAP_PORT", 993)
        self.BOUNCE_IMAP_SSL = _env_bool("BOUNCE_IMAP_SSL", True)
        self.BOUNCE_IMAP_USER = env.get("BOUNCE_IMAP_USER") or None
        self.BOUNCE_IMAP_PASSWORD = env.get("BOUNCE_IMAP_PASSWORD") or None
        self.BOUNCE_IMAP_FOLDER = env.get("BOUNCE_IMAP_FOLDER") or "INBOX"
        self.BOUNCE_IMAP_PROCESSED_FOLDER = env.get("BOUNCE_IMAP_PROCESSED_FOLDER") or "Processed"
        self.BOUNCE_IMAP_POLL_MINUTES = min(60, max(1, _env_int("BOUNCE_IMAP_POLL_MINUTES", 5)))
        self.MAIL_SOFT_BOUNCE_LIMIT = max(1, _env_int("MAIL_SOFT_BOUNCE_LIMIT", 3))
        self.MAIL_SOFT_BOUNCE_DAYS = max(1, _env_int("MAIL_SOFT_BOUNCE_DAYS", 30))
        # Retention: finished rows lose their context (names, one-time links) after these
        # many days; caught development-mailbox messages are deleted.
        self.MAIL_SCRUB_TRANSACTIONAL_AFTER_DAYS = _env_int(
            "MAIL_SCRUB_TRANSACTIONAL_AFTER_DAYS", 1
        )
        self.MAIL_SCRUB_NEWSLETTER_AFTER_DAYS = _env_int("MAIL_SCRUB_NEWSLETTER_AFTER_DAYS", 30)
        self.MAILBOX_KEEP_DAYS = _env_int("MAILBOX_KEEP_DAYS", 30)
        # Huey: RedisHuey when REDIS_URL is set, else SqliteHuey in HUEY_SQLITE_PATH (default:
        # beside the SQLite database, or instance/tasks.sqlite). HUEY_NAME separates queues
        # that share one Redis or one file.
        self.HUEY_NAME = env.get("HUEY_NAME") or "portal"
        self.HUEY_SQLITE_PATH = env.get("HUEY_SQLITE_PATH") or None
        self.HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE")
        self.PORTAL_BASE_URL = (
            env.get("PORTAL_BASE_URL") or local_base_url(DEV_HOST, DEV_PORT)
        ).rstrip("/")

        self.PRACTICE_NAME = env.get("PRACTICE_NAME") or "Massage Works"
        self.PRACTICE_ADDRESS = env.get("PRACTICE_ADDRESS") or "12 Tempo Lane, Riverside, RS1 4KM"
        # Where the practice is: the times the site shows, and the morning hour tips go out,
        # are in this zone; dates and numbers are written as people there write them. Both
        # are practice settings too: an admin's saved choice wins over these.
        self.PRACTICE_TIMEZONE = _time_zone(env.get("PRACTICE_TIMEZONE") or "America/Los_Angeles")
        self.PRACTICE_LOCALE = _locale(env.get("PRACTICE_LOCALE") or "en_US")

        # The newsletter (docs/newsletter.md).
        self.TIPS_SEND_HOUR = _env_int("TIPS_SEND_HOUR", 8)  # local hour from which tips go out
        self.TIPS_CATCH_UP_DAYS = _env_int("TIPS_CATCH_UP_DAYS", 2)  # a missed day still sends
        self.NEWSLETTER_PENDING_DAYS = _env_int("NEWSLETTER_PENDING_DAYS", 7)  # then unconfirmed go
        self.NEWSLETTER_NOTIFY_EVERY_MINUTES = _env_int("NEWSLETTER_NOTIFY_EVERY_MINUTES", 60)
        self.NEWSLETTER_LIST_ID = env.get("NEWSLETTER_LIST_ID") or None  # default: from sender
        self.SUBSCRIBE_LIMIT_PER_IP = (
            env.get("SUBSCRIBE_LIMIT_PER_IP") or "5 per minute;30 per hour"
        )
        self.SUBSCRIBE_LIMIT_PER_ADDRESS = env.get("SUBSCRIBE_LIMIT_PER_ADDRESS") or "5 per hour"

        # Flask-Limiter keeps its counters in Redis when there is one, so that every web
        # process of a deployment sees the same counts.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        # Redis stopped: the limits fail open instead of answering 500. Flask-Limiter logs
        # the error and counts in this process's memory until Redis answers again.
        self.RATELIMIT_SWALLOW_ERRORS = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.LOGIN_LIMIT_PER_IP = env.get("LOGIN_LIMIT_PER_IP") or "30 per minute;300 per hour"
        # Failed sign-ins without a device cookie for the account, from anywhere.
        self.LOGIN_FAILURES_PER_ACCOUNT = env.get("LOGIN_FAILURES_PER_ACCOUNT") or "100 per hour"
        # Failed sign-ins from one device that signed in to the account before (its device
        # cookie, portal/auth/devices.py), counted apart from the anonymous ones above.
        self.LOGIN_FAILURES_PER_DEVICE = env.get("LOGIN_FAILURES_PER_DEVICE") or "10 per hour"
        self.DEVICE_COOKIE_DAYS = _env_int("DEVICE_COOKIE_DAYS", 365)
        # argon2id's cost (portal/auth/passwords.py): the OWASP ASVS parameters by default.
        self.PASSWORD_HASH_TIME_COST = _env_int("PASSWORD_HASH_TIME_COST", 2)
        self.PASSWORD_HASH_MEMORY_KIB = _env_int("PASSWORD_HASH_MEMORY_KIB", 19 * 1024)
        self.REGISTER_LIMIT_PER_IP = env.get("REGISTER_LIMIT_PER_IP") or "5 per minute;30 per hour"
        self.REGISTER_LIMIT_PER_ACCOUNT = env.get("REGISTER_LIMIT_PER_ACCOUNT") or "5 per hour"
        self.RESET_LIMIT_PER_IP = env.get("RESET_LIMIT_PER_IP") or "5 per minute;30 per hour"
        self.RESET_LIMIT_PER_ACCOUNT = env.get("RESET_LIMIT_PER_ACCOUNT") or "5 per hour"

        # Logging (portal.request_log): "text" or "json" lines on stderr, one access line per
        # request when ACCESS_LOG is on (production; the development server logs its own).
        self.LOG_LEVEL = env.get("LOG_LEVEL") or "INFO"
        self.LOG_FORMAT = env.get("LOG_FORMAT") or "text"
        self.ACCESS_LOG = _env_bool("ACCESS_LOG")

        # The blog (README "Blog"): comment spam defences, moderation digest, images, cache.
        self.COMMENT_FLOOD_SECONDS = _env_int("COMMENT_FLOOD_SECONDS", 15)
        self.COMMENT_MAX_LINKS = _env_int("COMMENT_MAX_LINKS", 2)
        self.COMMENT_LIMIT_PER_IP = env.get("COMMENT_LIMIT_PER_IP") or "10 per minute;60 per hour"
        # Seconds a shared cache (nginx's microcache) may answer with an anonymous reader's
        # article page before asking the app again (docs/blog.md, "Shared pages").
        self.SHARED_PAGE_SECONDS = _env_int("SHARED_PAGE_SECONDS", 2)
        self.COMMENT_DIGEST_MINUTES = _env_int("COMMENT_DIGEST_MINUTES", 10)
        # Top-level threads per page of an article's comments (a reply stays with its thread).
        self.COMMENT_THREADS_PER_PAGE = max(1, _env_int("COMMENT_THREADS_PER_PAGE", 50))
        self.BLOG_IMAGE_DIR = env.get("BLOG_IMAGE_DIR") or None  # default: instance/blog-images
        self.BLOG_IMAGE_MAX_BYTES = _env_int("BLOG_IMAGE_MAX_BYTES", 8 * 1024 * 1024)
        self.BLOG_IMAGE_MAX_DIMENSION = _env_int("BLOG_IMAGE_MAX_DIMENSION", 2000)
        self.BLOG_PAGE_CACHE = _env_bool("BLOG_PAGE_CACHE", True)

        # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none).
        # Rate limits and the audit log need the client's real IP.
        self.PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # Session lifetime (docs/security.md, "Sessions"; ASVS 7.3.1 and 7.3.2): a signed-in
        # session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
        # the sign-in, whatever the activity (0 switches either off). "Keep me signed in"
        # starts a new session from its cookie, which lasts REMEMBER_COOKIE_DAYS from sign-in.
        self.SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 60)
        self.SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
        self.REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("REMEMBER_COOKIE_DAYS", 30))
        # Cookie names. Production prefixes them (below): "__Host-" (Secure, Path=/, no
        # Domain: no other host or subdomain can set or read them) and "__Secure-" for the
        # device cookie, whose path is /login.
        self.SESSION_COOKIE_NAME = "session"
        self.REMEMBER_COOKIE_NAME = "remember_token"
        self.DEVICE_COOKIE_NAME = "device"
        # What a request may send (portal/web/form_limits.py): a body of at most 128 KiB (a
        # comment of 5,000 characters is at most 60 KiB encoded), the back office's forms up
        # to 2 MiB (an article of 100,000 characters), at most 200 fields or parts per form
        # and 500 kB per multipart text part. The image upload has its own limit.
        self.MAX_CONTENT_LENGTH = 128 * 1024
        self.STAFF_MAX_CONTENT_LENGTH = 2 * 1024 * 1024
        self.MAX_FORM_PARTS = 200
        self.MAX_FORM_MEMORY_SIZE = 500_000
        # Compress responses in the app (gzip/brotli) when no proxy in front does it.
        self.COMPRESS_RESPONSES = _env_bool("COMPRESS_RESPONSES")
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.HSTS = False

    def validate(self) -> None:
        """Raise ``ConfigurationError`` if the app must not start with these settings."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        env = os.environ
        if not env.get("PORTAL_BASE_URL"):
            # `make run` passes PORTAL_BASE_URL itself; a plain `flask run` is configured by
            # FLASK_RUN_HOST / FLASK_RUN_PORT, which Flask reads too.
            self.PORTAL_BASE_URL = local_base_url(
                env.get("FLASK_RUN_HOST") or DEV_HOST, env.get("FLASK_RUN_PORT") or DEV_PORT
            )
        self.MAILBOX_SHOW_TOKEN_LINKS = _env_bool("MAILBOX_SHOW_TOKEN_LINKS", default=True)


class TestingConfig(Config):
    """The test suite's settings: an explicit database, no throttling surprises."""

    ENV_NAME = "testing"
    TESTING = True

    def __init__(self, database_url: str | None = None) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-secret-key"  # noqa: S105
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            database_url or os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        )
        self.MAIL_SERVER = None
        # Tasks run in the calling thread; tests of real worker processes configure their own.
        self.HUEY_IMMEDIATE = True
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        if self.REDIS_URL:
            # Each test app counts under its own prefix, so tests (or two suites sharing one
            # Redis) never see each other's counters.
            self.RATELIMIT_STORAGE_OPTIONS = {"key_prefix": f"LIMITS-test-{uuid.uuid4().hex}"}
        self.SERVER_NAME = None
        # Tests post comments one after another from one address, at once; the spam tests
        # switch these back on with @pytest.mark.config.
        self.COMMENT_FLOOD_SECONDS = 0
        self.COMMENT_LIMIT_PER_IP = "1000 per minute"
        # Tests post forms directly; CSRF is switched back on by the CSRF tests and by every
        # browser test (``live_url``), where real pages carry real tokens.
        self.WTF_CSRF_ENABLED = False
        # Thousands of accounts are made and signed in: hash cheaply. The tests of the
        # production parameters ask for them (``PRODUCTION_HASHING`` in tests/auth).
        self.PASSWORD_HASH_TIME_COST = 1
        self.PASSWORD_HASH_MEMORY_KIB = 64


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        # Served over HTTPS only (HSTS), so the cookies can carry the browser-enforced
        # prefixes. COOKIE_NAME_PREFIXES=0 keeps the plain names (a site that shares its host
        # with another app under a path, where Path=/ would not do).
        if _env_bool("COOKIE_NAME_PREFIXES", default=True):
            self.SESSION_COOKIE_NAME = "__Host-session"
            self.REMEMBER_COOKIE_NAME = "__Host-remember_token"
            self.DEVICE_COOKIE_NAME = "__Secure-device"
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT") or "json"
        self.ACCESS_LOG = _env_bool("ACCESS_LOG", default=True)
        self.PREFERRED_URL_SCHEME = "https"
        self.HSTS = True
        # Static files change only with a deploy (which restarts the processes): their
        # fingerprints are computed once per process, not checked with a stat per URL.
        self.STATIC_FILES_WATCH = _env_bool("STATIC_FILES_WATCH", default=False)

    def validate(self) -> None:
        if not os.environ.get("SECRET_KEY") or self.SECRET_KEY == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "refusing to start: SECRET_KEY is missing or is the development default; "
                "set SECRET_KEY to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigurationError("refusing to start: SECRET_KEY is shorter than 32 characters")
        if not self.MAIL_SERVER and not self.MAIL_DEV_MAILBOX:
            raise ConfigurationError(
                "refusing to start: MAIL_SERVER is not set, so mail would only reach the "
                "development mailbox; set MAIL_SERVER, or MAIL_DEV_MAILBOX=1 for a staging "
                "site that should keep its mail"
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> Config:
    """Build the config named by ``name`` or by ``PORTAL_CONFIG`` (default: development)."""
    name = name or os.environ.get("PORTAL_CONFIG") or "development"
    try:
        config_class = CONFIGS[name]
    except KeyError:
        raise ConfigurationError(
            f"refusing to start: unknown PORTAL_CONFIG {name!r} "
            f"(expected one of {', '.join(CONFIGS)})"
        ) from None
    return config_class()
