"""Portfolio runs at scale: `overdue next` on Parquet on one core, and a nightly Dask run.

Usage::

    python benchmarks/bench_portfolio.py --part cli --accounts 20000     # one core, CLI
    python benchmarks/bench_portfolio.py --part json --accounts 5000     # where JSON decode goes
    python benchmarks/bench_portfolio.py --part jsonl --accounts 20000   # overdue next on JSONL
    python benchmarks/bench_portfolio.py --part jsonl --against ../main/src  # side by side
    python benchmarks/bench_portfolio.py --part jsonl --workers 2   # + wall clock, 2 processes
    python benchmarks/bench_portfolio.py --part nights --accounts 20000  # first/second night
    python benchmarks/bench_portfolio.py --part nights --shares 0,0.5 --paid-share 0.3
    python benchmarks/bench_portfolio.py --part dask --accounts 1000000  # 2 workers, nightly
    python benchmarks/bench_portfolio.py --part dask --accounts 1000000 --distinct 1000000
    python benchmarks/bench_portfolio.py                                 # all three, defaults

The accounts are those of ``bench_decide.py``: histories of about 20 events that follow the
reference ladder (invoices, stage entries, contacts with outcomes, payments, disputes, inbound
contacts), from a fixed seed.

**cli**: writes the accounts to Parquet, then runs ``overdue next POLICY accounts.parquet -o
decisions.parquet`` in this process pinned to one core, and times each phase of the same work
(read, build accounts, decide, build and write the decisions table).  Then a host step (the
stage entries and due contacts of that night recorded as events) and the next night with
``--previous``: the wake index's skip share and the *effective* rate (accounts covered per
second, kept ones included).

**dask**: the same two nights on a ``LocalCluster`` of 2 worker processes, one thread each, over a
partitioned dataset: generating night 1 (decided, and the host's events recorded) happens on
the workers too, untimed.  Generating a history costs more than deciding it, so by default
25,000 distinct histories are generated and written in as many copies as the size asks, each
copy with its account ids renamed (every copy is read, built and decided like any account; the
skip share is that of the distinct histories).  The timed run is night 2 with the wake index
and, for comparison, night 2 deciding everything.  Printed: wall time, accounts/s, accounts/s
per core, the skip share and the peak memory of each worker.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_decide import NOW, make_account  # noqa: E402

from overdue import REFERENCE_POLICY, Account, decide  # noqa: E402
from overdue.decision import Decision  # noqa: E402

NIGHT_1 = NOW
NIGHT_2 = NOW + timedelta(days=1)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def host_step(account: Account, d: Decision) -> Account:
    """What a host records after a night: the stage it was told to enter, and each due action
    carried out (delivered; calls not answered)."""
    events = list(d.record)
    for a in d.due_actions:
        outcome = "no_answer" if a.channel == "phone" else "delivered"
        events.append(a.outcome_event(outcome, d.at))
    return account.with_events(*events) if events else account


def books_account(i: int, rng: Any) -> Account:
    """An account of a billing platform that was never dunned: invoices and payments only.

    Half are paid up (one to three past bills, each paid in full, some early, some late); half
    have a bill not yet due (issued in the last days, due within a month), some of those with
    paid bills before it.  The pre-pass settles these on a first night.
    """
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    from overdue import Money
    from overdue.events import Event, InvoiceIssued, PaymentReceived

    zones = ("Asia/Shanghai", "Asia/Shanghai", "Europe/Berlin", "America/Chicago")
    tz = ZoneInfo(rng.choice(zones))
    events: list[Event] = []
    today = NIGHT_1.astimezone(tz).date()
    for k in range(rng.randint(1, 3)):
        due = today - timedelta(days=30 * (k + 1) - rng.randint(0, 5))
        issued = dt.combine(due - timedelta(days=20), dt.min.time(), tz) + timedelta(hours=9)
        amount = Money(f"{rng.randint(20, 900)}.{rng.randint(0, 99):02d}", "CNY")
        events.append(InvoiceIssued(at=issued, invoice_id=f"B-{i}-{k}", amount=amount, due=due))
        paid = issued + timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 12))
        events.append(PaymentReceived(at=paid, amount=amount, reference=f"R-{i}-{k}"))
    if rng.random() < 0.5:
        due = today + timedelta(days=rng.randint(1, 30))
        issued = NIGHT_1 - timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 20))
        amount = Money(f"{rng.randint(20, 900)}.{rng.randint(0, 99):02d}", "CNY")
        events.append(InvoiceIssued(at=issued, invoice_id=f"B-{i}-new", amount=amount, due=due))
    events.sort(key=lambda e: e.at)
    return Account(f"BIL-{i:07d}", timezone=getattr(tz, "key", None), events=tuple(events))


def paid_account(i: int, rng: Any) -> Account:
    """An account that went through dunning and then paid everything it owed: a reference
    ladder history (stage entries, contacts, promises, disputes now and then) and a last
    payment of the balance, one to three days before the first night."""
    from overdue import Money
    from overdue.events import PaymentReceived
    from overdue.snapshot import fold

    a = make_account(i, rng)
    balance = fold(a, NIGHT_1).balance
    if balance is None or balance.amount <= 0:
        return a
    at = NIGHT_1 - timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 20))
    return a.with_events(PaymentReceived(at=at, amount=Money(balance.amount, balance.currency)))


def night_one(
    start: int, n: int, seed: int, books_share: float = 0.0, paid_share: float = 0.0
) -> tuple[Any, Any]:
    """Accounts ``start .. start+n`` as they stand for night 2, and their night-1 decisions.

    ``books_share`` of them are :func:`books_account` (never dunned), ``paid_share``
    :func:`paid_account` (dunned, then paid in full), the rest follow the reference ladder
    (``bench_decide.make_account``)."""
    import random

    from overdue.portfolio.arrow import DecisionRows, accounts_to_table

    rng = random.Random(seed * 1_000_003 + start)

    def one(i: int) -> Account:
        x = rng.random()
        if x < books_share:
            return books_account(i, rng)
        if x < books_share + paid_share:
            return paid_account(i, rng)
        return make_account(i, rng)

    accounts = [one(start + i) for i in range(n)]
    rows = DecisionRows()
    after = []
    for a in accounts:
        d = decide(REFERENCE_POLICY, a, NIGHT_1)
        rows.add(d, events=len(a.events), invoices=len(a.invoices))
        after.append(host_step(a, d))
    return accounts_to_table(after), rows.table()


# --------------------------------------------------------------------------- json


def bench_json(n: int) -> None:
    import json
    import random

    from overdue.config import account_to_dict
    from overdue.config.accounts import _decode
    from overdue.portfolio.records import account_from_json

    rng = random.Random(7)
    accounts = [make_account(i, rng) for i in range(n)]
    lines = [json.dumps(account_to_dict(a)) for a in accounts]
    events = sum(len(a.events) for a in accounts) / n
    size = sum(map(len, lines)) / n
    print(f"JSON decode, {n:,} accounts, {events:.1f} events and {size:,.0f} bytes each (one core)")

    def per_account(fn: Any, items: Sequence[Any]) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.process_time()
            for x in items:
                fn(x)
            best = min(best, time.process_time() - t)
        return best / len(items) * 1e6

    dicts = [json.loads(line) for line in lines]
    parse = per_account(json.loads, lines)
    generic = per_account(_decode, dicts)
    fast = per_account(account_from_json, dicts)
    print(f"  json.loads                  {parse:7.1f} us/account")
    print(f"  generic decoder (before)    {generic:7.1f} us/account")
    print(f"  fast path (account_from_json) {fast:5.1f} us/account  ({generic / fast:.1f}x)")
    print(f"  line to account: before {parse + generic:.0f} us, now {parse + fast:.0f} us")


# --------------------------------------------------------------------------- jsonl


def bench_jsonl(
    n: int, workdir: Path, against: Sequence[str] = (), workers: int = 0
) -> None:
    """``overdue next POLICY accounts.jsonl`` (JSONL in, decision records out), end to end in
    this process on one core: CPU time per account, and where it goes (reading a line into an
    account, deciding, the decision record written).  ``against``: other source trees (a
    checkout's ``src``) run on the same file, in turns with this one (:func:`_side_by_side`);
    ``workers``: also the wall clock of ``--workers 1`` and ``--workers N`` on every core."""
    import io
    import json
    import random

    from overdue.cli import main
    from overdue.config import account_to_dict, decision_to_dict, load_policy
    from overdue.config.accounts import account_from_dict
    from overdue.config.decisions import jsonl_line

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if cores is not None:
        os.sched_setaffinity(0, {min(cores)})
    all_cores = set(cores) if cores is not None else set(range(os.cpu_count() or 1))
    rng = random.Random(7)
    src = workdir / "accounts.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps(account_to_dict(make_account(i, rng))) + "\n")
    policy = str(HERE.parent / "examples" / "policies" / "seed_platform.toml")
    size = src.stat().st_size / 2**20
    print(f"overdue next on JSONL, {n:,} accounts ({size:,.0f} MiB), one core of {_cpu()}")
    err = io.StringIO()
    c = time.process_time()
    code = main(["next", policy, str(src), "--at", NIGHT_1.isoformat(), "-o",
                 str(workdir / "decisions.jsonl")], out=io.StringIO(), err=err)  # fmt: skip
    cpu = time.process_time() - c
    assert code == 0, err.getvalue()
    print(f"  end to end (CPU)            {cpu / n * 1e6:7.1f} us/account"
          f" = {n / cpu:,.0f} accounts/s")
    pol = load_policy(policy)
    lines = src.read_bytes().splitlines()[: min(n, 5_000)]
    t = time.process_time()
    accounts = [account_from_dict(json.loads(line)) for line in lines]
    t_read = time.process_time() - t
    t = time.process_time()
    decisions = [decide(pol, a, NIGHT_1) for a in accounts]
    t_decide = time.process_time() - t
    t = time.process_time()
    for d in decisions:
        jsonl_line(decision_to_dict(d))
    t_out = time.process_time() - t
    print(f"  where it goes ({len(lines):,} accounts):")
    for name, took in (("line to account", t_read), ("decide", t_decide),
                       ("decision record", t_out)):  # fmt: skip
        print(f"    {name:<26} {took / len(lines) * 1e6:7.1f} us/account")
    _side_by_side(n, src, policy, [str(HERE.parent / "src"), *against])
    if workers > 1:
        _workers_wall(n, src, policy, workers, all_cores)


def _side_by_side(n: int, src: Path, policy: str, trees: Sequence[str], rounds: int = 2) -> None:
    """``python -m overdue next`` on ``src`` under each source tree in turn (``rounds`` times,
    same core), its output to ``/dev/null``: the CPU time of each child process (startup and
    imports included), so trees are compared under the same load.  This tree runs twice a turn:
    as installed (orjson when it is) and with ``OVERDUE_JSON=stdlib`` (``json.loads``)."""
    import subprocess

    runs = [(trees[0], {}), (trees[0], {"OVERDUE_JSON": "stdlib"}), *((t, {}) for t in trees[1:])]
    cpu: dict[str, list[float]] = {}
    argv = [sys.executable, "-m", "overdue", "next", policy, str(src),
            "--at", NIGHT_1.isoformat()]  # fmt: skip
    for _ in range(rounds):
        for tree, extra in runs:
            label = tree + (" (stdlib json)" if extra else "")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            quiet = subprocess.DEVNULL
            env = {**os.environ, "PYTHONPATH": tree, **extra}
            subprocess.run(argv, env=env, stdout=quiet, stderr=quiet, check=False)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            took = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            cpu.setdefault(label, []).append(took)
    print(f"  side by side, {rounds} turns each (best), python -m overdue next in a child:")
    for label, took in cpu.items():
        best = min(took)
        print(f"    {label:<54} {best / n * 1e6:7.1f} us/account = {n / best:,.0f} accounts/s")


def _workers_wall(
    n: int, src: Path, policy: str, workers: int, cores: set[int], rounds: int = 2
) -> None:
    """``overdue next --workers 1`` and ``--workers N`` on every core, in turns: wall-clock
    accounts per second (best of ``rounds``), their CPU, and the load average around them."""
    import subprocess

    argv = [sys.executable, "-m", "overdue", "next", policy, str(src),
            "--at", NIGHT_1.isoformat()]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
    load_before = os.getloadavg()
    walls: dict[int, list[tuple[float, float]]] = {1: [], workers: []}
    for _ in range(rounds):
        for w in (1, workers):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([*argv, "--workers", str(w)], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True,
                           preexec_fn=lambda: os.sched_setaffinity(0, cores))  # fmt: skip
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            walls[w].append((wall, cpu))
    load_after = os.getloadavg()
    print(f"  wall clock on {len(cores)} cores, {rounds} turns each (best), load average "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after:")  # fmt: skip
    for w, runs in walls.items():
        wall, cpu = min(runs)
        print(f"    --workers {w:<3} {n / wall:9,.0f} accounts/s wall ({wall:6.1f} s), "
              f"CPU {cpu:6.1f} s (all processes)")  # fmt: skip


# --------------------------------------------------------------------------- cli


def bench_cli(n: int, workdir: Path) -> None:
    import io

    import pyarrow.parquet as pq

    from overdue.cli import main
    from overdue.portfolio.arrow import (
        DecisionRows,
        accounts_from_table,
        read_accounts,
        write_accounts,
    )

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if cores is not None:
        os.sched_setaffinity(0, {min(cores)})
    table, _ = night_one(0, n, seed=1)  # accounts as they stand after night 1's host step
    src = workdir / "accounts.parquet"
    write_accounts(src, table)
    policy = str(HERE.parent / "examples" / "policies" / "seed_platform.toml")
    at1, at2 = NIGHT_1.isoformat(), NIGHT_2.isoformat()
    print(f"overdue next on Parquet, {n:,} accounts, one core of {_cpu()}")

    def run(*argv: str) -> tuple[float, float]:
        err = io.StringIO()
        t, c = time.perf_counter(), time.process_time()
        code = main(list(argv), out=io.StringIO(), err=err)
        took, cpu = time.perf_counter() - t, time.process_time() - c
        assert code == 0, err.getvalue()
        return took, cpu

    full, cpu = run("next", policy, str(src), "--at", at1, "-o", str(workdir / "d1.parquet"))
    print(
        f"  every account decided       {full:7.2f} s = {n / full:9,.0f} accounts/s"
        f" (CPU {cpu:.2f} s = {n / cpu:,.0f} accounts/s)"
    )
    again, cpu = run(
        "next", policy, str(src), "--at", at2, "-o", str(workdir / "d2.parquet"),
        "--previous", str(workdir / "d1.parquet"),
    )  # fmt: skip
    d2 = pq.read_table(workdir / "d2.parquet")
    kept = sum(1 for s in d2["source"].to_pylist() if s == "carried")
    print(
        f"  next night, --previous      {again:7.2f} s = {n / again:9,.0f} accounts/s effective"
        f" (CPU {cpu:.2f} s = {n / cpu:,.0f} accounts/s; {kept / n:.0%} kept,"
        f" {n - kept:,} decided)"
    )

    # where the time goes: the same work, phase by phase
    t = time.process_time()
    tab = read_accounts(src)
    t_read = time.process_time() - t
    t = time.process_time()
    accounts = accounts_from_table(tab)
    t_build = time.process_time() - t
    from overdue.config import load_policy

    pol = load_policy(policy)
    t = time.process_time()
    decisions = [decide(pol, a, NIGHT_1) for a in accounts if isinstance(a, Account)]
    t_decide = time.process_time() - t
    t = time.process_time()
    rows = DecisionRows()
    for a, d in zip(accounts, decisions, strict=False):
        rows.add(d, events=len(a.events), invoices=len(a.invoices))  # type: ignore[union-attr]
    pq.write_table(rows.table(), workdir / "phase.parquet")
    t_rows = time.process_time() - t
    total = t_read + t_build + t_decide + t_rows
    print("  where the CPU time goes (every account decided):")
    for name, took in (
        ("read Parquet", t_read),
        ("build accounts", t_build),
        ("decide", t_decide),
        ("decisions table + write", t_rows),
    ):
        print(f"    {name:<26} {took / n * 1e6:7.1f} us/account  {took / total:4.0%}")


def bench_nights(
    n: int, shares: Sequence[float], workdir: Path, paid_share: float = 0.0
) -> None:
    """A first night (no ``--previous``) and a second night of ``overdue next`` on Parquet, on
    one core, for portfolios where ``share`` of the accounts were never dunned (invoices and
    payments only: paid up, or a bill not due yet), ``paid_share`` went through dunning and
    then paid in full (:func:`paid_account`), and the rest follow the reference ladder.

    Each night runs through the command line in this process; the first night also without
    the pre-pass (every account not kept goes to the engine), for the ratio.  Rates are
    accounts covered per CPU second of the process (decided, settled by the pre-pass and kept
    by the wake index alike) and per wall second on this shared machine."""
    import io
    from functools import partial

    import pyarrow.parquet as pq

    import overdue.portfolio.commands as commands
    from overdue.cli import main
    from overdue.portfolio.arrow import write_accounts
    from overdue.portfolio.kernel import decide_table, summary

    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if cores is not None:
        os.sched_setaffinity(0, {min(cores)})
    policy = str(HERE.parent / "examples" / "policies" / "seed_platform.toml")
    at1, at2 = NIGHT_1.isoformat(), NIGHT_2.isoformat()
    print(f"overdue next on Parquet, first and second night, {n:,} accounts, one core of {_cpu()}")

    def run(*argv: str, prepass: bool = True) -> tuple[float, float, dict[str, int]]:
        err = io.StringIO()
        commands.decide_table = partial(decide_table, prepass=prepass)  # type: ignore[assignment]
        try:
            t, c = time.perf_counter(), time.process_time()
            code = main(list(argv), out=io.StringIO(), err=err)
            took, cpu = time.perf_counter() - t, time.process_time() - c
        finally:
            commands.decide_table = decide_table
        assert code == 0, err.getvalue()
        out = argv[argv.index("-o") + 1]
        return took, cpu, summary(pq.read_table(out))

    for share in shares:
        paid = min(paid_share, 1 - share)
        table, _ = night_one(0, n, seed=1, books_share=share, paid_share=paid)
        src = workdir / f"accounts-{share}.parquet"
        write_accounts(src, table)
        d1 = str(workdir / f"n1-{share}.parquet")
        print(f"  {share:.0%} never dunned, {paid:.0%} paid after dunning,"
              f" {1 - share - paid:.0%} on the ladder:")
        for label, argv, pp in (
            ("night 1, no pre-pass", ("-o", str(workdir / "n1-off.parquet")), False),
            ("night 1", ("-o", d1), True),
            ("night 2, --previous", ("-o", str(workdir / "n2.parquet"), "--previous", d1), True),
        ):
            at = at2 if "--previous" in argv else at1
            wall, cpu, c = run("next", policy, str(src), "--at", at, *argv, prepass=pp)
            print(
                f"    {label:<22} CPU {cpu:6.2f} s = {n / cpu:8,.0f} accounts/CPU-s;"
                f" wall {n / wall:8,.0f}/s; {c['settled'] / n:4.0%} pre-passed,"
                f" {c['carried'] / n:4.0%} kept, {(c['decided'] - c['settled']) / n:4.0%} engine"
            )


# --------------------------------------------------------------------------- dask


def _renamed(table: Any, column: str, copy: int) -> Any:
    import pyarrow.compute as pc

    ids = table[column]
    return table.set_column(
        table.schema.get_field_index(column), column, pc.binary_join_element_wise(
            ids, pa_scalar(f"-r{copy:02d}"), ""))  # fmt: skip


def pa_scalar(text: str) -> Any:
    import pyarrow as pa

    return pa.scalar(text)


def _generate(
    base: int, start: int, n: int, copies: int, root: str, books_share: float = 0.0
) -> int:
    """One partition of distinct accounts (night 1 decided, the host's events recorded), written
    ``copies`` times with the account ids (and the idempotency keys that name them) renamed."""
    import pyarrow.compute as pc

    from overdue.portfolio.arrow import write_accounts, write_decisions

    table, decisions = night_one(start, n, seed=2, books_share=books_share)
    for k in range(copies):
        part = f"part-{base:03d}-{k:02d}.parquet"
        accounts = _renamed(table, "id", k)
        prev = _renamed(decisions, "account_id", k)
        keys = prev["action_idempotency_key"]  # "<account id>:<stage>#<n>:<step>:<attempt>"
        fixed = pc.binary_join_element_wise(
            prev["account_id"], pc.utf8_slice_codeunits(keys, len("ACC-000000")), "")
        prev = prev.set_column(
            prev.schema.get_field_index("action_idempotency_key"), "action_idempotency_key",
            fixed)  # fmt: skip
        write_accounts(Path(root) / "accounts" / part, accounts)
        write_decisions(Path(root) / "night1" / part, prev)
    return n * copies


def bench_dask(
    n: int, distinct: int, size: int, workdir: Path, *, reuse: bool = False, full_sample: int = 0,
    books_share: float = 0.0,
) -> None:
    from dask.distributed import LocalCluster


    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    for sub in ("accounts", "night1"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    distinct = min(distinct, n)
    bases = max(1, distinct // size)
    copies = max(1, n // (bases * size))
    total = bases * size * copies
    print(
        f"Dask, {total:,} accounts ({bases * size:,} distinct histories, each in {copies} "
        f"cop{'y' if copies == 1 else 'ies'} with renamed ids) in {bases * copies} partitions "
        f"of {size:,}, LocalCluster of 2 worker processes, one thread each"
    )
    def cluster() -> Any:
        return LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
            memory_limit="8GiB",
        )  # fmt: skip

    if reuse and any((workdir / "accounts").glob("*.parquet")):
        print("  reusing the generated night 1 in", workdir)
    else:
        _generate_all(cluster, bases, size, copies, workdir, books_share)
    _timed_runs(cluster, workdir, full_sample)


def _generate_all(
    cluster: Any, bases: int, size: int, copies: int, workdir: Path, books_share: float = 0.0
) -> None:
    from dask.distributed import Client

    with cluster() as c, Client(c) as client:
        t = time.perf_counter()
        jobs = [
            client.submit(_generate, b, b * size, size, copies, str(workdir), books_share,
                          pure=False)
            for b in range(bases)
        ]
        made = sum(client.gather(jobs))
        print(f"  generated night 1 (untimed)  {time.perf_counter() - t:7.1f} s, {made:,} accounts")


def _timed_runs(cluster: Any, workdir: Path, full_sample: int) -> None:
    from dask.distributed import Client

    from overdue.dask import decide_dataset, partitions

    # a fresh cluster for each timed run, so the peak memory is that run's
    source = workdir / "accounts"
    sample = workdir / "sample"
    label_full = "night 2 deciding everything"
    if full_sample:  # decide everything over the first partitions only (it is the slow run)
        sample.mkdir(exist_ok=True)
        for name in partitions(source)[:full_sample]:
            if not (sample / name).exists():
                (sample / name).symlink_to(source / name)
        label_full += f" (the first {full_sample} partitions)"
    for label, src, target, previous in (
        ("night 2 with the wake index", source, "night2", workdir / "night1"),
        (label_full, sample if full_sample else source, "night2-full", None),
    ):
        with cluster() as c, Client(c) as client:
            t = time.perf_counter()
            reports = decide_dataset(
                REFERENCE_POLICY, src, workdir / target, NIGHT_2,
                previous=previous, client=client,
            )  # fmt: skip
            _print_run(label, reports, time.perf_counter() - t)


def _print_run(label: str, reports: list[dict[str, Any]], wall: float) -> None:
    total = sum(r["accounts"] for r in reports)
    kept = sum(r["carried"] for r in reports)
    failed = sum(r["failed"] for r in reports)
    decided = sum(r["decided"] for r in reports)
    assert total == kept + failed + decided
    peak: dict[int, float] = {}
    for r in reports:
        peak[r["worker"]] = max(peak.get(r["worker"], 0.0), r["peak_rss_mib"])
    task = sum(r["seconds"] for r in reports)
    cpu = sum(r["cpu_seconds"] for r in reports)
    print(f"  {label}:")
    print(f"    wall {wall:7.1f} s for {total:,} accounts = {total / wall:9,.0f} accounts/s")
    print(f"    per core (2 workers)      {total / wall / 2:9,.0f} accounts/s")
    print(f"    in tasks {task:7.1f} s of worker time = {total / task:9,.0f} accounts/s per core")
    print(f"    on CPU   {cpu:7.1f} s of worker CPU  = {total / cpu:9,.0f} accounts/s per CPU second")  # noqa: E501
    settled = sum(r.get("settled", 0) for r in reports)
    print(f"    skip share {kept / total:.1%} ({kept:,} kept, {decided:,} decided, {failed} failed)")  # noqa: E501
    print(f"    pre-pass   {settled / total:.1%} of all ({settled:,} of the decided, no engine call)")  # noqa: E501
    print("    peak memory per worker: " + ", ".join(f"{v:,.0f} MiB" for v in peak.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "json", "jsonl", "cli", "nights", "dask"),
                        default="all")
    parser.add_argument("--shares", default="0,0.5,0.8,0.9",
                        help="nights: shares of never-dunned accounts to run, comma-separated")
    parser.add_argument("--paid-share", type=float, default=0.0,
                        help="nights: share of accounts dunned and then paid in full")
    parser.add_argument("--accounts", type=int, default=0, help="portfolio size")
    parser.add_argument("--distinct", type=int, default=25_000,
                        help="Dask: distinct histories generated (the rest are renamed copies)")
    parser.add_argument("--partition-size", type=int, default=12_500)
    parser.add_argument("--books-share", type=float, default=0.0,
                        help="Dask: share of never-dunned accounts (invoices and payments only)")
    parser.add_argument("--reuse", action="store_true",
                        help="Dask: reuse the dataset already generated in --workdir")
    parser.add_argument("--full-sample", type=int, default=0,
                        help="Dask: decide everything over only this many partitions (0: all)")
    parser.add_argument("--workdir", help="where to write the datasets (default: a temp dir)")
    parser.add_argument("--against", nargs="*", default=[], metavar="SRC",
                        help="jsonl: also run overdue next under these source trees, in turns")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="jsonl: also the wall clock of overdue next --workers N, all cores")
    args = parser.parse_args(argv)
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, {_cpu()}")
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="overdue-bench-"))
    try:
        if args.part in ("all", "json"):
            bench_json(args.accounts or 5_000)
        if args.part in ("all", "jsonl"):
            bench_jsonl(args.accounts or 20_000, workdir, args.against, args.workers)
        if args.part in ("all", "cli"):
            bench_cli(args.accounts or 20_000, workdir)
        if args.part in ("all", "nights"):
            shares = [float(x) for x in args.shares.split(",")]
            bench_nights(args.accounts or 20_000, shares, workdir, args.paid_share)
        if args.part in ("all", "dask"):
            n = args.accounts or 1_000_000
            bench_dask(n, args.distinct, min(args.partition_size, n), workdir,
                       reuse=args.reuse, full_sample=args.full_sample,
                       books_share=args.books_share)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"driver peak memory {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

