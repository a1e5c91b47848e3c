"""Request budgets per API key and per client address: a token bucket each, answered 429.

A request with ``Authorization: Bearer <key>`` spends from its key's bucket (the key is
hashed, never kept) *and* from its address's bucket; an anonymous one spends from its
address's bucket only. An address gets ``address_factor`` times a key's budget, since a class
or an office behind one NAT address shares it. Reads (GET, HEAD, OPTIONS) and writes have
separate budgets. Static assets are not counted.

Each process decides from buckets in memory, so a request never waits for the database. With
``shared`` budgets (several ``mlhive serve`` processes on one database), a :class:`Settler`
thread adds what this process spent to the database's buckets every ``SETTLE_SECONDS`` and
takes back what all processes left: the budget is the configured one however many servers a
client spreads its requests over. Between two settles each process may let through what its
own copy of a bucket allows, so a client can briefly overdraw; the overdraft is a debt in the
shared bucket, and everyone refuses that client until it is paid back.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mlhive.server.db.queries import ratelimits
from mlhive.server.http.deps import record
from mlhive.server.wiring import Hive

log = logging.getLogger("mlhive.ratelimit")

READS = frozenset({"GET", "HEAD", "OPTIONS"})
UNCOUNTED_PREFIXES = ("/static/",)
# Forget idle buckets when there are more than this many, at most once a minute.
PRUNE_ABOVE = 10_000
SETTLE_SECONDS = 0.5
"""How often a process with shared budgets settles its spending with the others'."""
SETTLE_LOOKBACK = 5.0
"""Seconds before the last settle that the next one reads again (servers' clocks differ)."""

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
    name: str = ""
    buckets: dict[str, Bucket] = field(default_factory=dict)
    unsettled: dict[str, float] | None = None
    """Tokens spent since the last settle, by identity (None: the budget is not shared)."""

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
        if self.unsettled is not None:
            self.unsettled[identity] = self.unsettled.get(identity, 0.0) + 1.0

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
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _settled: float = field(default_factory=time.time)  # wall clock of the last settle

    @classmethod
    def of(
        cls,
        *,
        per_minute: int,
        burst: int,
        writes_per_minute: int,
        writes_burst: int,
        address_factor: int,
        shared: bool = False,
    ) -> RateLimits:
        """Build the budgets from the server settings (an address gets ``address_factor``
        times a key's); ``shared`` ones are settled with the other processes'."""
        f = address_factor

        def budget(name: str, per_minute: int, burst: int) -> Budget:
            return Budget(per_minute, burst, name, unsettled={} if shared else None)

        return cls(
            per_key={
                False: budget("key-read", per_minute, burst),
                True: budget("key-write", writes_per_minute, writes_burst),
            },
            per_address={
                False: budget("address-read", per_minute * f, burst * f),
                True: budget("address-write", writes_per_minute * f, writes_burst * f),
            },
        )

    @property
    def budgets(self) -> tuple[Budget, ...]:
        return (*self.per_key.values(), *self.per_address.values())

    @property
    def shared(self) -> bool:
        return any(budget.unsettled is not None for budget in self.budgets)

    def check(self, method: str, api_key: str | None, address: str) -> tuple[str, float] | None:
        """Spend one request; None when allowed, else (who is limited, seconds to wait)."""
        write = method.upper() not in READS
        if self.per_key[write].per_minute <= 0:
            return None
        checks = [(self.per_address[write], address, "this address")]
        if api_key is not None:
            digest = hashlib.sha256(api_key.encode()).hexdigest()
            checks.append((self.per_key[write], digest, "this API key"))
        with self._lock:
            now = self.clock()
            self._prune(now)
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
        for budget in self.budgets:
            if len(budget.buckets) > PRUNE_ABOVE:
                budget.prune(now)
        self._pruned = now

    def settle(self, hive: Hive) -> None:
        """Add what this process spent to the shared buckets, and take back what is left of
        every bucket any process settled since the last time: this process then refuses a
        client that spent its budget on the other servers, even before it sees that client.
        A failed write keeps the spending for the next settle (and lets requests through on
        this process's own counts meanwhile)."""
        now = time.time()
        since, self._settled = self._settled - SETTLE_LOOKBACK, now
        for budget in self.budgets:
            if budget.unsettled is None or budget.per_minute <= 0:
                continue
            with self._lock:
                taken, budget.unsettled = budget.unsettled, {}
            rate, burst = budget.per_minute / 60.0, float(budget.burst)
            try:
                with record(hive) as session:
                    left = ratelimits.changed_since(
                        session, budget.name, since=since, per_second=rate, burst=burst, now=now
                    )
                    if taken:
                        left.update(
                            ratelimits.settle(
                                session,
                                budget.name,
                                per_second=rate,
                                burst=burst,
                                spent=taken,
                                now=now,
                            )
                        )
            except Exception:
                log.warning("rate limits not settled with the other servers yet", exc_info=True)
                with self._lock:
                    for identity, spent in taken.items():
                        budget.unsettled[identity] = budget.unsettled.get(identity, 0.0) + spent
                continue
            with self._lock:
                local_now = self.clock()
                for identity, tokens in left.items():  # less what was spent meanwhile
                    spent_since = budget.unsettled.get(identity, 0.0)
                    budget.buckets[identity] = Bucket(tokens - spent_since, local_now)

    def forget_full(self, hive: Hive) -> None:
        """Drop the shared buckets that have refilled completely."""
        now = time.time()
        with record(hive) as session:
            for budget in self.budgets:
                if budget.unsettled is not None and budget.per_minute > 0:
                    ratelimits.forget_full(
                        session,
                        budget.name,
                        per_second=budget.per_minute / 60.0,
                        burst=float(budget.burst),
                        now=now,
                    )


class Settler:
    """The thread that settles a process's shared budgets every ``interval`` seconds (and
    forgets full shared buckets once a minute)."""

    def __init__(self, hive: Hive, limits: RateLimits, interval: float = SETTLE_SECONDS) -> None:
        self.hive = hive
        self.limits = limits
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mlhive-rate-settle", daemon=True)

    def start(self) -> None:
        if self.limits.shared:
            self._thread.start()

    def _run(self) -> None:
        forgot = time.monotonic()
        while not self._stop.wait(self.interval):
            self.limits.settle(self.hive)
            if time.monotonic() - forgot >= 60.0:
                forgot = time.monotonic()
                try:
                    self.limits.forget_full(self.hive)
                except Exception:
                    log.warning("full rate-limit buckets not forgotten yet", exc_info=True)

    def close(self) -> None:
        """Stop the thread and settle what is still waiting."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self.limits.settle(self.hive)


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
