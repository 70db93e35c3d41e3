"""The testing kit on the command line: ``overdue check --requirements`` and ``overdue diff``.

Kept here rather than in :mod:`overdue.cli` so the command line only dispatches to it:

- ``overdue check --requirements req.toml policy.toml...`` loads the requirements and reports,
  per policy, what its text can be shown to allow that they forbid (a cap looser than required,
  a hold missing or narrowed, a rung reachable without its authorisation, hours wider), before
  any fuzzing; a requirement may also be a preset name (``--requirements us_reg_f``) or a
  reviewed policy file (``--requirements golden.toml``).
- ``overdue diff --weakenings golden.toml candidate.toml`` lists every way the candidate lets
  through more than the golden policy (:func:`~overdue.testing.weakenings`).
- ``overdue corpus record policy.toml -o before.tsv.gz`` decides a generated corpus of accounts
  and keeps its decisions; ``overdue corpus compare before.tsv.gz policy.toml`` decides them
  again and lists every decision that moved, by policy, moment, account and field
  (:mod:`overdue.testing.corpus`).

All exit 1 when they found something, so a CI step or a pre-merge hook fails on it.

.. versionadded:: 0.2.0
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from overdue.errors import PolicyFileError

if TYPE_CHECKING:
    from overdue.account import Account
    from overdue.policy import Policy

__all__ = [
    "add_corpus_command",
    "add_diff_command",
    "check_requirements_command",
    "load_requirements_arg",
]

_OK, _FOUND = 0, 1


def load_requirements_arg(value: str) -> Any:
    """``--requirements``: a requirements file, a policy file (its requirements), or a preset."""
    from overdue.presets import PRESETS
    from overdue.testing.requirements import load_requirements, requirements_of

    if value in PRESETS:
        return requirements_of(value)
    path = Path(value)
    head = path.read_text(encoding="utf-8")[:4000]
    if "overdue.policy/" in head:
        from overdue.config import load_policy

        return requirements_of(load_policy(path))
    return load_requirements(path)


def check_requirements_command(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    """``overdue check --requirements REQ POLICY...``: static violations per policy."""
    from overdue.config import load_policy
    from overdue.testing.requirements import static_violations

    requirements = load_requirements_arg(args.requirements)
    code = _OK
    for path in args.policies:
        try:
            policy = load_policy(path)
        except PolicyFileError as exc:
            err.write(f"{exc}\n")
            code = _FOUND
            continue
        found = static_violations(requirements, policy)
        mark = "ok  " if not found else "FAIL"
        out.write(
            f"{mark} {path}: {policy.id} {policy.version} against {requirements.id}: "
            f"{len(found)} violation(s)\n"
        )
        for v in found:
            out.write(f"    - {v.message}\n")
        if found:
            code = _FOUND
    return code


def _cmd_diff(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from overdue.config import load_policy
    from overdue.testing.weakenings import weakenings

    golden = load_policy(args.golden)
    candidate = load_policy(args.candidate)
    found = weakenings(golden, candidate)
    out.write(f"{args.candidate} against {args.golden}: {len(found)} weakening(s)\n")
    for w in found:
        out.write(f"  {w.what:<10} {w}\n")
    return _FOUND if found else _OK


def add_diff_command(sub: Any) -> None:
    """Register ``overdue diff`` on the command line's subparsers."""
    d = sub.add_parser("diff", help="what a candidate policy allows that a golden one does not")
    d.add_argument("golden", metavar="GOLDEN", help="the reviewed policy file")
    d.add_argument("candidate", metavar="CANDIDATE", help="the changed policy file")
    d.add_argument(
        "--weakenings",
        action="store_true",
        default=True,
        help="list deleted or narrowed rules, wider windows, higher caps, shorter periods, "
        "removed requires, changed zones, reordered rungs (the default and only report)",
    )
    d.set_defaults(func=_cmd_diff)


# --------------------------------------------------------------------------- overdue corpus

_USAGE = 2


class _CorpusUsageError(Exception):
    """A problem with ``overdue corpus``'s input: reported on stderr, exit code 2."""


def _named_policies(specs: list[str]) -> dict[str, Policy]:
    """``POLICY`` arguments: ``path`` (named by the file's stem) or ``NAME=path``."""
    from overdue.config import load_policy

    out: dict[str, Policy] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec).stem, spec
        try:
            out[name] = load_policy(path)
        except (PolicyFileError, OSError) as exc:
            raise _CorpusUsageError(f"{path}: {exc}") from None
    return out


def _file_accounts(path: str) -> list[Account]:
    from overdue.config.accounts import load_accounts

    try:
        results = list(load_accounts(path))
    except OSError as exc:
        raise _CorpusUsageError(f"{path}: cannot read accounts: {exc}") from None
    bad = [r for r in results if r.account is None]
    if bad:
        raise _CorpusUsageError(f"{path}: line {bad[0].line}: {bad[0].error}")
    return [r.account for r in results if r.account is not None]


