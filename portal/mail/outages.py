"""How the worker behaves while its task queue (SQLite file or Redis) is failing.

- It stops asking a failing queue: after the n-th failed read in a row, reads answer
  "nothing" without touching the store for ``min(BACKOFF_BASE × 2ⁿ⁻¹, BACKOFF_CAP)``
  seconds (``PatientQueue``). Huey's consumer would otherwise retry ten times a second per
  process, each failure a traceback.
- The first good read after failures calls ``on_recovery``: the worker then sweeps the
  outbox at once, because a Redis that restarted empty lost every queued task, and mail
  queued during the outage would otherwise wait for the minute sweep.
- Identical errors are logged once per ``REPEAT_INTERVAL`` with a count
  (``RepeatedErrors``), not once per attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from huey.storage import RedisStorage, SqliteStorage

BACKOFF_BASE = 0.25  # seconds
BACKOFF_CAP = 3.0  # a store that answers again is noticed within this
REPEAT_INTERVAL = 60.0  # seconds

log = logging.getLogger(__name__)


class PatientQueue:
    """Mixin for a Huey storage: reads back off while the store fails (module docstring)."""

    on_recovery: Callable[[], None] | None = None
    _failures = 0
    _resume_at = 0.0

    def dequeue(self) -> Any:
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            # What a blocking read does when the queue is empty: wait a little, say nothing.
            time.sleep(min(wait, 1.0))
            return None
        try:
            data = super().dequeue()  # type: ignore[misc]
        except Exception:
            self._failures += 1
            delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (self._failures - 1))
            self._resume_at = time.monotonic() + delay
            raise
        if self._failures:
            log.warning("the task queue answers again after %d failed reads", self._failures)
            self._failures = 0
            if self.on_recovery is not None:
                self.on_recovery()
        return data


class PatientSqliteStorage(PatientQueue, SqliteStorage):
    pass


class PatientRedisStorage(PatientQueue, RedisStorage):
    pass


class RepeatedErrors(logging.Filter):
    """Lets the first of identical error records through per interval; counts the rest.

    Records are identical when logger, message template and exception type match. When the
    interval has passed, the next one goes out with how many were held back.
    """

    def __init__(self, interval: float = REPEAT_INTERVAL) -> None:
        super().__init__()
        self.interval = interval
        self._seen: dict[tuple[str, str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg), kind)
        now = time.monotonic()
        first, held = self._seen.get(key, (0.0, 0))
        if key in self._seen and now - first < self.interval:
            self._seen[key] = (first, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like it in the last {self.interval:.0f} s)"
        return True
