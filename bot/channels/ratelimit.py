"""The gateway's rate limit, shared by every worker through Redis.

A generic cell rate algorithm (GCRA) in one Lua script: each message asks for as many
units as it has segments, and is told to wait when the account is ahead of its rate.
Redis's own clock is used, so workers on different machines agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis import Redis

# KEYS[1]: the limit's key. ARGV: microseconds per unit, burst in microseconds, units.
# Returns 0 when the units may be used now, else the microseconds to wait.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local per_unit, burst, units = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + per_unit * units
-- Wait until within the burst, or (for more units than a burst) until nothing is queued.
local wait = math.min(new_tat - burst - now, tat - now)
if wait > 0 then return wait end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0
"""


class RateLimit:
    """At most ``per_second`` units a second across all processes, with a short burst."""

    def __init__(
        self,
        redis: Redis,
        key: str,
        per_second: float,
        burst_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.key = key
        self.per_unit_us = 1_000_000 / per_second
        self.burst_us = max(burst_seconds * 1_000_000, self.per_unit_us)
        self._script = redis.register_script(_GCRA)
        self._sleep = sleep

    def try_acquire(self, units: int = 1) -> float:
        """Take ``units`` if allowed now (returns 0.0), else the seconds to wait."""
        args = [int(self.per_unit_us), int(self.burst_us), units]
        return int(self._script(keys=[self.key], args=args)) / 1_000_000

    def acquire(self, units: int = 1) -> float:
        """Wait until ``units`` may be used and take them; returns the seconds waited."""
        waited = 0.0
        while (wait := self.try_acquire(units)) > 0:
            self._sleep(wait)
            waited += wait
        return waited


def sms_limit(redis: Redis, account: str, rate: float) -> RateLimit:
    """The limit on SMS segments a second through one gateway account, shared by every
    process that sends through it (SMS_RATE_PER_SECOND)."""
    return RateLimit(redis, f"tika:rate:sms:{account}", rate)
