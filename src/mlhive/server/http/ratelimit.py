"""Request budgets per API key and per client address: a token bucket each, answered 429.

A request with ``Authorization: Bearer <key>`` spends from its key's bucket (the key is
hashed, never kept) *and* from its address's bucket; an anonymous one spends from its
address's bucket only. An address gets ``address_factor`` times a key's budget, since a class
or an office behind one NAT address shares it. Reads (GET, HEAD, OPTIONS) and writes have
separate budgets. Static assets are not counted.

The buckets live in memory, per process: several server processes each count their own, so a
client's real budget is the configured one times the number of processes.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

READS = frozenset({"GET", "HEAD", "OPTIONS"})
UNCOUNTED_PREFIXES = ("/static/",)
# Forget idle buckets when there are more than this many, at most once a minute.
PRUNE_ABOVE = 10_000

Clock = Callable[[], float]
Answer = Callable[[Scope, str, int], Response]


@dataclass
class Bucket:
    tokens: float
    updated: float


@dataclass
class Budget:
    """A token bucket per identity: ``per_minute`` tokens a minute, at most ``burst`` saved."""

    per_minute: int
    burst: int
    buckets: dict[str, Bucket] = field(default_factory=dict)

    def _refilled(self, bucket: Bucket, now: float) -> float:
        rate = self.per_minute / 60.0
        return min(float(self.burst), bucket.tokens + (now - bucket.updated) * rate)

    def wait(self, identity: str, now: float) -> float:
        """Seconds until ``identity`` may send one more request (0: it may now)."""
        bucket = self.buckets.get(identity)
        tokens = float(self.burst) if bucket is None else self._refilled(bucket, now)
        if tokens >= 1.0:
            return 0.0
        return (1.0 - tokens) * 60.0 / self.per_minute

    def spend(self, identity: str, now: float) -> None:
        """Take one token from ``identity``'s bucket (call after :meth:`wait` said 0)."""
        bucket = self.buckets.get(identity)
        tokens = float(self.burst) if bucket is None else self._refilled(bucket, now)
        self.buckets[identity] = Bucket(tokens - 1.0, now)

    def prune(self, now: float) -> None:
        """Drop the buckets that have refilled completely (they hold nothing to remember)."""
        full = [k for k, b in self.buckets.items() if self._refilled(b, now) >= self.burst]
        for identity in full:
            del self.buckets[identity]


@dataclass
class RateLimits:
    """The budgets of one server process (reads and writes, per key and per address) and the
    clock they run on. A budget of 0 requests per minute switches that kind of limit off."""

    per_key: dict[bool, Budget]  # by "is a write"
    per_address: dict[bool, Budget]
    clock: Clock = time.monotonic
    _pruned: float = -math.inf

    @classmethod
    def of(
        cls,
        *,
        per_minute: int,
        burst: int,
        writes_per_minute: int,
        writes_burst: int,
        address_factor: int,
    ) -> RateLimits:
        """Build the budgets from the server settings (an address gets ``address_factor``
        times a key's)."""
        f = address_factor
        return cls(
            per_key={
                False: Budget(per_minute, burst),
                True: Budget(writes_per_minute, writes_burst),
            },
            per_address={
                False: Budget(per_minute * f, burst * f),
                True: Budget(writes_per_minute * f, writes_burst * f),
            },
        )

    def check(self, method: str, api_key: str | None, address: str) -> tuple[str, float] | None:
        """Spend one request; None when allowed, else (who is limited, seconds to wait)."""
        write = method.upper() not in READS
        if self.per_key[write].per_minute <= 0:
            return None
        now = self.clock()
        self._prune(now)
        checks = [(self.per_address[write], address, "this address")]
        if api_key is not None:
            digest = hashlib.sha256(api_key.encode()).hexdigest()
            checks.append((self.per_key[write], digest, "this API key"))
        for budget, identity, who in checks:
            seconds = budget.wait(identity, now)
            if seconds > 0:
                return who, seconds
        for budget, identity, _ in checks:
            budget.spend(identity, now)
        return None

    def _prune(self, now: float) -> None:
        if now - self._pruned < 60.0:
            return
        for budget in (*self.per_key.values(), *self.per_address.values()):
            if len(budget.buckets) > PRUNE_ABOVE:
                budget.prune(now)
        self._pruned = now


def _api_key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() or None if scheme.lower() == "bearer" else None
    return None


class RateLimit:
    """ASGI middleware: answer ``answer(scope, detail, retry_after)`` (a 429) over budget.

    Args:
        app: the application to guard.
        limits: the budgets (shared with whoever wants to read or adjust them, e.g. tests).
        answer: builds the 429 response in the face's own format, carrying ``Retry-After``.
    """

    def __init__(self, app: ASGIApp, limits: RateLimits, answer: Answer) -> None:
        self.app = app
        self.limits = limits
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNCOUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        limited = self.limits.check(scope["method"], _api_key(scope), address)
        if limited is None:
            await self.app(scope, receive, send)
            return
        who, seconds = limited
        retry_after = max(1, math.ceil(seconds))
        kind = "reads" if scope["method"].upper() in READS else "writes"
        detail = (
            f"too many {kind} from {who}: retry after {retry_after} s "
            "(the server's rate_limit settings set the budget)"
        )
        response = self.answer(scope, detail, retry_after)
        response.headers["Retry-After"] = str(retry_after)
        await response(scope, receive, send)
