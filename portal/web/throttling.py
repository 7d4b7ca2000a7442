"""Rate limits checked only where there are some.

Flask-Limiter evaluates its limits in a ``before_request`` hook on every request, about
0.3 ms of a request that has no limit at all (measured in-process: a hello route took 0.63 ms
in this app against 0.32 ms with the limiter switched off, on a loaded machine). This app sets
no default limits: only views decorated with a limit (sign-in, register, reset, subscribe,
comments) have any, so its hooks (the check before the request, the rate-limit headers after
it, the clean-up at teardown) are put behind a check of the endpoint. Everything else about the
limits is Flask-Limiter's, unchanged.

The decorated views are found through ``Limiter._marked_for_limiting`` (Flask-Limiter is
pinned; if that attribute went away, the app would not start, and the throttling tests would
show a limit that no longer applies).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, request
from flask_limiter.util import get_qualified_name

from portal.extensions import limiter


def check_limits_only_where_set(app: Flask) -> None:
    """Call once the blueprints are registered; routes added later are looked up as they come."""
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        return  # limits for every request: the hook must see them all
    marked: set[str] = limiter._marked_for_limiting  # noqa: SLF001 (see the module docstring)
    known: dict[str | None, bool] = {}

    def is_limited(endpoint: str | None) -> bool:
        """Whether the view of ``endpoint`` carries a limit (looked up once per endpoint)."""
        flag = known.get(endpoint)
        if flag is None:
            view = app.view_functions.get(endpoint or "")
            flag = known[endpoint] = view is not None and get_qualified_name(view) in marked
        return flag

    for hooks in (
        app.before_request_funcs.setdefault(None, []),
        app.after_request_funcs.setdefault(None, []),
        app.teardown_request_funcs.setdefault(None, []),
    ):
        for position, hook in enumerate(hooks):
            if _belongs_to_limiter(hook):
                hooks[position] = _only_for(is_limited, hook)
    app.extensions["limited_endpoint"] = is_limited


def _belongs_to_limiter(hook: Callable[..., Any]) -> bool:
    """Flask-Limiter's own hooks: bound methods of the limiter, or partials of its class."""
    if isinstance(hook, partial):
        return bool(hook.args) and hook.args[0] is limiter
    return getattr(hook, "__self__", None) is limiter


def _only_for(
    is_limited: Callable[[str | None], bool], hook: Callable[..., Any]
) -> Callable[..., Any]:
    """``hook`` for requests to a limited endpoint; elsewhere its argument (a response after
    a request, the error in teardown) passes through untouched."""

    @wraps(hook)
    def gated(*args: Any) -> Any:
        if is_limited(request.endpoint):
            return hook(*args)
        return args[0] if args else None

    return gated
