"""Decisions per second for the reference policy over a generated portfolio, on one core.

Usage::

    python benchmarks/bench_decide.py                 # 100,000 accounts, about 20 events each
    python benchmarks/bench_decide.py --accounts 5000 # a quick run
    python benchmarks/bench_decide.py --accounts 2000 --profile
    python benchmarks/bench_decide.py --workers 2     # also (c): decide_batch over 2 processes
    python benchmarks/bench_decide.py --accounts 2000 --work  # bytecodes per decision

The portfolio is generated from a fixed seed, so two runs decide the same accounts.  Each
history is what a host following the reference policy would have recorded: invoices, the
stage entries the engine asked for, the contacts it scheduled (with outcomes), payments now and
then, and a dispute every so often.  Two figures are printed: (a) fold the history and decide,
as a batch job that keeps nothing between runs would; (b) decide with a snapshot the host
already holds (the incremental fold), as a long-running service would.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from overdue import REFERENCE_POLICY, Account, ContactPoint, Money, decide, fold
from overdue.batch import decide_batch
from overdue.events import (
    ContactAttempted,
    Event,
    InvoiceIssued,
    PaymentReceived,
    StageEntered,
)
from overdue.testing._corpus_accounts import ladder_account

NOW = datetime(2026, 4, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def make_account(i: int, rng: random.Random) -> Account:
    """Account ``i`` of the portfolio: the testing kit's ladder account
    (:func:`overdue.testing._corpus_accounts.ladder_account`, the same accounts the decision
    corpus generates, so the two cannot drift apart)."""
    return ladder_account(i, rng)


def make_portfolio(n: int, seed: int = 20260401) -> list[Account]:
    """``n`` accounts from a fixed seed."""
    rng = random.Random(seed)
    return [make_account(i, rng) for i in range(n)]


def long_history(events: int, i: int = 0) -> Account:
    """One account on the reference ladder with about ``events`` events of history.

    Years of a debtor who calls in now and then and pays a little now and then, all of it more
    than 30 days before ``NOW``; then the same recent tail for every length (the invoice
    falling due, the rung entered, an SMS sent).  What a decision depends on (the rung, the
    last attempts, the caps' windows) is the same for every length, so a decision that costs
    more with more history is doing work it need not do.
    """
    tz = ZoneInfo("Asia/Shanghai")
    due = NOW.date() - timedelta(days=20)
    bulk = max(events - 4, 1)
    start = NOW - timedelta(days=40) - timedelta(hours=7 * bulk)
    evs: list[Event] = [
        InvoiceIssued(at=start, invoice_id=f"L{i}", amount=Money("9000000", "CNY"), due=due),
    ]
    t = start
    for k in range(bulk):
        t += timedelta(hours=7)
        if k % 50 == 49:
            evs.append(PaymentReceived(at=t, amount=Money("1", "CNY")))
        else:
            evs.append(
                ContactAttempted(
                    at=t, channel="phone", outcome="conversation", initiated_by="debtor"
                )
            )
    entry = datetime.combine(due + timedelta(days=1), datetime.min.time(), tz) + timedelta(hours=9)
    evs.append(StageEntered(at=entry, stage="reminder"))
    evs.append(
        ContactAttempted(
            at=entry + timedelta(minutes=5),
            channel="sms",
            outcome="delivered",
            stage="reminder",
            step="reminder.sms",
            template="reminder.sms",
        )
    )
    return Account(
        f"LONG-{i}",
        timezone="Asia/Shanghai",
        contacts=(ContactPoint("sms", "+8613800000000"), ContactPoint("phone", "+8613800000000")),
        events=tuple(sorted(evs, key=lambda e: e.at)),
    )


def bench_history(repeat: int = 300) -> tuple[float, float]:
    """Seconds per held-snapshot decision at 20 and at 5,000 events of history."""
    out = []
    for n in (20, 5000):
        accts = [long_history(n, i) for i in range(5)]
        snaps = [fold(a, NOW) for a in accts]
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            for _ in range(repeat // 5):
                for a, s in zip(accts, snaps, strict=True):
                    decide(REFERENCE_POLICY, a, NOW, snapshot=s)
            best = min(best, (time.perf_counter() - t0) / repeat)
        out.append(best)
    return out[0], out[1]


def many_invoices(n: int = 20_000) -> Account:
    """An account with ``n`` invoices and ``n`` payments, interleaved, some naming an invoice."""
    tz = ZoneInfo("Asia/Shanghai")
    start = datetime(2020, 1, 1, 9, tzinfo=tz)
    evs: list[Event] = []
    for k in range(n):
        t = start + timedelta(hours=2 * k)
        due = (t + timedelta(days=30 + (k * 7919) % 60)).date()
        evs.append(InvoiceIssued(at=t, invoice_id=f"I{k}", amount=Money("10", "CNY"), due=due))
        named = f"I{k - 3}" if k % 3 == 0 and k >= 3 else None
        evs.append(
            PaymentReceived(at=t + timedelta(hours=1), amount=Money("9", "CNY"), invoice_id=named)
        )
    return Account("MANY", timezone="Asia/Shanghai", events=tuple(evs))


def bench_invoices(n: int = 20_000) -> float:
    """Seconds to fold and decide one account with ``n`` invoices and ``n`` payments."""
    acct = many_invoices(n)
    now = acct.events[-1].at + timedelta(days=1)
    t0 = time.perf_counter()
    decide(REFERENCE_POLICY, acct, now)
    return time.perf_counter() - t0


def work_per_decision(run: Callable[[], object], n: int) -> tuple[float, float]:
    """Python bytecodes and Python calls per decision while ``run`` makes ``n`` decisions.

    Why: on a shared machine timings move by 2x from one minute to the next, and cProfile's
    per-call overhead hides where the time goes in a flat profile.  The number of bytecodes a
    decision executes does not depend on the load, so a change to the engine can be judged by
    it exactly (work in C, such as ``datetime`` arithmetic, is not counted: confirm with time).
    """
    ops = calls = 0

    def on_call(frame: FrameType, event: str, arg: object) -> object:
        nonlocal calls
        calls += 1
        frame.f_trace_opcodes = True
        return on_opcode

    def on_opcode(frame: FrameType, event: str, arg: object) -> object:
        nonlocal ops
        if event == "opcode":
            ops += 1
        return on_opcode

    sys.settrace(on_call)
    try:
        run()
    finally:
        sys.settrace(None)
    return ops / n, calls / n


def bench_apply(n: int = 20_000) -> tuple[float, float]:
    """Seconds per ``Snapshot.apply`` over the first and the last 2,000 events of a chain of
    ``2 * n`` (invoices and payments, as in :func:`many_invoices`): equal when ``apply`` costs
    the same at any length of history (it extends the fold's lists, it does not copy them)."""
    acct = many_invoices(n)
    snap = fold(Account(acct.id, timezone=acct.timezone))
    times = []
    for event in acct.events:
        t0 = time.perf_counter()
        snap = snap.apply(event)
        times.append(time.perf_counter() - t0)
    head, tail = sorted(times[:2000]), sorted(times[-2000:])
    return head[1000], tail[1000]  # medians: one slow moment of a shared machine is not a cost


def _rate(label: str, n: int, seconds: float) -> float:
    rate = n / seconds
    print(f"{label:<38} {n:>8,} decisions in {seconds:7.2f} s = {rate:>9,.0f} decisions/s")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts", type=int, default=100_000, help="portfolio size (default 100,000)"
    )
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--profile", action="store_true", help="profile the held-snapshot run")
    parser.add_argument(
        "--shapes",
        action="store_true",
        help="also: held decide at 20 vs 5,000 events; 20,000 invoices + 20,000 payments",
    )
    parser.add_argument(
        "--work",
        action="store_true",
        help="also count Python bytecodes and calls per decision (load-independent)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="also run (c) decide_batch over this many processes on every core (0: skip)",
    )
    args = parser.parse_args(argv)

    all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if all_cores is not None:
        os.sched_setaffinity(0, {min(all_cores)})  # one core
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(
        f"python {platform.python_version()} on {cpu}; "
        f"pinned to one core (machine has {os.cpu_count()})"
    )

    t0 = time.perf_counter()
    portfolio = make_portfolio(args.accounts, args.seed)
    events = sum(len(a.events) for a in portfolio)
    print(
        f"generated {len(portfolio):,} accounts, {events / len(portfolio):.1f} events each, "
        f"in {time.perf_counter() - t0:.1f} s"
    )

    policy = REFERENCE_POLICY
    t0 = time.perf_counter()
    for acct in portfolio:
        decide(policy, acct, NOW)
    _rate("(a) fold + decide", len(portfolio), time.perf_counter() - t0)

    snaps = [fold(a, NOW) for a in portfolio]
    t0 = time.perf_counter()
    for acct, snap in zip(portfolio, snaps, strict=True):
        decide(policy, acct, NOW, snapshot=snap)
    _rate("(b) decide with a held snapshot", len(portfolio), time.perf_counter() - t0)

    statuses: dict[str, int] = {}
    for acct, snap in zip(portfolio, snaps, strict=True):
        st = decide(policy, acct, NOW, snapshot=snap).status
        statuses[st] = statuses.get(st, 0) + 1
    print("statuses:", ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))

    if args.work:
        some = portfolio[: min(len(portfolio), 2000)]
        held = snaps[: len(some)]
        for label, run in (
            ("(a) fold + decide", lambda: [decide(policy, a, NOW) for a in some]),
            (
                "(b) decide with a held snapshot",
                lambda: [
                    decide(policy, a, NOW, snapshot=s) for a, s in zip(some, held, strict=True)
                ],
            ),
        ):
            ops, calls = work_per_decision(run, len(some))
            print(f"{label:<38} {ops:>8,.0f} bytecodes, {calls:5.1f} Python calls per decision")

    if args.shapes:
        short, long = bench_history()
        print(
            f"held decide, 20 events: {short * 1e6:,.0f} µs; 5,000 events: {long * 1e6:,.0f} µs "
            f"(ratio {long / short:.2f})"
        )
        print(f"20,000 invoices + 20,000 payments, fold + decide: {bench_invoices():.2f} s")
        first, last = bench_apply()
        print(
            f"Snapshot.apply one by one: {first * 1e6:,.1f} µs at the first 2,000 events, "
            f"{last * 1e6:,.1f} µs at the last 2,000 of 40,000 (ratio {last / first:.2f})"
        )

    if args.workers > 0:
        if all_cores is not None:
            os.sched_setaffinity(0, all_cores)  # the workers inherit this: give them every core
        t0 = time.perf_counter()
        report = decide_batch(policy, portfolio, NOW, workers=args.workers)
        _rate(
            f"(c) fold + decide, {args.workers} processes",
            len(report.decisions) + len(report.failures),
            time.perf_counter() - t0,
        )

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for acct, snap in zip(portfolio, snaps, strict=True):
            decide(policy, acct, NOW, snapshot=snap)
        prof.disable()
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
