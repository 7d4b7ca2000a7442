"""``PortalFlask.ensure_sync`` answers plain functions quickly and leaves the rest to Flask."""

from __future__ import annotations

import functools

import pytest
from flask import Flask

from portal.application import PortalFlask


def plain() -> int:
    return 1


async def coroutine() -> int:
    return 2


class Hooks:
    def method(self) -> int:
        return 3

    async def async_method(self) -> int:
        return 4

    def __call__(self) -> int:
        return 5


def test_plain_functions_and_methods_are_called_as_they_are():
    app = PortalFlask(__name__)
    hooks = Hooks()
    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(hooks.method)() == 3
    assert app.ensure_sync(hooks)() == 5  # a callable object: Flask's own check
    assert app.ensure_sync(functools.partial(plain))() == 1


@pytest.mark.parametrize("make", [lambda: coroutine, lambda: Hooks().async_method])
def test_coroutine_functions_get_what_flask_gives_them(make):
    """Without Flask's async extra both refuse the same way; with it both would wrap."""
    outcomes = []
    for app in (Flask(__name__), PortalFlask(__name__)):
        try:
            outcomes.append(("wrapped", app.ensure_sync(make()) is not make()))
        except RuntimeError as error:
            outcomes.append(("refused", str(error)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == "refused" or outcomes[0][1] is True


def test_the_app_is_a_portal_flask(app):
    assert isinstance(app, PortalFlask)
