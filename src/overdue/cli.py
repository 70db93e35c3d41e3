"""The ``overdue`` command line: check policies, decide for accounts, show schedules and diagrams.

Every subcommand reads data (policy files, account JSON/JSONL) and prints text or JSONL; it
never writes to an account store.  Exit codes: 0 success; 1 the command ran but something
failed (a policy with errors, an account that could not be decided, warnings under
``--strict``); 2 the command could not run (bad arguments, an unreadable or invalid policy).
See ``docs/cli.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from importlib import resources
from typing import IO, TYPE_CHECKING, TypeVar

import attrs

from overdue._gc import long_lived_set_aside
from overdue._time import zone
from overdue.account import Account
from overdue.config import (
    Kinds,
    decision_to_dict,
    load_accounts,
    load_policy,
    loads_accounts,
    policy_warnings,
)
from overdue.config.accounts import AccountResult
from overdue.config.checks import account_currencies, currency_warnings
from overdue.config.decisions import error_to_dict, jsonl_line
from overdue.config.limits import check_date
from overdue.decision import Decision
from overdue.diagrams import FORMATS, render
from overdue.engine import TimelineEntry, decide, timeline
from overdue.engine.versions import PolicySet, decide_honouring_versions
from overdue.errors import OverdueError, PolicyFileError, internal_error
from overdue.importers.command import register as _register_import
from overdue.policy import Policy
from overdue.situation import resolve_zone

if TYPE_CHECKING:
    from overdue.engine.debtors import DebtorTimelineEntry

__all__ = ["DEMO_AT", "main"]

DEMO_AT = "2026-03-01T09:00:00+08:00"
"""The moment ``overdue demo`` decides at, so its output is the same on every machine."""

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    """A problem with the command's input that stops it (exit code 2)."""


class _AccountFailedError(Exception):
    """The one account a command works on could not be handled (exit code 1)."""

    def __init__(self, error: OverdueError) -> None:
        super().__init__(str(error))
        self.error = error


# --------------------------------------------------------------------------- helpers


