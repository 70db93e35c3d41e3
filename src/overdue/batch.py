"""Deciding for many accounts at once: one bad account is reported, the others are decided.

A nightly batch over a portfolio must not stop at the first account whose history is
malformed, and must say which account failed and why.  :func:`decide_many` yields, in input
order, either a :class:`~overdue.decision.Decision` or a :class:`BatchFailure` for every
account; :func:`decide_batch` collects them into a :class:`BatchReport`.

``workers > 1`` spreads the work over processes (the standard library's
``concurrent.futures``): the engine is pure and holds no state between accounts, so chunks of
accounts can be decided anywhere and the results come back in input order.  Failures cross the
process boundary as plain values (:class:`BatchFailure`), never as live exceptions, so an error
carrying an unpicklable object cannot take a whole chunk down with it.
"""

from __future__ import annotations

import copyreg
import gc
import io
import itertools
import multiprocessing
import pickle
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from overdue._gc import keep_aside, long_lived_set_aside
from overdue._time import require_aware
from overdue.account import Account
from overdue.decision import Decision
from overdue.engine.versions import PolicySet, decide_honouring_versions
from overdue.errors import BatchError, OverdueError, internal_error
from overdue.money import Money
from overdue.policy import Policy

if TYPE_CHECKING:
    from overdue.notebook.columns import Column

__all__ = ["BatchFailure", "BatchReport", "decide_batch", "decide_many"]

_T = TypeVar("_T")
_R = TypeVar("_R")


@attrs.frozen
class BatchFailure:
    """One account that could not be decided, located so an operator can find it.

    Attributes:
        index: the account's position in the input (0-based).
        account_id: the account's id.
        error_type: the class name of the error (``'EventError'``, ``'PolicyError'``).
        message: the full error text, with what was expected and found.
        event_index: the offending event in the account's history, when known.
        internal: ``True`` when the error was not an :class:`~overdue.errors.OverdueError`,
            that is a defect in `overdue` or in a host rule rather than in the account's data.
    """

    index: int
    account_id: str
    error_type: str
    message: str
    event_index: int | None = None
    internal: bool = False

    def __str__(self) -> str:
        where = f"account {self.account_id} (input #{self.index})"
        if self.event_index is not None:
            where += f", event #{self.event_index}"
        kind = "internal error" if self.internal else self.error_type
        return f"{where}: {kind}: {self.message}"


@attrs.frozen
class BatchReport:
    """The decisions of a batch and the accounts that failed, both in input order."""

    decisions: tuple[Decision, ...]
    failures: tuple[BatchFailure, ...]

    @property
    def ok(self) -> bool:
        """True when every account was decided."""
        return not self.failures

    @property
    def read(self) -> int:
        """How many accounts the batch read: always ``len(decisions) + len(failures)``."""
        return len(self.decisions) + len(self.failures)

    def summary(self) -> str:
        """One line for a log: how many read, decided and failed (they always reconcile)."""
        return f"{self.read} read, {len(self.decisions)} decided, {len(self.failures)} failed"

    def columns(self, *, policy: Policy | None = None, tz: str | None = None) -> list[Column]:
        """Decisions, then failures (with ``error_type`` and ``error``; other columns empty),
        as the typed columns of :mod:`overdue.notebook.frames` (``policy=``: rungs in its
        ladder order; ``tz=``: the zone of the time columns)."""
        from overdue.notebook.columns import Column, decision_columns

        cols = decision_columns(self.decisions, policy=policy, tz=tz)
        n_ok, n_bad = len(self.decisions), len(self.failures)
        out = []
        for c in cols:
            if c.name == "account_id":
                extra: list[object] = [f.account_id for f in self.failures]
            elif c.kind == "bool":
                extra = [False] * n_bad
            else:
                extra = [None] * n_bad
            out.append(attrs.evolve(c, values=[*c.values, *extra]))
        none: list[object] = [None] * n_ok
        out.append(Column("error_type", "str", none + [f.error_type for f in self.failures]))
        out.append(Column("error", "str", none + [f.message for f in self.failures]))
        return out

    def to_frame(self, *, decimal: bool = False, **options: Any) -> Any:
        """Decisions then failures as a typed pandas DataFrame (``overdue.notebook.frames``)."""
        from overdue.notebook.columns import frame_of

        return frame_of(self.columns(**options), decimal=decimal)

    def to_arrow(self, **options: Any) -> Any:
        """Decisions then failures as a ``pyarrow.Table`` (``overdue.notebook.frames``)."""
        from overdue.notebook.columns import arrow_of

        return arrow_of(self.columns(**options))

    def _repr_html_(self) -> str:
        from overdue.notebook.html import batch_report_html

        return batch_report_html(self)


