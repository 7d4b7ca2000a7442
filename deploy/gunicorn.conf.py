"""gunicorn settings for the portal: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be changed from the environment (docs/deploy.md). The app itself reads its
settings from the environment too (``PORTAL_CONFIG=production``, ``SECRET_KEY``, …).
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: every request is short and the database is the only thing it waits on. Two
# per core, plus one, keeps the cores busy while some wait on PostgreSQL.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (spread out so they do not all restart at
# once): a slow leak in a library can never grow without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 10_000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 1_000)
# Load the app once, before forking: workers share its memory and a broken configuration
# (no SECRET_KEY, no MAIL_SERVER) stops gunicorn at once with the app's one-line reason.
preload_app = True
# The proxy's X-Forwarded-* headers are read by the app (PROXY_FIX_HOPS), not by gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 25+ opens a control socket in $XDG_RUNTIME_DIR or $HOME/.gunicorn by default: two
# instances on one host would share its path and a sandboxed service may have no writable
# home. Off unless GUNICORN_CONTROL_SOCKET names a path for this instance (for gunicornc).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def post_fork(server: object, worker: object) -> None:
    """Each worker opens its own database connections (none may be shared across a fork)."""
    from portal.extensions import db
    from wsgi import app

    with app.app_context():
        db.engine.dispose(close=False)
