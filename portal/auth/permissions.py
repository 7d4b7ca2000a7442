"""One decorator per access rule, used by every view that needs it.

Anonymous visitors are sent to the login page; signed-in people without the role get 403.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

P = ParamSpec("P")
R = TypeVar("R")


def _role_required(check: Callable[[Any], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapped)

    return decorator


client_required = _role_required(lambda user: user.is_client)
staff_required = _role_required(lambda user: user.is_staff)
_admin_check = _role_required(lambda user: user.is_admin)

# Views guarded by ``admin_required``, so that navigation can leave them out for others.
_ADMIN_VIEWS: weakref.WeakSet[Callable[..., object]] = weakref.WeakSet()


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    guarded = _admin_check(view)
    _ADMIN_VIEWS.add(guarded)
    return guarded


def is_admin_only(view: Callable[..., object]) -> bool:
    return view in _ADMIN_VIEWS
