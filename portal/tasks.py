"""Features' background tasks, registered on the one Huey queue that ``flask worker`` runs.

The mail pipeline creates the queue (``portal.mail.queue``); a feature that needs a
periodic task decorates a function ``(huey, app) -> None`` with ``@task_registrar``, which
is called once when the queue is created. Features never import each other's tasks.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from huey import Huey

TaskRegistrar = Callable[[Huey, Flask], None]

_registrars: list[TaskRegistrar] = []


def task_registrar(register: TaskRegistrar) -> TaskRegistrar:
    if register not in _registrars:
        _registrars.append(register)
    return register


def register_feature_tasks(huey: Huey, app: Flask) -> None:
    for register in _registrars:
        register(huey, app)
