"""``overdue import killbill|oca FILE``: the command-line face of the importers.

The policy goes to ``-o FILE`` (TOML or JSON by suffix) or, without ``-o``, to standard
output; the approximation report goes to standard error then, so ``> policy.toml`` captures
only the policy.  ``cli.py`` only registers this subcommand.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import IO, Any

from overdue.config.dumper import dump_policy, dumps_policy
from overdue.config.loader import decode_utf8
from overdue.errors import OverdueError
from overdue.importers.killbill import import_killbill
from overdue.importers.oca import import_oca
from overdue.importers.report import ImportResult

__all__ = ["register"]


def _read(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OverdueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return decode_utf8(data, source=path)


def _emit(result: ImportResult, args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    if args.output:
        dump_policy(result.policy, args.output)
        out.write(f"wrote {args.output}\n")
        out.write(result.report())
    else:
        out.write(dumps_policy(result.policy, "toml"))
        err.write(result.report())
    return 0


def _killbill(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    kwargs: dict[str, Any] = {"currency": args.currency}
    if args.policy_id:
        kwargs["policy_id"] = args.policy_id
    return _emit(import_killbill(_read(args.file), **kwargs), args, out, err)


def _oca(args: argparse.Namespace, out: IO[str], err: IO[str]) -> int:
    result = import_oca(
        _read(args.file), policy=args.policy, policy_id=args.policy_id, currency=args.currency
    )
    return _emit(result, args, out, err)


def register(sub: Any) -> None:
    """Add ``import`` (with ``killbill`` and ``oca``) to the ``overdue`` subcommands."""
    imp = sub.add_parser(
        "import", help="translate another system's dunning configuration into a policy"
    )
    kinds = imp.add_subparsers(dest="source", required=True, metavar="SOURCE")
    kb = kinds.add_parser("killbill", help="a Kill Bill overdue.xml")
    kb.add_argument("file", metavar="OVERDUE_XML")
    kb.add_argument(
        "--currency",
        default="USD",
        help="currency of balance thresholds; several as EUR,USD (one threshold per currency)",
    )
    kb.set_defaults(func=_killbill)
    oca = kinds.add_parser("oca", help="an OCA credit-control policy (Odoo data XML export)")
    oca.add_argument("file", metavar="EXPORT_XML")
    oca.add_argument("--policy", help="which policy of the export (record id or name)")
    oca.add_argument(
        "--currency", help="the company's currency, for dunning fees that name none"
    )
    oca.set_defaults(func=_oca)
    for p in (kb, oca):
        p.add_argument("-o", "--output", help="write the policy here (.toml or .json)")
        p.add_argument("--policy-id", help="the imported policy's id")
