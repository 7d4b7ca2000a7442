"""Where features register their background and periodic tasks on the one Huey queue.

The queue is created by the mail pipeline (``portal.mail.queue.mail_queue``), which registers
its own tasks and then calls every registrar here, so ``flask worker`` runs them all. A
feature decorates a function ``register(huey, app)`` with ``feature_tasks``; the function
defines its tasks with ``@huey.task`` / ``@huey.periodic_task``, each opening its own app
context, as ``portal/mail/tasks.py`` does.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from huey import Huey

Registrar = Callable[[Huey, Flask], None]
_registrars: list[Registrar] = []


def feature_tasks(registrar: Registrar) -> Registrar:
    """Decorator: ``registrar(huey, app)`` is called when the app's queue is created."""
    if registrar not in _registrars:
        _registrars.append(registrar)
    return registrar


def register_feature_tasks(huey: Huey, app: Flask) -> None:
    for registrar in _registrars:
        registrar(huey, app)
