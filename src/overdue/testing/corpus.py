"""A decision regression corpus: record many accounts' decisions, compare them after a change.

Why: an upgrade of the library or a change of the policy should move exactly the decisions it
means to move.  Requirements and weakenings judge a policy's text; this judges its answers.
Decide a fixed set of accounts (generated from a seed, or your own) under your policies at a
few moments, keep a hash of each decision's JSON (and, by default, the JSON itself), and after
the change decide them again and compare: every decision that moved is listed by policy, moment
and account, with the fields that changed::

    from overdue.testing.corpus import (
        compare_corpus, generate_accounts, read_corpus, record_corpus,
    )

    accounts = generate_accounts(1000)                     # the same in every release
    record_corpus({"ours": policy}, accounts).write("before.tsv.gz")
    # ... upgrade overdue, or edit the policy ...
    result = compare_corpus(read_corpus("before.tsv.gz"), record_corpus({"ours": policy}, accounts))
    print(result.report())
    assert result.ok

The file (``docs/testing.md``, "Decision corpus"): gzip'd UTF-8 text, format 1.  An optional
header of ``#`` lines (``#overdue-decision-corpus<TAB>1``, then ``#key<TAB>value`` lines saying
what was recorded), then one line per decision: ``policy<TAB>now<TAB>account<TAB>hash`` and,
when records are kept, ``<TAB>record``.  ``hash`` is the first 16 hex digits of the sha256 of
``record``, the decision's ``overdue.decision/1`` JSON with sorted keys, less the keys a release
added since format 1 (:data:`ADDED_KEYS`, :data:`ADDED_RECORD_KEYS`), so a corpus recorded with
an older release still compares field for field.  A decision the engine refuses is recorded as
``{"error": ..., "message": ...}``: a refusal that starts or stops is a difference too.
``benchmarks/golden.py`` writes the same format without the header (older copies of it read
every line as four fields).

.. versionadded:: 0.1.0
"""

from __future__ import annotations

import gzip
import hashlib
import json
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

import attrs

from overdue.account import Account
from overdue.engine import decide
from overdue.errors import OverdueError, UsageError
from overdue.policy import Policy
from overdue.testing._corpus_accounts import DEFAULT_SEED, GENERATOR_VERSION, generate_accounts

__all__ = [
    "ABSENT",
    "ADDED_KEYS",
    "ADDED_RECORD_KEYS",
    "CORPUS_MOMENTS",
    "DEFAULT_SEED",
    "FORMAT_VERSION",
    "GENERATOR_VERSION",
    "CorpusComparison",
    "CorpusEntry",
    "CorpusFormatError",
    "DecisionCorpus",
    "DecisionDifference",
    "FieldChange",
    "compare_corpus",
    "corpus_policies",
    "decision_record",
    "field_changes",
    "generate_accounts",
    "iter_entries",
    "read_corpus",
    "record_corpus",
    "record_digest",
]

#: The version of the file format and of the record it hashes (see the module's docstring).
FORMAT_VERSION: Final = 1
_MAGIC: Final = "#overdue-decision-corpus"

_SHANGHAI = ZoneInfo("Asia/Shanghai")
#: The moments the project's golden corpus decides at: a February morning, an April morning
#: and late evening (in Shanghai and in UTC), a May morning in New York.
CORPUS_MOMENTS: Final[tuple[datetime, ...]] = (
    datetime(2026, 2, 20, 9, 30, tzinfo=_SHANGHAI),
    datetime(2026, 4, 1, 10, tzinfo=_SHANGHAI),
    datetime(2026, 4, 1, 23, 15, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 5, 20, 7, 0, tzinfo=ZoneInfo("America/New_York")),
)

#: Keys a release added to the decision record on purpose (additive, ``docs/formats.md``).
#: They are left out of the record so that every field a corpus was recorded with still has to
#: match, and a corpus recorded before them still compares.
ADDED_KEYS: Final[frozenset[str]] = frozenset({"waiting_for"})
#: The same for keys added to the events a decision asks to record (the policy id and version a
#: rung is entered under, on ``StageEntered``).
ADDED_RECORD_KEYS: Final[frozenset[str]] = frozenset({"policy_id", "policy_version"})

#: ``(policy, now, account)``: where a decision sits in a corpus.
CorpusKey = tuple[str, str, str]


