"""The Massage Works portal: ``create_app`` builds the Flask application."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import BASE_DIR, INSTANCE_DIR, Config, load_config


def create_app(config: Config | str | Mapping[str, Any] | None = None) -> Flask:
    """Build the app from a ``Config`` instance, a config name, or a mapping of overrides.

    A mapping is applied on top of the environment's config (``PORTAL_CONFIG``), which is
    how a quick script or test tweaks one setting.
    """
    overrides: Mapping[str, Any] = {}
    if isinstance(config, Mapping):
        overrides, config = config, None
    if config is None or isinstance(config, str):
        config = load_config(config)
    config.validate()

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    from portal.web.form_limits import LimitedRequest

    app.request_class = LimitedRequest
    app.config.from_object(config)
    app.config.update(overrides)
    if hops := app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Flask documents wrapping wsgi_app this way; mypy sees a method being replaced.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )

    from portal import extensions, models  # noqa: F401 (models: tables)
    from portal.core.database import configure_database

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db)
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.limiter.init_app(app)
    configure_database(app)

    from portal.mail import init_app as init_mail_pipeline

    init_mail_pipeline(app)

    from portal.auth.session import configure_login

    configure_login(app)

    from portal.web import cross_origin

    cross_origin.init_app(app)

    from portal.web import form_limits

    form_limits.init_app(app)  # after the cross-site check: a foreign request is a 403 first

    from portal.web import (
        compression,
        headers,
        log_redaction,
        request_log,
        routing,
        static_files,
        templating,
    )

    routing.init_app(app)  # before any blueprint: bounds every <int:…> route

    log_redaction.install()
    request_log.init_app(app)
    from portal.web.errors import register_error_handlers

    static_files.init_app(app)
    compression.init_app(app)
    headers.init_app(app)
    templating.init_app(app)
    register_error_handlers(app)

    from portal.auth import bp as auth_bp
    from portal.blog import bp as blog_bp
    from portal.blog import site_bp as blog_site_bp
    from portal.blog.cache import init_app as init_blog_cache
    from portal.clients import bp as clients_bp
    from portal.clients.cache import init_app as init_client_cache
    from portal.main import bp as main_bp
    from portal.newsletter import bp as newsletter_bp
    from portal.pages import bp as pages_bp
    from portal.staff import bp as staff_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(clients_bp)
    app.register_blueprint(newsletter_bp)
    app.register_blueprint(blog_bp)
    app.register_blueprint(blog_site_bp)
    app.register_blueprint(pages_bp)  # last: its /<slug> never hides another route
    init_blog_cache(app)
    init_client_cache(app)

    from portal.core import render_cache

    render_cache.listen()  # versions of cached parts follow every change made through the ORM

    from portal.web.throttling import check_limits_only_where_set

    check_limits_only_where_set(app)

    from portal.cli import register_commands

    register_commands(app)
    return app
