"""Configuration: one class per environment, read from the environment when instantiated.

Instances (not classes) are handed to ``create_app`` so that a test can build a config
after changing the environment, and so ``ProductionConfig`` can refuse to exist without
a real secret key.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

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
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = env.get("REDIS_URL") or None

        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
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
        self.MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
        self.MAIL_RETRY_BASE_SECONDS = float(env.get("MAIL_RETRY_BASE_SECONDS") or 60)
        self.MAIL_RETRY_MAX_SECONDS = float(env.get("MAIL_RETRY_MAX_SECONDS") or 6 * 3600)
        self.MAIL_SUPPRESS_AFTER_HARD_FAILURES = _env_int("MAIL_SUPPRESS_AFTER_HARD_FAILURES", 2)
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
        self.PORTAL_BASE_URL = (env.get("PORTAL_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")

        self.PRACTICE_NAME = env.get("PRACTICE_NAME") or "Massage Works"
        self.PRACTICE_ADDRESS = env.get("PRACTICE_ADDRESS") or "12 Tempo Lane, Riverside, RS1 4KM"

        # Flask-Limiter keeps its counters in Redis when there is one, so that every web
        # process of a deployment sees the same counts.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_LIMIT_PER_IP = env.get("LOGIN_LIMIT_PER_IP") or "30 per minute;300 per hour"
        self.LOGIN_FAILURES_PER_ACCOUNT = env.get("LOGIN_FAILURES_PER_ACCOUNT") or "100 per hour"
        self.REGISTER_LIMIT_PER_IP = env.get("REGISTER_LIMIT_PER_IP") or "5 per minute;30 per hour"
        self.REGISTER_LIMIT_PER_ACCOUNT = env.get("REGISTER_LIMIT_PER_ACCOUNT") or "5 per hour"
        self.RESET_LIMIT_PER_IP = env.get("RESET_LIMIT_PER_IP") or "5 per minute;30 per hour"
        self.RESET_LIMIT_PER_ACCOUNT = env.get("RESET_LIMIT_PER_ACCOUNT") or "5 per hour"

        # The blog (README "Blog"): comment spam defences, moderation digest, images, cache.
        self.COMMENT_MIN_SECONDS = float(env.get("COMMENT_MIN_SECONDS") or 3)
        self.COMMENT_FORM_MAX_AGE = _env_int("COMMENT_FORM_MAX_AGE", 2 * 24 * 3600)
        self.COMMENT_FLOOD_SECONDS = _env_int("COMMENT_FLOOD_SECONDS", 15)
        self.COMMENT_MAX_LINKS = _env_int("COMMENT_MAX_LINKS", 2)
        self.COMMENT_LIMIT_PER_IP = env.get("COMMENT_LIMIT_PER_IP") or "10 per minute;60 per hour"
        self.COMMENT_DIGEST_MINUTES = _env_int("COMMENT_DIGEST_MINUTES", 10)
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
        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.HSTS = False

    def validate(self) -> None:
        """Raise ``ConfigurationError`` if the app must not start with these settings."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True


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
        self.COMMENT_MIN_SECONDS = 0
        self.COMMENT_FLOOD_SECONDS = 0
        self.COMMENT_LIMIT_PER_IP = "1000 per minute"
        # Tests post forms directly; CSRF is switched back on by the CSRF tests and by every
        # browser test (``live_url``), where real pages carry real tokens.
        self.WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        self.PREFERRED_URL_SCHEME = "https"
        self.HSTS = True

    def validate(self) -> None:
        if not os.environ.get("SECRET_KEY") or self.SECRET_KEY == DEFAULT_SECRET_KEY:
            raise ConfigurationError(
                "refusing to start: SECRET_KEY is missing or is the development default; "
                "set SECRET_KEY to a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
        if len(self.SECRET_KEY) < 32:
            raise ConfigurationError("refusing to start: SECRET_KEY is shorter than 32 characters")


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