class CorpusFormatError(OverdueError, ValueError):
    """A corpus file this release cannot read (a later format, or a damaged line)."""


# --------------------------------------------------------------------------- what is decided


def corpus_policies(*paths: str | PathLike[str]) -> dict[str, Policy]:
    """The policies of ``paths`` (keyed by file stem, in the order given), then the built-ins.

    A directory stands for its ``*.toml`` files in name order.  The built-ins cover the
    library's own paths: the reference ladder (``reference``), with field visits
    (``reference+field_visit``) and stacked with the Chinese, UK, EU and US presets
    (``reference+cn``, ``reference+uk``, ``reference+eu``, ``reference+us``).  The project's
    golden corpus decides under ``corpus_policies("examples/policies")``.
    """
    from overdue.config import load_policy
    from overdue.presets.stacking import with_presets
    from overdue.reference import REFERENCE_POLICY, reference_policy

    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    out: dict[str, Policy] = {f.stem: load_policy(f) for f in files}
    out["reference"] = REFERENCE_POLICY
    out["reference+field_visit"] = reference_policy(field_visit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the stacks' overlap notes, not this module's concern
        out["reference+cn"] = with_presets(
            REFERENCE_POLICY, "cn_nifa_2018", "cn_gbt_2025", "cn_cba_2026"
        )
        out["reference+uk"] = with_presets(REFERENCE_POLICY, "uk_conc7")
        out["reference+eu"] = with_presets(REFERENCE_POLICY, "eu_ccd2_art35")
        out["reference+us"] = with_presets(REFERENCE_POLICY, "us_reg_f", "us_state_ma")
    return out


def _as_instants(value: object) -> object:
    """Every ISO timestamp in a record rewritten in UTC, to tell zone changes from others."""
    if isinstance(value, dict):
        return {k: _as_instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            return value
    return value


def decision_record(
    policy: Policy, account: Account, now: datetime, *, instants: bool = False
) -> str:
    """The decision as canonical JSON (sorted keys), without the keys added since format 1.

    ``instants``: timestamps rewritten in UTC, so a comparison can show that the only
    differences are of offset.  A refusal (any exception) is recorded as its type and message.
    """
    from overdue.config.decisions import decision_to_dict

    try:
        d = decision_to_dict(decide(policy, account, now))
    except Exception as exc:  # the corpus records refusals too: a change there is a difference
        return json.dumps({"error": type(exc).__name__, "message": str(exc)}, sort_keys=True)
    for key in ADDED_KEYS:
        d.pop(key, None)
    for event in d.get("record", ()):
        for key in ADDED_RECORD_KEYS:
            event.pop(key, None)
    value: object = _as_instants(d) if instants else d
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def record_digest(record: str) -> str:
    """A short sha256 of a record: 64 bits is plenty to tell two decisions apart."""
    return hashlib.sha256(record.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the corpus


@attrs.frozen
class CorpusEntry:
    """One decision of a corpus: where it sits, its hash and (if kept) its record."""

    policy: str
    now: str
    account: str
    digest: str
    record: str | None = None

    @property
    def key(self) -> CorpusKey:
        """``(policy, now, account)``: what a comparison matches entries on."""
        return (self.policy, self.now, self.account)


def _check_field(kind: str, value: str) -> None:
    """Refuse a name the line format cannot hold, rather than write a file that reads wrong."""
    if "\t" in value or "\n" in value or "\r" in value:
        raise UsageError(
            f"corpus: a {kind} cannot hold a tab or a line break: {value!r}",
            expected=f"a {kind} without tabs or line breaks",
        )
    if kind == "policy name" and value.startswith("#"):
        raise UsageError(
            f"corpus: a policy name cannot start with '#': {value!r}",
            expected="a policy name that does not start with '#' (header lines do)",
        )


@attrs.frozen
class DecisionCorpus:
    """Recorded decisions, in the order they were made (policy, then moment, then account).

    ``about`` is what the header says: ``overdue`` (the release that recorded), ``record``
    (the record version), ``instants``, ``records`` (whether records are kept) and whatever the
    caller added (``seed``, ``accounts``...).  A file without a header has an empty ``about``.
    """

    entries: Mapping[CorpusKey, CorpusEntry]
    about: Mapping[str, str] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[CorpusEntry]:
        return iter(self.entries.values())

    @property
    def policies(self) -> tuple[str, ...]:
        """The policy names, in recording order."""
        return tuple(dict.fromkeys(k[0] for k in self.entries))

    @property
    def moments(self) -> tuple[str, ...]:
        """The moments (ISO 8601), in recording order."""
        return tuple(dict.fromkeys(k[1] for k in self.entries))

    @property
    def accounts(self) -> tuple[str, ...]:
        """The account ids, in recording order."""
        return tuple(dict.fromkeys(k[2] for k in self.entries))

    def summary(self) -> list[str]:
        """One combined hash per account and per (policy, now): a form small enough for git.

        ``account<TAB>id<TAB>hash`` lines, then ``cell<TAB>policy|now<TAB>hash`` lines.  A
        difference names the account and the cell it shows under; the full corpus (or the
        decisions themselves) then tells which decisions and fields.
        """
        per_account: dict[str, Any] = {}
        per_cell: dict[str, Any] = {}
        for (p, t, a), entry in self.entries.items():
            h = entry.digest.encode()
            per_account.setdefault(a, hashlib.sha256()).update(h)
            per_cell.setdefault(f"{p}|{t}", hashlib.sha256()).update(h)
        lines = [f"account\t{a}\t{x.hexdigest()[:16]}" for a, x in per_account.items()]
        lines += [f"cell\t{c}\t{x.hexdigest()[:16]}" for c, x in per_cell.items()]
        return lines

    def lines(self, *, header: bool = True) -> Iterator[str]:
        """The file's lines, each ending in a line break (what :meth:`write` writes)."""
        if header:
            yield f"{_MAGIC}\t{FORMAT_VERSION}\n"
            for key, value in self.about.items():
                _check_field("header key", key)
                _check_field("header value", value)
                yield f"#{key}\t{value}\n"
        for e in self.entries.values():
            _check_field("policy name", e.policy)
            _check_field("account id", e.account)
            fields = [e.policy, e.now, e.account, e.digest]
            if e.record is not None:
                fields.append(e.record)
            yield "\t".join(fields) + "\n"

    def write(self, path: str | PathLike[str], *, header: bool = True) -> None:
        """Write the corpus as gzip'd TSV (format 1).

        ``header=False`` leaves out the ``#`` lines, for readers of the headerless files
        ``benchmarks/golden.py`` has always written.
        """
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.writelines(self.lines(header=header))


def iter_entries(
    policies: Mapping[str, Policy],
    accounts: Sequence[Account],
    moments: Iterable[datetime] = CORPUS_MOMENTS,
    *,
    keep_records: bool = True,
    instants: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Iterator[CorpusEntry]:
    """Decide every account under every policy at every moment, one entry at a time."""
    stamps = [(now, now.isoformat()) for now in moments]
    for name, policy in policies.items():
        if progress is not None:
            progress(name)
        for now, stamp in stamps:
            for acct in accounts:
                text = decision_record(policy, acct, now, instants=instants)
                yield CorpusEntry(
                    name, stamp, acct.id, record_digest(text), text if keep_records else None
                )


def record_corpus(
    policies: Policy | Mapping[str, Policy],
    accounts: Iterable[Account],
    moments: Iterable[datetime] = CORPUS_MOMENTS,
    *,
    keep_records: bool = True,
    instants: bool = False,
    about: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> DecisionCorpus:
    """Decide ``accounts`` under each policy at each moment, and keep what was decided.

    ``policies``: a name per policy (the name is what a later comparison matches on: keep it
    when the policy file changes); a single policy is named by its ``id``.  ``keep_records``:
    keep each decision's JSON, so a comparison can say which fields moved (about 2 kB a
    decision, some 70 bytes once compressed); without it only the hashes are kept.
    ``about``: more header lines (say, the seed the accounts came from).  ``progress`` is
    called with each policy name as its decisions start.
    """
    named = {policies.id: policies} if isinstance(policies, Policy) else dict(policies)
    accts = list(accounts)
    moments = list(moments)
    _check_inputs(accts, moments)
    from overdue import __version__

    header = {
        "overdue": __version__,
        "record": str(FORMAT_VERSION),
        "instants": "1" if instants else "0",
        "records": "1" if keep_records else "0",
        "accounts": str(len(accts)),
        **(about or {}),
    }
    entries = iter_entries(
        named, accts, moments, keep_records=keep_records, instants=instants, progress=progress
    )
    return DecisionCorpus({e.key: e for e in entries}, header)


def _check_inputs(accounts: Sequence[Account], moments: Sequence[datetime]) -> None:
    """Refuse what would make a corpus quietly wrong: two accounts under one id (one would
    hide the other) or a moment without an offset (every decision would be a refusal)."""
    seen: set[str] = set()
    for acct in accounts:
        if acct.id in seen:
            raise UsageError(
                f"record_corpus: two accounts have the id {acct.id!r}",
                account_id=acct.id,
                expected="one account per id",
            )
        seen.add(acct.id)
    for now in moments:
        if now.tzinfo is None or now.utcoffset() is None:
            raise UsageError(
                f"record_corpus: a moment needs a time zone: {now.isoformat()}",
                expected="aware datetimes (with a tzinfo) as moments",
            )


def _entry(line: str, number: int, path: object) -> CorpusEntry:
    fields = line.rstrip("\n").split("\t")
    if len(fields) not in (4, 5):
        raise CorpusFormatError(
            f"{path}:{number}: {len(fields)} fields, a corpus line has 4 or 5 "
            "(policy, now, account, hash[, record])"
        )
    return CorpusEntry(*fields)


def read_corpus(path: str | PathLike[str]) -> DecisionCorpus:
    """Read a corpus file (format 1, with or without its header).

    Raises :class:`CorpusFormatError` for a file of a later format or a damaged line.
    """
    about: dict[str, str] = {}
    entries: dict[CorpusKey, CorpusEntry] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.startswith("#"):
                key, _, value = line[1:].rstrip("\n").partition("\t")
                if number == 1 and "#" + key == _MAGIC and value != str(FORMAT_VERSION):
                    raise CorpusFormatError(
                        f"{path}: corpus format {value}; this release reads format "
                        f"{FORMAT_VERSION}: compare with the release that wrote it"
                    )
                if "#" + key != _MAGIC:
                    about[key] = value
                continue
            entry = _entry(line, number, path)
            entries[entry.key] = entry
    return DecisionCorpus(entries, about)


# --------------------------------------------------------------------------- comparing


class _Absent:
    """A key or list item that one side of a field change does not have."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Final = _Absent()


@attrs.frozen
class FieldChange:
    """One field of a decision record that moved: ``stage``, ``actions[0].at``, ...

    ``before`` or ``after`` is :data:`ABSENT` where that side has no such key or item.
    """

    field: str
    before: object
    after: object

    @property
    def kind(self) -> str:
        """The field with list positions left out (``actions[].at``), to count alike changes."""
        out, depth = [], 0
        for ch in self.field:
            if ch == "[":
                depth += 1
                out.append("[]")
            elif ch == "]":
                depth -= 1
            elif depth == 0:
                out.append(ch)
        return "".join(out)

    def __str__(self) -> str:
        return f"{self.field}: {_shown(self.before)} -> {_shown(self.after)}"


def _shown(value: object, width: int = 100) -> str:
    text = repr(value) if value is ABSENT else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def field_changes(before: object, after: object, field: str = "") -> list[FieldChange]:
    """Every leaf where two JSON values differ, keys in sorted order, list items by position."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[FieldChange] = []
        for key in sorted(before.keys() | after.keys()):
            sub = f"{field}.{key}" if field else str(key)
            out += field_changes(before.get(key, ABSENT), after.get(key, ABSENT), sub)
        return out
    if isinstance(before, list) and isinstance(after, list):
        out = []
        for i in range(max(len(before), len(after))):
            b = before[i] if i < len(before) else ABSENT
            a = after[i] if i < len(after) else ABSENT
            out += field_changes(b, a, f"{field}[{i}]")
        return out
    if type(before) is type(after) and before == after:
        return []
    return [FieldChange(field or "(record)", before, after)]


@attrs.frozen
class DecisionDifference:
    """A decision that moved: where (policy, now, account), its two records and the fields.

    ``changes`` is empty when either side was recorded without records (hashes only): the
    decision moved, but which fields cannot be told from the file.
    """

    policy: str
    now: str
    account: str
    before: CorpusEntry
    after: CorpusEntry
    changes: tuple[FieldChange, ...]

    @property
    def explained(self) -> bool:
        """Whether both records were kept, so :attr:`changes` says what moved."""
        return self.before.record is not None and self.after.record is not None

    def __str__(self) -> str:
        head = f"policy {self.policy}, now {self.now}, account {self.account}"
        if not self.explained:
            return f"{head}: hash {self.before.digest} -> {self.after.digest} (no records kept)"
        return "\n".join([head, *(f"  {c}" for c in self.changes)])


@attrs.frozen
class CorpusComparison:
    """What moved between a recorded corpus and another (usually today's decisions).

    ``differences``: decisions in both whose hashes differ; ``missing``: recorded decisions
    the other corpus does not have; ``extra``: decisions it has that were not recorded.  Each in
    the other corpus's order (missing: the recorded order).
    """

    before: DecisionCorpus
    after: DecisionCorpus
    differences: tuple[DecisionDifference, ...]
    missing: tuple[CorpusKey, ...]
    extra: tuple[CorpusKey, ...]

    @property
    def ok(self) -> bool:
        """Nothing moved, nothing missing, nothing extra."""
        return not (self.differences or self.missing or self.extra)

    @property
    def compared(self) -> int:
        """How many decisions both corpora have."""
        return len(self.after) - len(self.extra)

    def field_counts(self) -> Counter[str]:
        """How many differing decisions each kind of field moved in (``actions[].at``: 12)."""
        counts: Counter[str] = Counter()
        for d in self.differences:
            counts.update({c.kind for c in d.changes})
        return counts

    def report(self, limit: int | None = 20) -> str:
        """A readable report: the counts, the fields that moved, then each difference.

        ``limit``: how many differences (and missing, extra entries) to list; ``None``: all.
        """
        return "\n".join(_report_lines(self, limit)) + "\n"


def compare_corpus(recorded: DecisionCorpus, today: DecisionCorpus) -> CorpusComparison:
    """Compare a recorded corpus with another one (today's decisions, or a second file).

    Both should come from the same accounts, policy names and moments; whatever one has and
    the other has not is listed as missing or extra rather than compared.
    """
    differences: list[DecisionDifference] = []
    extra: list[CorpusKey] = []
    before = recorded.entries
    for key, now in today.entries.items():
        was = before.get(key)
        if was is None:
            extra.append(key)
        elif was.digest != now.digest:
            differences.append(_difference(was, now))
    missing = tuple(k for k in before if k not in today.entries)
    return CorpusComparison(recorded, today, tuple(differences), missing, tuple(extra))


def _difference(was: CorpusEntry, now: CorpusEntry) -> DecisionDifference:
    changes: list[FieldChange] = []
    if was.record is not None and now.record is not None:
        changes = field_changes(json.loads(was.record), json.loads(now.record))
    return DecisionDifference(was.policy, was.now, was.account, was, now, tuple(changes))


def _listed(title: str, keys: Sequence[CorpusKey], limit: int | None) -> list[str]:
    if not keys:
        return []
    shown = keys if limit is None else keys[:limit]
    lines = ["", f"{title} ({len(keys):,}):"]
    lines += [f"  policy {p}, now {t}, account {a}" for p, t, a in shown]
    if len(shown) < len(keys):
        lines.append(f"  ... and {len(keys) - len(shown):,} more")
    return lines


def _report_lines(result: CorpusComparison, limit: int | None) -> list[str]:
    lines = [
        f"decision corpus: {len(result.differences):,} of {result.compared:,} decisions differ, "
        f"{len(result.missing):,} missing, {len(result.extra):,} extra"
    ]
    for side, corpus in (("recorded", result.before), ("compared", result.after)):
        about = ", ".join(f"{k} {v}" for k, v in corpus.about.items())
        lines.append(f"{side}: {len(corpus):,} decisions ({about or 'no header'})")
    if set(result.before.policies) != set(result.after.policies):
        lines.append(
            f"policy names differ: recorded {', '.join(result.before.policies) or '-'}; "
            f"compared {', '.join(result.after.policies) or '-'}"
        )
    counts = result.field_counts()
    if counts:
        lines += ["", "fields that moved (decisions):"]
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # ties by name
        lines += [f"  {kind}: {n:,}" for kind, n in ranked]
    shown = result.differences if limit is None else result.differences[:limit]
    for d in shown:
        lines += ["", str(d)]
    if len(shown) < len(result.differences):
        more = len(result.differences) - len(shown)
        lines += ["", f"... and {more:,} more differences"]
    lines += _listed("missing (recorded, not decided now)", result.missing, limit)
    lines += _listed("extra (decided now, not recorded)", result.extra, limit)
    return lines