def _moment(text: str) -> datetime:
    """An ``--at`` value or a recorded moment; the golden moments keep their named zones."""
    from overdue.testing.corpus import CORPUS_MOMENTS

    known = {m.isoformat(): m for m in CORPUS_MOMENTS}
    try:
        at = known.get(text) or datetime.fromisoformat(text)
    except ValueError:
        raise _CorpusUsageError(f"not an ISO 8601 time: {text!r}") from None
    if at.tzinfo is None:
        raise _CorpusUsageError(f"a moment needs its offset: {text!r}")
    return at


def _cmd_corpus_record(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from overdue.testing.corpus import CORPUS_MOMENTS, GENERATOR_VERSION, generate_accounts
    from overdue.testing.corpus import record_corpus as record

    if args.source:
        accounts, about = _file_accounts(args.source), {"source": "file"}
    else:
        accounts = generate_accounts(args.accounts, args.seed)
        about = {"source": "generated", "seed": str(args.seed),
                 "generator": str(GENERATOR_VERSION)}
    moments = [_moment(t) for t in args.at] if args.at else list(CORPUS_MOMENTS)
    corpus = record(
        _named_policies(args.policies), accounts, moments,
        keep_records=not args.hashes_only, about=about,
    )
    corpus.write(args.output)
    out.write(
        f"{args.output}: {len(corpus):,} decisions ({len(corpus.policies)} policies, "
        f"{len(moments)} moments, {len(accounts):,} accounts)\n"
    )
    return _OK


def _recorded_accounts(about: Mapping[str, str], source: str | None) -> list[Account]:
    """The accounts a recorded corpus was decided on: ``--from``, or its generator's again."""
    from overdue.testing.corpus import GENERATOR_VERSION, generate_accounts

    if source:
        return _file_accounts(source)
    if about.get("source") != "generated":
        raise _CorpusUsageError("the corpus was not recorded from generated accounts: give "
                                "the accounts it was recorded from with --from")
    if about.get("generator") != str(GENERATOR_VERSION):
        raise _CorpusUsageError(f"the corpus's accounts come from generator "
                                f"{about.get('generator')}, this release has {GENERATOR_VERSION}")
    return generate_accounts(int(about["accounts"]), int(about["seed"]))


def _cmd_corpus_compare(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    from overdue.testing.corpus import compare_corpus, read_corpus, record_corpus

    try:
        recorded = read_corpus(args.corpus)
    except (OSError, ValueError, EOFError) as exc:
        raise _CorpusUsageError(f"{args.corpus}: {exc}") from None
    about = recorded.about
    today = record_corpus(
        _named_policies(args.policies),
        _recorded_accounts(about, args.source),
        [_moment(t) for t in recorded.moments],
        keep_records=about.get("records", "0") == "1",
        instants=about.get("instants") == "1",
        about={k: about[k] for k in ("source", "seed", "generator") if k in about},
    )
    result = compare_corpus(recorded, today)
    out.write(result.report(limit=args.limit))
    return _OK if result.ok else _FOUND


_Command = Callable[[argparse.Namespace, IO[str], IO[str]], int]


def _corpus_guarded(run: _Command) -> _Command:
    """Report a usage problem of ``overdue corpus`` on stderr with exit code 2."""

    def guarded(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
        try:
            code = run(args, out, err)
        except _CorpusUsageError as exc:
            err.write(f"overdue corpus {args.corpus_command}: {exc}\n")
            return _USAGE
        return code

    return guarded


def add_corpus_command(sub: Any) -> None:
    """Register ``overdue corpus record|compare`` (the decision corpus, ``docs/testing.md``)."""
    c = sub.add_parser(
        "corpus", help="record many accounts' decisions; compare them after an upgrade"
    )
    verbs = c.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    policies_help = "policy files, each named by its stem, or NAME=FILE"
    r = verbs.add_parser("record", help="decide a corpus of accounts and write it (.tsv.gz)")
    r.add_argument("policies", nargs="+", metavar="POLICY", help=policies_help)
    r.add_argument("-o", "--output", required=True, help="the corpus file to write (.tsv.gz)")
    r.add_argument("--accounts", type=int, default=1000, help="generated accounts (1000)")
    r.add_argument("--seed", type=int, default=20261202, help="the generator's seed")
    r.add_argument("--from", dest="source", metavar="ACCOUNTS",
                   help="decide these accounts (.jsonl/.json) instead of generated ones")
    r.add_argument("--at", action="append", metavar="TIME",
                   help="a moment to decide at (repeatable; default: the corpus's four)")
    r.add_argument("--hashes-only", action="store_true",
                   help="keep only each decision's hash (smaller; a difference then cannot "
                   "name its fields)")
    r.set_defaults(func=_corpus_guarded(_cmd_corpus_record))
    m = verbs.add_parser("compare", help="decide the recorded corpus again; list what moved")
    m.add_argument("corpus", metavar="CORPUS", help="a corpus written by 'overdue corpus record'")
    m.add_argument("policies", nargs="+", metavar="POLICY", help=policies_help + " (the names "
                   "recorded)")
    m.add_argument("--from", dest="source", metavar="ACCOUNTS",
                   help="the accounts the corpus was recorded from, if not generated")
    m.add_argument("--limit", type=int, default=20, help="differences listed (20; 0: none)")
    m.set_defaults(func=_corpus_guarded(_cmd_corpus_compare))
