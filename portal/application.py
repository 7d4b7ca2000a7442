"""The Flask class the portal runs on.

Flask passes every hook (before and after request, teardown) and the view through
``ensure_sync`` on every request, which asks ``inspect.iscoroutinefunction`` about each:
sixteen times per page here, about a thirtieth of a cached page's time (measured,
docs/blog.md). A plain function or method answers from its code object's flags at once;
anything else (a partial, a callable object, a coroutine function) still goes through
Flask's own check, which also runs coroutines for an async view.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from flask import Flask

_ASYNC = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE | inspect.CO_ASYNC_GENERATOR


class PortalFlask(Flask):
    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is not None and not code.co_flags & _ASYNC:
            return func
        return super().ensure_sync(func)
