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
from typing import Any


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

    @property
    def own_interval(self) -> float:
        """The least time between this process's own sends (what a batch can plan on)."""
        return self.interval

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


# Reserve the next send slot of the whole deployment. Slots follow one schedule kept in
# Redis, on Redis's clock (so hosts need no synchronised clocks). Returns the slot and how
# many microseconds the caller waits for it.
_RESERVE_SLOT = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now - interval then
  slot = now
end
redis.call('SET', KEYS[1], slot + interval, 'PX', 60000 + math.ceil(interval / 1000))
if slot > now then
  return {slot, slot - now}
end
return {slot, 0}
"""


class SharedPacer(Pacer):
    """``MAIL_RATE_PER_SECOND`` for the whole deployment: every sending process of every
    worker host takes its slots from one schedule in Redis.

    Without Redis each ``flask worker`` paces itself (``Pacer``), and several worker hosts
    would each send at the full rate. One Redis round trip per message is the price, paid
    only when a rate is set.
    """

    def __init__(
        self,
        rate_per_second: float,
        redis_client: Any,
        *,
        key: str = "portal:mail:next-slot",
        sharing: int = 1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(rate_per_second, sleep=sleep)
        self.key = key
        self.sharing = max(1, sharing)
        self.last_slot: int | None = None  # µs on Redis's clock, for tests and logs
        self._reserve = redis_client.register_script(_RESERVE_SLOT)

    @property
    def own_interval(self) -> float:
        # The processes of this worker share the slots at least; other hosts may too, and
        # a batch that cannot finish in its lease gives the rest back anyway.
        return self.interval * self.sharing

    def wait(self) -> None:
        slot, waiting_us = self._reserve(keys=[self.key], args=[round(self.interval * 1e6)])
        self.last_slot = int(slot)
        if waiting_us > 0:
            self.sleep(waiting_us / 1e6)