def _account_id(account: object) -> str:
    aid = getattr(account, "id", None)
    return aid if isinstance(aid, str) else f"<not an Account: {type(account).__name__}>"


def _decide_one(
    policy: Policy, index: int, account: Account, now: datetime, versions: PolicySet | None
) -> Decision | BatchFailure:
    try:
        return decide_honouring_versions(policy, account, now, versions=versions)
    except OverdueError as exc:
        located = exc.located(account_id=_account_id(account))
        return BatchFailure(
            index,
            _account_id(account),
            type(exc).__name__,
            str(located),
            event_index=located.event_index,
        )
    except Exception as exc:  # a defect must not stop the others; it is reported as internal
        return _internal(index, account, exc)


def _internal(index: int, account: object, exc: BaseException) -> BatchFailure:
    """A non-library exception as this account's failure, masked like every error text."""
    err = internal_error(exc, account_id=_account_id(account))
    return BatchFailure(index, _account_id(account), type(exc).__name__, str(err), internal=True)


def _decide_chunk(
    policy: Policy,
    start: int,
    accounts: Sequence[Account],
    now: datetime,
    versions: PolicySet | None = None,
) -> list[Decision | BatchFailure]:
    return [_decide_one(policy, start + i, a, now, versions) for i, a in enumerate(accounts)]


def _money(amount: Any, currency: str) -> Money:
    """A Money unpickled from a worker: parts a Money already held, not checked again."""
    return Money.of_checked(amount, currency)


def _reduce_money(m: Money) -> tuple[Callable[..., Money], tuple[Any, str]]:
    return _money, (m.amount, m.currency)


# How a worker's results travel to the parent (issue 15).  Every decision carries a Money
# (its balance), and attrs' own pickling of one (a ``__getstate__`` dict, then a Python loop
# of ``object.__setattr__``) was the largest part of pickling a decision; this table sends
# its two parts instead.  Decisions and their parts pickle compactly by themselves
# (:mod:`overdue.decision`).
_TRANSPORT = {**copyreg.dispatch_table, Money: _reduce_money}