def _parse_at(text: str) -> datetime:
    if text == "now":
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise _UsageError(
            f"--at/--from/--until: {text!r} is not an ISO 8601 timestamp "
            "(e.g. 2026-03-01T09:00:00+08:00)"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise _UsageError(
            f"{text!r} has no offset; overdue never guesses a time zone (add one, e.g. +08:00 or Z)"
        )
    problem = check_date(at)
    if problem is not None:
        raise _UsageError(f"--at/--from/--until: {text!r}: {problem}")
    return at


def _load_policy(path: str) -> Policy:
    try:
        return load_policy(path, kinds=Kinds.default())
    except PolicyFileError as exc:
        raise _UsageError(str(exc)) from None


def _pick_account(path: str, account_id: str | None) -> Account:
    """The one account of *path* (or the one with *account_id*); the file's other lines may be
    damaged without stopping this account (they are not this command's business)."""
    try:
        results = list(load_accounts(path))
    except OSError as exc:
        raise _UsageError(f"{path}: cannot read accounts: {exc.strerror or exc}") from None
    if account_id is not None:
        results = [r for r in results if r.account_id == account_id]
        if not results:
            raise _UsageError(f"{path}: no account with id {account_id!r}")
    if len(results) != 1:
        ids = ", ".join(r.account_id or f"line {r.line}" for r in results[:10])
        raise _UsageError(f"{path} holds {len(results)} accounts; choose one with --id ({ids})")
    r = results[0]
    if r.error is not None:
        raise _UsageError(f"{path}: line {r.line}: {r.error}")
    assert r.account is not None
    return r.account


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_jsonl = jsonl_line  # one JSONL line (line-break characters escaped)


def _clean(text: str) -> str:
    """*text* safe for a terminal: control characters (an ESC starting a colour or cursor
    code, a carriage return that overwrites the line) and lone surrogates escaped."""
    text = _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _later(start: datetime, days: int) -> datetime:
    """*days* after *start*; a length past the calendar's end is a usage error, not a crash."""
    try:
        return start + timedelta(days=days)
    except OverflowError:
        raise _UsageError(f"--days {days} from {start.isoformat()} is past the year 9999") from None


def _local(dt: datetime | None, tz_name: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if dt is None:
        return "-"
    if tz_name is not None:
        dt = dt.astimezone(zone(tz_name))
    return dt.strftime(fmt)


def _table(rows: Sequence[Sequence[str]], out: IO[str]) -> None:
    rows = [[_clean(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


_HEADER = (
    "ACCOUNT", "STATUS", "STAGE", "DAYS", "BALANCE", "NEXT", "WHEN", "ESCALATES", "ASK AGAIN"
)


def _row(d: Decision) -> tuple[str, ...]:
    a = d.next_action
    if a is not None:
        nxt = f"{a.channel} {a.template} {a.attempt}/{a.max_attempts}"
        when = "now" if a.is_due(d.at) else _local(a.not_before, d.zone, "%m-%d %H:%M")
    elif d.blocked:
        b = d.blocked[0]
        nxt, when = f"(blocked: {b.channel} {b.step})", "-"
    else:
        nxt, when = "-", "-"
    return (
        d.account_id,
        d.status,
        d.stage or "-",
        str(d.days_overdue),
        str(d.balance) if d.balance is not None else "-",
        nxt,
        when,
        _local(d.deadline, d.zone, "%m-%d %H:%M"),
        _ask_again(d),
    )


def _ask_again(d: Decision) -> str:
    """When to decide again: the wake time, else the kind of new fact the decision waits for."""
    if d.wake_at is not None:
        return _local(d.wake_at, d.zone, "%m-%d %H:%M")
    if not d.waiting_for:
        return "-"
    # An outcome's code carries the idempotency key: the table says which kind of fact only.
    codes = dict.fromkeys("outcome" if w.startswith("outcome:") else w for w in d.waiting_for)
    return "on " + ", ".join(codes)


class _Progress:
    """A counter on stderr, only when a person is watching it."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.on = bool(getattr(stream, "isatty", lambda: False)())
        self.n = 0

    def tick(self) -> None:
        self.n += 1
        if self.on and self.n % 50 == 0:
            self.stream.write(f"\rdecided {self.n} accounts")
            self.stream.flush()

    def done(self) -> None:
        if self.on and self.n >= 50:
            self.stream.write(f"\rdecided {self.n} accounts\n")
            self.stream.flush()


def _decisions(
    policy: Policy, account: Account, at: datetime, versions: PolicySet | None = None
) -> list[tuple[str | None, Decision]]:
    """The account's decisions, each with its invoice under a per-invoice policy (else None).

    A per-invoice policy (``ladder_per = "invoice"``) gives one decision per unpaid invoice
    (:func:`~overdue.engine.invoices.decide_invoices`), never the account decided as a whole.
    """
    if policy.ladder_per == "invoice":
        from overdue.engine.invoices import decide_invoices

        return [(d.debt_id, d.decision) for d in decide_invoices(policy, account, at).debts]
    return [(None, decide_honouring_versions(policy, account, at, versions=versions))]


# What one account gives ``overdue next``: whether it was decided, its standard output (JSONL
# lines), its line on standard error (a failure) and its table rows.  Made where the account
# is decided (this process or a worker of ``--workers``) and written here, in input order.
_Told = tuple[bool, list[str], str | None, list[tuple[str, ...]]]


def _tell(
    policy: Policy, r: AccountResult, at: datetime, fmt: str, versions: PolicySet | None
) -> _Told:
    """One account read for ``overdue next``, decided and rendered (or its error)."""
    problem: OverdueError | None = r.error
    if r.account is not None:
        # Anything one account raises (a date past year 9999 in the engine's arithmetic, a
        # defect in a host rule) is that account's error record; the batch goes on.
        try:
            decisions = _decisions(policy, r.account, at, versions)
            lines, new_rows = [], []
            for debt_id, decision in decisions:
                if fmt == "jsonl":
                    lines.append(_jsonl(decision_to_dict(decision, debt_id=debt_id)))
                elif debt_id is None:
                    new_rows.append(_row(decision))
                else:
                    first, *rest = _row(decision)
                    new_rows.append((first, debt_id, *rest))
        except OverdueError as exc:
            problem = exc.located(account_id=r.account.id)
        except Exception as exc:
            problem = internal_error(exc, account_id=r.account.id)
        else:
            return True, lines, None, new_rows
    assert problem is not None
    aid = r.account_id or problem.account_id
    said = _clean(f"error: line {r.line}: {problem}") + "\n"
    if fmt == "jsonl":
        return False, [_jsonl(error_to_dict(problem, account_id=aid, line=r.line))], said, []
    row = ("error", "-", "-", "-", problem.what[:60], "-", "-", "-")
    per_invoice = ("-",) if policy.ladder_per == "invoice" else ()
    return False, [], said, [(aid or f"line {r.line}", *per_invoice, *row)]


def _tell_lines(
    policy: Policy,
    at: datetime,
    fmt: str,
    versions: PolicySet | None,
    _start: int,
    records: Sequence[tuple[int, bytes]],
) -> list[_Told]:
    """A chunk of numbered JSONL lines read and told (a ``--workers`` worker's unit of work)."""
    from overdue.portfolio.jsonl import read_line

    return [_tell(policy, read_line(n, raw), at, fmt, versions) for n, raw in records]


def _decide_all(
    policy: Policy,
    results: Iterable[AccountResult],
    at: datetime,
    fmt: str,
    out: IO[str],
    err: IO[str],
    versions: PolicySet | None = None,
) -> int:
    told = (_tell(policy, r, at, fmt, versions) for r in results)
    return _write_told(policy, told, fmt, out, err)


def _write_told(
    policy: Policy, told: Iterable[_Told], fmt: str, out: IO[str], err: IO[str]
) -> int:
    """Write what each account gave, in input order, and the closing count."""
    read = decided = failed = 0
    # Per invoice: one row per unpaid invoice, its id in an INVOICE column.
    per_invoice = policy.ladder_per == "invoice"
    header = (_HEADER[0], "INVOICE", *_HEADER[1:]) if per_invoice else _HEADER
    rows: list[tuple[str, ...]] = [header]
    progress = _Progress(err)
    for ok, lines, said, new_rows in told:
        progress.tick()
        read += 1
        if ok:
            decided += 1
        else:
            failed += 1
            err.write(said or "")
        out.writelines(lines)
        rows.extend(new_rows)
    progress.done()
    if fmt == "table":
        _table(rows, out)
    if failed or progress.on:
        err.write(
            f"{read} account(s) read, {decided} decided; "
            f"{failed} account(s) could not be decided\n"
        )
    return EXIT_FAILED if failed else EXIT_OK


def _timeline_lines(entries: Iterable[TimelineEntry], tz_name: str | None) -> list[str]:
    lines = []
    for e in entries:
        parts = [_local(e.at, tz_name), f"{e.kind:<13}", f"{e.stage or '-':<14}"]
        what = " ".join(x for x in (e.channel, e.template) if x)
        if what:
            parts.append(what)
        if e.detail:
            parts.append(f"({e.detail})")
        lines.append("  ".join(parts).rstrip())
    return lines


def _zone_of(policy: Policy, account: Account) -> str | None:
    return resolve_zone(policy, account)[2]


def _default_start(account: Account, policy: Policy) -> datetime:
    """Where the history ends: the last event, else the first overdue day (local midnight)."""
    if account.events:
        return max(e.at for e in account.events)
    dues = [i.due for i in account.invoices]
    tz = zone(_zone_of(policy, account) or "UTC")
    if not dues:
        return datetime.now(UTC)
    first = min(dues) + timedelta(days=1)
    return datetime(first.year, first.month, first.day, tzinfo=tz)


# --------------------------------------------------------------------------- commands


def _cmd_check(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.requirements is not None:
        from overdue.testing.commands import check_requirements_command

        return check_requirements_command(args, out, err)
    if args.against is not None:
        return _cmd_migration(args, out)
    code = EXIT_OK
    currencies = _currencies_of(args.accounts) if args.accounts is not None else None
    for path in args.policies:
        try:
            policy = load_policy(path, kinds=Kinds.default())
        except PolicyFileError as exc:
            err.write(_clean(str(exc)).replace("\\n  - ", "\n  - ") + "\n")
            code = EXIT_FAILED
            continue
        found = policy_warnings(policy)
        if currencies is not None:
            found += currency_warnings(policy, currencies)
        enabled = len(policy.enabled_stages)
        out.write(
            _clean(
                f"ok  {path}: {policy.id} {policy.version}, {enabled} of {len(policy.stages)} "
                f"stage(s) enabled, {len(policy.rules)} rule(s), {len(found)} warning(s)"
            )
            + "\n"
        )
        for w in found:
            out.write(_clean(f"    warning: {w}") + "\n")
        if policy.ladder_per == "invoice":
            out.write("    info: " + _PER_INVOICE_INFO + "\n")
        if policy.presets:  # what actually applies, for the reviewer who signs it off
            from overdue.presets import render_rule_table

            for line in render_rule_table(policy).splitlines():
                out.write(_clean(f"    {line}") + "\n")
        if found and args.strict:
            code = EXIT_FAILED
    return code


_PER_INVOICE_INFO = (
    "ladder_per = 'invoice': one ladder per unpaid invoice. Honoured by decide_invoices, "
    "debtor_timeline(policy, invoice_debtor(account), ...) and `overdue next` (JSONL, table), "
    "`overdue timeline`, `overdue explain`; refused with a PolicyError per account by decide(), "
    "timeline(), decide_many/decide_batch and the portfolio kernel (decide_table, Parquet "
    "`overdue next`)"
)


def _currencies_of(path: str) -> dict[str, int]:
    """The accounts' currencies for ``check --accounts`` (unreadable lines are skipped)."""
    try:
        return account_currencies(r.account for r in load_accounts(path) if r.account is not None)
    except OSError as exc:
        raise _UsageError(f"{path}: cannot read accounts: {exc.strerror or exc}") from None


def _cmd_migration(args: argparse.Namespace, out: IO[str]) -> int:
    """``check NEW --against OLD --accounts A --at T``: the migration report (docs/versions.md)."""
    from overdue.engine.migration import MigrationRow, migration_report
    from overdue.engine.versions import PolicySet

    if len(args.policies) != 1 or args.accounts is None or args.at is None:
        raise _UsageError("check --against takes one new POLICY, --accounts and --at")
    new, old = _load_policy(args.policies[0]), _load_policy(args.against)
    held = PolicySet.of(*(_load_policy(v) for v in args.versions or ()))
    at = _parse_at(args.at)
    try:
        results = list(load_accounts(args.accounts))
    except OSError as exc:
        raise _UsageError(f"{args.accounts}: cannot read accounts: {exc.strerror or exc}") from None
    good = [r.account for r in results if r.account is not None]
    report = migration_report(new, old, good, at, versions=held)
    decided = iter(report.rows)
    rows = [  # in file order, with the lines that could not be read as error rows
        next(decided)
        if r.account is not None
        else MigrationRow(r.account_id or f"line {r.line}", None, None, error=str(r.error))
        for r in results
    ]
    report = attrs.evolve(report, rows=tuple(rows))
    if args.json:
        out.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write("".join(_clean(line) + "\n" for line in report.render().splitlines()))
    return EXIT_FAILED if report.errors else EXIT_OK


def _cmd_next(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.workers < 1:
        raise _UsageError("--workers must be at least 1")
    policy = _load_policy(args.policy)
    at = _parse_at(args.at)
    versions = _next_versions(args)
    # Parquet on either side (or --previous): the portfolio kernel (docs/scale.md).
    columnar = _columnar_next(args)
    if columnar is not None:
        from overdue.portfolio.commands import run_next

        input_format, output_format = columnar
        with long_lived_set_aside():
            return run_next(
                policy, at, args.accounts, input_format=input_format, output=args.output,
                output_format=output_format, previous=args.previous, out=out, err=err,
                versions=versions, workers=args.workers,
            )  # fmt: skip
    try:
        with long_lived_set_aside():
            return _next_jsonl(policy, args, at, out, err, versions)
    except OSError as exc:
        raise _UsageError(f"{args.accounts}: cannot read accounts: {exc.strerror or exc}") from None


def _next_jsonl(
    policy: Policy,
    args: argparse.Namespace,
    at: datetime,
    out: IO[str],
    err: IO[str],
    versions: PolicySet | None,
) -> int:
    """``next`` on JSONL (or a JSON document) in, JSONL or a table out.

    JSONL lines are read by :mod:`overdue.portfolio.jsonl` (``orjson`` when installed, with
    the standard library's answers); with ``--workers N`` they are read, decided and rendered
    in N processes (:func:`overdue.batch._map_chunks`) and written here in input order: the
    same bytes on both streams, the same exit code, as one process.  A JSON document
    (``.json``) is read whole, in this process.
    """
    from overdue.portfolio.jsonl import jsonl_records, read_line

    records = jsonl_records(args.accounts)
    if records is None:  # a JSON document
        results = load_accounts(args.accounts)
        return _decide_all(policy, results, at, args.format, out, err, versions)
    if args.workers == 1:
        read = (read_line(n, raw) for n, raw in records)
        return _decide_all(policy, read, at, args.format, out, err, versions)
    from overdue.batch import _map_chunks

    work = partial(_tell_lines, policy, at, args.format, versions)
    told = _map_chunks(work, records, workers=args.workers, chunk_size=_CHUNK_LINES)
    return _write_told(policy, told, args.format, out, err)


_CHUNK_LINES = 250
"""JSONL lines per unit of work of ``next --workers``: small enough that the first output comes
soon and the processes stay evenly loaded, large enough that sending a chunk costs little."""


def _next_versions(args: argparse.Namespace) -> PolicySet | None:
    """``next --versions OLD.toml ...``: the older policy versions pinned accounts need; without
    them a ``pin`` account in flight under another version is that account's error
    (``PolicyVersionMissingError``), never decided as ``continue`` (docs/versions.md)."""
    return PolicySet.of(*map(_load_policy, args.versions)) if args.versions else None


def _columnar_next(args: argparse.Namespace) -> tuple[str, str] | None:
    """``(input, output)`` formats when ``next`` runs on the portfolio kernel, else ``None``."""
    def parquet(path: str | None) -> bool:
        if path is None or path == "-":
            return False
        from pathlib import Path

        return Path(path).suffix.lower() in (".parquet", ".pq") or Path(path).is_dir()

    inp = args.input_format if args.input_format != "auto" else (
        "parquet" if parquet(args.accounts) else "jsonl"
    )
    outp = args.output_format if args.output_format != "auto" else (
        "parquet" if parquet(args.output) else args.format
    )
    if inp != "parquet" and outp != "parquet" and args.previous is None and args.output is None:
        return None
    if outp == "table":
        raise _UsageError("--format table is for the terminal; with -o or Parquet use jsonl")
    if outp == "parquet" and args.output is None:
        raise _UsageError("Parquet output needs a file: -o/--output decisions.parquet")
    if args.previous is not None and outp != "parquet":
        raise _UsageError("--previous needs Parquet output (-o decisions.parquet)")
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise _UsageError(
            'Parquet needs pyarrow: pip install "overdue-policy[arrow]"'
        ) from None
    return inp, outp


def _cmd_timeline(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    policy = _load_policy(args.policy)
    account = _pick_account(args.account, args.id)
    start = _parse_at(args.start) if args.start else _default_start(account, policy)
    until = _parse_at(args.until) if args.until else _later(start, args.days)
    if policy.ladder_per == "invoice":
        return _invoice_timeline(args, policy, account, start, until, out)
    entries = _for_account(
        account,
        lambda: timeline(policy, account, start, until, max_decisions=args.max_decisions),
    )
    if args.format == "jsonl":
        _write_entries(entries, _TIMELINE_FIELDS, out)
    else:
        tz = _zone_of(policy, account)
        out.write(
            _clean(
                f"timeline of {account.id} under {policy.id} {policy.version} "
                f"from {_local(start, tz)} to {_local(until, tz)} ({tz or 'UTC'})"
            )
            + "\n"
        )
        for line in _timeline_lines(entries, tz):
            out.write(_clean(line) + "\n")
    if entries.truncated:
        # Said on stderr too, so a pipe that keeps only stdout's JSON lines still warns.
        cut = f"timeline cut short: {entries.cut_reason}"
        if args.format != "jsonl":
            out.write(_clean(cut) + "\n")
        err.write(f"overdue: {_clean(cut)}\n")
    return EXIT_OK


def _invoice_timeline(
    args: argparse.Namespace,
    policy: Policy,
    account: Account,
    start: datetime,
    until: datetime,
    out: IO[str],
) -> int:
    """``timeline`` under a per-invoice policy: every invoice's schedule, one budget."""
    from overdue.engine.debtors import debtor_timeline
    from overdue.engine.invoices import invoice_debtor

    entries = _for_account(
        account,
        lambda: debtor_timeline(
            policy, invoice_debtor(account), start, until, max_decisions=args.max_decisions
        ),
    )
    if args.format == "jsonl":
        _write_entries(entries, _DEBTOR_TIMELINE_FIELDS, out)
        return EXIT_OK
    tz = _zone_of(policy, account)
    out.write(
        _clean(
            f"timeline of {account.id} under {policy.id} {policy.version}, one ladder per "
            f"invoice, from {_local(start, tz)} to {_local(until, tz)} ({tz or 'UTC'})"
        )
        + "\n"
    )
    for e in entries:
        out.write(_clean(e.render()) + "\n")
    return EXIT_OK


# The JSONL fields of ``overdue timeline``, after ``at``: an account's schedule, and one ladder
# per invoice (a debtor's schedule, each line naming its debt).
_TIMELINE_FIELDS = ("kind", "stage", "channel", "template", "attempt", "detail")
_DEBTOR_TIMELINE_FIELDS = ("debt_id", "kind", "stage", "channel", "detail")


def _write_entries(
    entries: Iterable[TimelineEntry | DebtorTimelineEntry], fields: Sequence[str], out: IO[str]
) -> None:
    """One JSON line per schedule entry: its ISO ``at``, then ``fields`` in order."""
    for e in entries:
        row: dict[str, object] = {"at": e.at.isoformat()}
        row.update((name, getattr(e, name)) for name in fields)
        out.write(_jsonl(row))


_T = TypeVar("_T")


def _for_account(account: Account, work: Callable[[], _T]) -> _T:
    """Run one account's work; anything it raises is a located library error (exit 1)."""
    try:
        return work()
    except OverdueError as exc:
        raise _AccountFailedError(exc.located(account_id=account.id)) from None
    except Exception as exc:
        raise _AccountFailedError(internal_error(exc, account_id=account.id)) from None


def _cmd_explain(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    policy = _load_policy(args.policy)
    account = _pick_account(args.account, args.id)
    at = _parse_at(args.at)
    if policy.ladder_per == "invoice":  # one decision per unpaid invoice
        from overdue.engine.invoices import decide_invoices

        dd = _for_account(account, lambda: decide_invoices(policy, account, at))
        if args.format == "json":
            records = [decision_to_dict(d.decision, debt_id=d.debt_id) for d in dd.debts]
            text = json.dumps(records, indent=2, ensure_ascii=False)
        else:
            text = _clean(dd.explain()).replace("\\n", "\n")
        out.write(text + "\n")
        return EXIT_OK
    if args.format == "json":
        text = _for_account(
            account,
            lambda: json.dumps(
                decision_to_dict(decide(policy, account, at)), indent=2, ensure_ascii=False
            ),
        )
    else:
        text = _clean(_for_account(account, lambda: decide(policy, account, at).explain()))
        text = text.replace("\\n", "\n")
    out.write(text + "\n")
    return EXIT_OK


def _cmd_diagram(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    out.write(render(_load_policy(args.policy), args.format))
    return EXIT_OK


def _sample_accounts() -> str:
    return resources.files("overdue").joinpath("data/sample_accounts.jsonl").read_text("utf-8")


def _cmd_demo(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from overdue.reference import REFERENCE_POLICY

    at = _parse_at(args.at)
    policy = REFERENCE_POLICY
    text = _sample_accounts()
    out.write(
        f"overdue demo: the reference policy {policy.id} {policy.version} over "
        f"{len(text.splitlines())} sample accounts at {args.at}\n\n"
    )
    code = _decide_all(policy, loads_accounts(text), at, "table", out, err)
    pick = (
        next(
            r.account
            for r in loads_accounts(text)
            if r.account is not None and r.account.id == args.id
        )
        if any(r.account_id == args.id for r in loads_accounts(text))
        else None
    )
    if pick is None:
        raise _UsageError(f"the sample portfolio has no account {args.id!r}")
    until = _later(at, args.days)
    tz = _zone_of(policy, pick)
    out.write(f"\nprojected timeline of {pick.id} for {args.days} days if nobody answers:\n")
    for line in _timeline_lines(timeline(policy, pick, at, until), tz):
        out.write("  " + line + "\n")
    out.write(
        "\nnext: overdue explain POLICY ACCOUNTS --id ID --at TIME; "
        "overdue diagram POLICY --format mermaid\n"
    )
    return code


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    p = argparse.ArgumentParser(
        prog="overdue",
        description="Debt-escalation policies: check them, decide with them, draw them.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    c = sub.add_parser("check", help="validate policy files and warn about suspicious choices")
    c.add_argument("policies", nargs="+", metavar="POLICY", help="policy files (.toml or .json)")
    c.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    c.add_argument(
        "--requirements",
        metavar="REQ",
        help="requirements file, reviewed policy file or preset name: report what each policy "
        "can be shown to allow that it forbids",
    )
    c.add_argument(
        "--accounts",
        metavar="ACCOUNTS",
        help="accounts .jsonl/.json: warn about balance thresholds in currencies they do not "
        "use; with --against, the accounts the migration report decides",
    )
    # The migration report (issue 13, docs/versions.md): check NEW --against OLD ...
    c.add_argument("--against", metavar="OLD", help="the policy in force: report what NEW "
                   "changes for --accounts at --at")
    c.add_argument("--at", help="ISO 8601 time with offset, or 'now' (--against)")
    c.add_argument("--versions", nargs="*", metavar="POLICY", help="older versions pinned "
                   "accounts may still need (--against)")
    c.add_argument("--json", action="store_true", help="the report as JSON (--against)")
    c.set_defaults(func=_cmd_check)

    n = sub.add_parser("next", help="decide the next step for every account")
    n.add_argument("policy", metavar="POLICY")
    n.add_argument("accounts", metavar="ACCOUNTS", help="accounts .jsonl/.json, or - for stdin")
    n.add_argument("--at", required=True, help="ISO 8601 time with offset, or 'now'")
    n.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    # Parquet in and out, and the wake index (docs/scale.md); needs overdue-policy[arrow].
    n.add_argument("--input-format", choices=("auto", "jsonl", "parquet"), default="auto",
                   help="auto: Parquet for .parquet/.pq files and directories")
    n.add_argument("--output-format", choices=("auto", "jsonl", "table", "parquet"),
                   default="auto", help="auto: Parquet when --output ends in .parquet")
    n.add_argument("-o", "--output", help="write decisions here instead of standard output")
    n.add_argument("--previous", metavar="DECISIONS",
                   help="decisions (Parquet) of the last run: keep those with nothing new")
    n.add_argument("--versions", nargs="+", metavar="POLICY", help="older versions of POLICY "
                   "that accounts pinned to them still need (docs/versions.md)")
    n.add_argument("--workers", type=int, default=1, metavar="N",
                   help="decide in N processes, this one included (default 1); the output is "
                   "the same, in input order (docs/scale.md)")
    n.set_defaults(func=_cmd_next)

    t = sub.add_parser("timeline", help="the projected schedule of one account")
    t.add_argument("policy", metavar="POLICY")
    t.add_argument("account", metavar="ACCOUNT", help="an account .json, or a batch with --id")
    t.add_argument("--id", help="which account of a batch")
    t.add_argument("--from", dest="start", help="start (default: where the history ends)")
    t.add_argument("--until", help="end (default: --days after the start)")
    t.add_argument("--days", type=int, default=180, help="length when --until is not given")
    t.add_argument("--format", choices=("text", "jsonl"), default="text")
    t.add_argument(
        "--max-decisions",
        type=int,
        default=2000,
        help="stop after this many decisions (default 2000); a cut schedule says so",
    )
    t.set_defaults(func=_cmd_timeline)

    e = sub.add_parser("explain", help="the decision for one account, with its reasons")
    e.add_argument("policy", metavar="POLICY")
    e.add_argument("account", metavar="ACCOUNT")
    e.add_argument("--id", help="which account of a batch")
    e.add_argument("--at", required=True, help="ISO 8601 time with offset, or 'now'")
    e.add_argument("--format", choices=("text", "json"), default="text")
    e.set_defaults(func=_cmd_explain)

    d = sub.add_parser("diagram", help="the ladder as a Mermaid or Graphviz diagram")
    d.add_argument("policy", metavar="POLICY")
    d.add_argument("--format", choices=FORMATS, default="mermaid")
    d.set_defaults(func=_cmd_diagram)

    from overdue.testing.commands import add_corpus_command, add_diff_command

    add_diff_command(sub)
    add_corpus_command(sub)  # overdue corpus record|compare (docs/testing.md)

    m = sub.add_parser("demo", help="the reference policy over a bundled sample portfolio")
    m.add_argument("--at", default=DEMO_AT, help=f"decision time (default {DEMO_AT})")
    m.add_argument("--id", default="A-1003", help="the account whose timeline is shown")
    m.add_argument("--days", type=int, default=60, help="timeline length in days")
    m.set_defaults(func=_cmd_demo)

    _register_import(sub)  # overdue import killbill|oca FILE (overdue.importers.command)
    return p


def _version() -> str:
    from overdue import __version__

    return __version__


def _lenient(stream: IO[str]) -> IO[str]:
    """The process's own stream, set to escape what its encoding cannot hold (a lone surrogate
    in an id, any character on an ASCII terminal) instead of raising ``UnicodeEncodeError``."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        # a stream that cannot change now (OSError, ValueError) still prints as it is
        with contextlib.suppress(OSError, ValueError):
            reconfigure(errors="backslashreplace")
    return stream


def main(
    argv: Sequence[str] | None = None, *, out: IO[str] | None = None, err: IO[str] | None = None
) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    out = out if out is not None else _lenient(sys.stdout)
    err = err if err is not None else _lenient(sys.stderr)
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            code: int = args.func(args, out, err)
    except _UsageError as exc:
        err.write(_clean(f"overdue {args.command}: {exc}").replace("\\n  - ", "\n  - ") + "\n")
        return EXIT_USAGE
    except _AccountFailedError as exc:
        err.write(_clean(f"overdue {args.command}: {exc.error}") + "\n")
        return EXIT_FAILED
    except OverdueError as exc:
        err.write(_clean(f"overdue {args.command}: {exc}").replace("\\n  - ", "\n  - ") + "\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    return code
