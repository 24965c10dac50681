"""How many outbound calls are in progress at once, counted in Redis by every worker.

Each call holds a slot from just before it is placed until its final status arrives.
A slot also lapses on its own (after VOICE_CALL_MAX_SECONDS), so a lost status callback
or a lost Redis cannot hold the count up: the worst a lapse does is let one call too many
through, never stop calls for good.
"""

from __future__ import annotations

from redis import Redis

# KEYS[1]: a sorted set of slot holders scored by when their slot lapses (milliseconds).
# ARGV: holder, most slots, milliseconds a slot lasts. Returns 1 if the holder has a slot.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local holder, most, lasts = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if not redis.call('ZSCORE', KEYS[1], holder) and redis.call('ZCARD', KEYS[1]) >= most then
  return 0
end
redis.call('ZADD', KEYS[1], now + lasts, holder)
redis.call('PEXPIRE', KEYS[1], lasts)
return 1
"""


class CallSlots:
    """At most ``most`` calls in progress at once; a slot is held by a voice call's id."""

    def __init__(self, redis: Redis, most: int, lasts_seconds: int, key: str = "tika:voice:calls"):
        self.redis = redis
        self.key = key
        self.most = most
        self.lasts_ms = lasts_seconds * 1000
        self._take = redis.register_script(_TAKE)

    def take(self, holder: int) -> bool:
        """Take a slot for ``holder`` (keeping one it holds); False when all are taken."""
        return bool(self._take(keys=[self.key], args=[str(holder), self.most, self.lasts_ms]))

    def give_back(self, holder: int) -> None:
        self.redis.zrem(self.key, str(holder))
