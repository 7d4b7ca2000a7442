"""Keeping to ``MAIL_RATE_PER_SECOND``.

A pacer hands out evenly spaced send slots and sleeps until the next one. Slots follow a
schedule (the next slot is the previous slot plus the interval, not "now" plus the
interval), so time spent sending does not slow the rate down and the average over a minute
is the configured rate. After an idle spell the schedule restarts at the present instead
of allowing a burst to "catch up". Clock and sleep are injected so tests run on fake time.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        rate_per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate_per_second if rate_per_second else 0.0
        self.clock = clock
        self.sleep = sleep
        self._next_slot: float | None = None

    @property
    def limited(self) -> bool:
        return self.interval > 0

    def wait(self) -> None:
        """Return at the next free slot (at once when there is no limit)."""
        if not self.limited:
            return
        now = self.clock()
        if self._next_slot is None or self._next_slot < now - self.interval:
            self._next_slot = now  # first send, or idle for a while: no catching up
        if self._next_slot > now:
            self.sleep(self._next_slot - now)
        self._next_slot += self.interval