def _packed(results: list[Decision | BatchFailure]) -> bytes:
    """A chunk's results pickled for the trip to the parent (``pickle.loads`` reads them)."""
    out = io.BytesIO()
    pickler = pickle.Pickler(out, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TRANSPORT
    pickler.dump(results)
    return out.getvalue()


def _decide_packed(
    policy: Policy,
    start: int,
    accounts: Sequence[Account],
    now: datetime,
    versions: PolicySet | None = None,
) -> bytes:
    """A worker's chunk of pickled accounts, its results packed (:func:`_packed`)."""
    return _packed(_decide_chunk(policy, start, accounts, now, versions))


def decide_many(
    policy: Policy,
    accounts: Iterable[Account],
    now: datetime,
    *,
    workers: int = 1,
    chunk_size: int = 500,
    versions: PolicySet | None = None,
) -> Iterator[Decision | BatchFailure]:
    """Decide for every account at ``now``, yielding a decision or a failure for each, in order.

    The policy's ``on_new_version`` is honoured for accounts in flight under another version
    (:func:`~overdue.engine.versions.decide_honouring_versions`): a ``pin`` account whose
    version is not in ``versions`` is that account's ``PolicyVersionMissingError`` failure.

    Args:
        policy: the ladder and rules (the current version).
        accounts: any iterable; it is read lazily, ``chunk_size`` accounts at a time.
        now: an aware datetime, the same for every account.
        workers: processes to use, this one included (it decides chunks too); ``1``
            decides in this process alone.
        chunk_size: accounts per unit of work sent to a worker.
        versions: the older policy versions accounts pinned to them need
            (``PolicySet.of(v1, ...)``; see docs/versions.md).

    Raises:
        NaiveDatetimeError: ``now`` has no zone (this concerns every account, so it is not
            reported per account).
        BatchError: ``workers`` or ``chunk_size`` is not a whole number of at least 1 (also a
            ``ValueError``).
    """
    require_aware(now, "now")
    for name, value in (("workers", workers), ("chunk_size", chunk_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise BatchError(
                f"{name} must be a whole number of at least 1", expected="1, 2, ...", got=value
            )
    if workers == 1:
        for i, account in enumerate(accounts):
            yield _decide_one(policy, i, account, now, versions)
        return
    yield from _decide_in_processes(policy, accounts, now, workers, chunk_size, versions)


# What a forked batch decides: set in the parent just before the pool forks its workers, which
# inherit it with the rest of the parent's memory, and cleared when the batch ends.  Pickling
# an account costs several times what deciding it does (about 250 µs against 70 µs for twenty
# events), so a batch over a list in memory sends its workers index ranges, not accounts, and
# the policy once, not with every chunk.  One batch at a time per process uses it (the lock);
# another thread's batch meanwhile takes the pickling path.
_FORKED: tuple[Policy, Sequence[Account], datetime, PolicySet | None] | None = None
_FORK_LOCK = threading.Lock()


def _decide_forked(start: int, stop: int) -> bytes:
    """A worker's chunk of a forked batch: accounts ``start`` to ``stop`` of the inherited list."""
    if _FORKED is None:  # only if a start method other than fork reached here: never silently
        raise RuntimeError("overdue.batch: a forked chunk ran in a worker that was not forked")
    policy, accounts, now, versions = _FORKED
    return _packed(_decide_chunk(policy, start, accounts[start:stop], now, versions))


def _decide_in_processes(
    policy: Policy,
    accounts: Iterable[Account],
    now: datetime,
    workers: int,
    chunk_size: int,
    versions: PolicySet | None,
) -> Iterator[Decision | BatchFailure]:
    context = multiprocessing.get_context()
    if (
        isinstance(accounts, Sequence)
        and context.get_start_method() == "fork"
        and _FORK_LOCK.acquire(blocking=False)
    ):
        global _FORKED
        try:
            _FORKED = (policy, accounts, now, versions)
            yield from _decide_ranges(policy, accounts, now, workers, chunk_size, versions, context)
        finally:
            _FORKED = None
            _FORK_LOCK.release()
        return
    yield from _decide_pickled(policy, accounts, now, workers, chunk_size, versions)


def _decide_ranges(
    policy: Policy,
    accounts: Sequence[Account],
    now: datetime,
    workers: int,
    chunk_size: int,
    versions: PolicySet | None,
    context: Any,
) -> Iterator[Decision | BatchFailure]:
    """Forked workers decide index ranges of ``accounts``; results come back in input order."""
    n = len(accounts)
    # The parent's heap (the portfolio, whatever else the caller holds) is shared with the
    # workers page by page until either side writes to a page.  A full garbage collection
    # writes to every object it visits: in a worker, right after the fork, it copied the
    # whole inherited heap, and in the parent, while the workers lived, every page it
    # touched was copied too (a third of the parent's time per decision unpickled).  Frozen
    # (``gc.freeze``), those objects are left out of every collection in both, for the
    # batch's duration; nothing else changes for them (``overdue._gc``: shared with the
    # command line and the cluster workers, so that overlapping runs hand back together).
    with (
        long_lived_set_aside(),
        ProcessPoolExecutor(
            max_workers=workers - 1, mp_context=context, initializer=gc.freeze
        ) as pool,
    ):
        jobs = (
            (
                s,
                accounts[s : s + chunk_size],
                partial(pool.submit, _decide_forked, s, min(s + chunk_size, n)),
            )
            for s in range(0, n, chunk_size)
        )
        yield from _in_order(_here(policy, now, versions), workers - 1, jobs)


def _here(
    policy: Policy, now: datetime, versions: PolicySet | None
) -> Callable[[int, Sequence[Account]], _Results]:
    """How this process decides a chunk of the batch itself (:func:`_in_order`)."""
    return lambda start, chunk: _decide_chunk(policy, start, chunk, now, versions)


def _decide_pickled(
    policy: Policy,
    accounts: Iterable[Account],
    now: datetime,
    workers: int,
    chunk_size: int,
    versions: PolicySet | None,
) -> Iterator[Decision | BatchFailure]:
    """Chunks of accounts pickled to the workers: any iterable, any start method."""
    with ProcessPoolExecutor(max_workers=workers - 1) as pool:

        def jobs() -> Iterator[_Job]:
            it, start = iter(accounts), 0
            while chunk := list(itertools.islice(it, chunk_size)):
                yield (
                    start,
                    chunk,
                    partial(pool.submit, _decide_packed, policy, start, chunk, now, versions),
                )
                start += len(chunk)

        yield from _in_order(_here(policy, now, versions), workers - 1, jobs())


# What a pool of :func:`_map_chunks` does to a chunk: handed to each worker once, as it starts.
_WORK: list[Callable[[int, Sequence[Any]], list[Any]]] = []


def _start_worker(work: Callable[[int, Sequence[Any]], list[Any]]) -> None:
    """A :func:`_map_chunks` worker's start: its work kept, the inherited heap set aside."""
    gc.freeze()
    _WORK[:] = [work]


def _work_packed(start: int, chunk: Sequence[Any]) -> bytes:
    """A :func:`_map_chunks` worker's chunk, its results packed (:func:`_packed`)."""
    return _packed(_WORK[0](start, chunk))


def _map_chunks(
    work: Callable[[int, Sequence[_T]], list[_R]],
    items: Iterable[_T],
    *,
    workers: int,
    chunk_size: int,
) -> Iterator[_R]:
    """``work(start, chunk)`` over chunks of ``items`` in ``workers`` processes, this one
    included; the results in input order, as :func:`decide_many` gives its decisions.

    For work other than deciding accounts already built (``overdue next`` sends lines of
    JSONL: reading one costs more than deciding it, so the workers read too).  ``work`` goes
    to each worker once, when it starts (inherited under ``fork``, pickled once otherwise),
    so what it holds (a policy) is not sent with every chunk; ``items`` and the results are.
    A chunk that never comes back (a worker that died, a result that would not pickle) is
    done here, as :func:`_in_order` does for a batch.
    """
    with ProcessPoolExecutor(
        max_workers=workers - 1, initializer=_start_worker, initargs=(work,)
    ) as pool:

        def jobs() -> Iterator[_Job]:
            it, start = iter(items), 0
            while chunk := list(itertools.islice(it, chunk_size)):
                yield (start, chunk, partial(pool.submit, _work_packed, start, chunk))
                start += len(chunk)

        yield from _in_order(work, workers - 1, jobs())


_Results = list[Decision | BatchFailure]
# A chunk: its first index, its items, and the call that sends it to a worker.
_Job = tuple[int, Sequence[Any], Callable[[], "Future[bytes]"]]


def _in_order(
    here: Callable[[int, Sequence[Any]], list[Any]],
    children: int,
    jobs: Iterator[_Job],
) -> Iterator[Any]:
    """The chunks' results in input order, with a bounded number of chunks in flight so that a
    huge portfolio is never all in memory.  A chunk that never came back (an account that
    cannot be pickled, a worker that died) is decided here instead, where each account fails
    or succeeds alone.

    This process is one of the ``workers`` too: while the oldest chunk sent is not back, it
    decides the next chunk itself rather than wait (issue 15).  A chunk decided here costs
    nothing to send back, so on two cores one worker and this process decide about twice as
    fast as one process, where two workers and an idle parent did not: the parent's share of
    unpickling took the second core's time from them.  The split follows the load; the
    results, their order and the failures are the same."""
    pending: deque[tuple[Sequence[Any], int, Future[bytes] | None, list[Any]]] = deque()
    # At most two chunks sent per worker (one being decided, one waiting), and this process
    # at most six chunks ahead of the oldest one sent: a worker the machine's load starves
    # for a while does not make this process wait at once, and memory stays bounded.
    sent, most = 0, children * 2 + 6
    while True:
        while sent < children * 2 and (job := next(jobs, None)) is not None:
            start, chunk, send = job
            pending.append((chunk, start, send(), []))
            sent += 1
        if not pending:
            return
        chunk, first, future, results = pending[0]
        if (
            future is not None
            and not future.done()
            and len(pending) < most
            and (job := next(jobs, None)) is not None
        ):
            start, chunk_here, _ = job
            pending.append((chunk_here, start, None, here(start, chunk_here)))
            continue
        pending.popleft()
        if future is not None:
            sent -= 1
            try:
                results = pickle.loads(future.result())
            except Exception:
                results = here(first, chunk)
        yield from results


def decide_batch(
    policy: Policy,
    accounts: Iterable[Account],
    now: datetime,
    *,
    workers: int = 1,
    chunk_size: int = 500,
    versions: PolicySet | None = None,
) -> BatchReport:
    """Decide for every account and collect the results; see :func:`decide_many`.

    The objects the process held before the batch, and the results as they are collected
    (a chunk at a time), are set aside from the garbage collector for the batch's duration
    (:mod:`overdue._gc`): kept results otherwise trigger full collections that walk the whole
    heap, the caller's accounts included (about a third of a one-process batch's time on 20,000
    accounts of twenty events).  Nothing is freed early or kept alive by it.
    """
    decisions: list[Decision] = []
    failures: list[BatchFailure] = []
    with long_lived_set_aside():
        for n, item in enumerate(
            decide_many(
                policy, accounts, now, workers=workers, chunk_size=chunk_size, versions=versions
            ),
            1,
        ):
            if isinstance(item, BatchFailure):
                failures.append(item)
            else:
                decisions.append(item)
            if n % chunk_size == 0:
                keep_aside()
    return BatchReport(tuple(decisions), tuple(failures))
