"""The golden corpus: decision JSON for a fixed, generated portfolio, hashed per account.

Why: the engine is being restructured for speed.  The only honest proof that the answers did
not move is to decide the same accounts under the same policies at the same moments before and
after, and compare the records byte for byte.  The records are large, so only a short sha256 of
each decision's JSON is kept (``policy<TAB>now<TAB>account<TAB>hash`` lines, gzip'd, outside
git); to see what a differing decision was before a change, run this script at the older commit
(``git worktree add /tmp/old <commit>``) with ``--show``.

Usage::

    python benchmarks/golden.py --write /tmp/golden-before.tsv.gz           # 20,000 accounts
    python benchmarks/golden.py --compare /tmp/golden-before.tsv.gz         # names differences
    python benchmarks/golden.py --show 'reference|2026-04-01T10:00:00+08:00|ACC-000123'

The accounts: most follow the reference ladder (the benchmark's generator: stage entries,
contacts with outcomes, payments, disputes, inbound contacts), a share of them with one more
seeded fact on top (a promise, a plan, a hold, a cease, an opt-out, a waiver, an authorisation,
a write-off, a debtor's own contact, a fact, a full payment); the rest are the simulator's
fresh single-invoice accounts.  ``tests/test_golden.py`` checks a 500-account subset in CI.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import warnings
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs

from overdue import REFERENCE_POLICY, Account, Money, decide
from overdue.config import load_policy
from overdue.config.decisions import decision_to_dict
from overdue.events import (
    AuthorisationGranted,
    CeaseRequested,
    ConsentWaiver,
    DebtorContacted,
    Event,
    FactSet,
    ManualHold,
    OptedOut,
    PaymentPlanAgreed,
    PaymentReceived,
    PromiseToPay,
    WrittenOff,
)
from overdue.policy import Policy
from overdue.presets.stacking import with_presets
from overdue.reference import reference_policy
from overdue.simulate import generate_portfolio

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from bench_decide import make_account  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_ = ZoneInfo("UTC")
NOWS = (
    datetime(2026, 2, 20, 9, 30, tzinfo=SHANGHAI),
    datetime(2026, 4, 1, 10, tzinfo=SHANGHAI),
    datetime(2026, 4, 1, 23, 15, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 5, 20, 7, 0, tzinfo=ZoneInfo("America/New_York")),
)

# Keys a later change added to the decision record on purpose (additive, documented in
# docs/formats.md).  They are left out of the hash so that every field the corpus was recorded
# with still has to match byte for byte.
ADDED_KEYS: frozenset[str] = frozenset({"waiting_for"})
# The same for keys added to the events a decision asks to record (issue 13: the policy id and
# version a rung is entered under, on ``StageEntered``).
ADDED_RECORD_KEYS: frozenset[str] = frozenset({"policy_id", "policy_version"})


def policies() -> dict[str, Policy]:
    """Every example policy, the reference policy with and without field visits, and stacks."""
    out: dict[str, Policy] = {}
    for path in sorted((ROOT / "examples" / "policies").glob("*.toml")):
        out[path.stem] = load_policy(path)
    out["reference"] = REFERENCE_POLICY
    out["reference+field_visit"] = reference_policy(field_visit=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["reference+cn"] = with_presets(
            REFERENCE_POLICY, "cn_nifa_2018", "cn_gbt_2025", "cn_cba_2026"
        )
        out["reference+uk"] = with_presets(REFERENCE_POLICY, "uk_conc7")
        out["reference+eu"] = with_presets(REFERENCE_POLICY, "eu_ccd2_art35")
        out["reference+us"] = with_presets(REFERENCE_POLICY, "us_reg_f", "us_state_ma")
    return out


def _extra(i: int, account: Account, rng: random.Random) -> Account:
    """One more seeded fact on top of a ladder history, so the rarer paths are decided too."""
    if not account.events:
        return account
    last = account.events[-1].at
    first = account.events[0].at
    at = first + (last - first) * rng.random()
    tz = at.tzinfo
    choice = rng.randrange(12)
    ev: list[Event] = []
    if choice == 0:
        ev.append(PromiseToPay(at=at, amount=Money("50", "CNY"), by=at.date() + timedelta(days=9)))
    elif choice == 1:
        ev.append(PaymentPlanAgreed(at=at, plan_id=f"P{i}"))
    elif choice == 2:
        until = at + timedelta(days=rng.randint(1, 30))
        ev.append(ManualHold(at=at, reason="checking", until=until))
    elif choice == 3:
        ev.append(CeaseRequested(at=at, channels=rng.choice((None, ("phone",)))))
    elif choice == 4:
        ev.append(OptedOut(at=at, channel=rng.choice(("sms", "email"))))
    elif choice == 5:
        ev.append(ConsentWaiver(at=at, rule_id=rng.choice(("contact_hours", "phone_daily_cap"))))
    elif choice == 6:
        for name in ("field_visit", "legal_review", "judgment")[: rng.randint(1, 3)]:
            ev.append(AuthorisationGranted(at=at, authorisation=name, staff=2))
    elif choice == 7:
        ev.append(WrittenOff(at=at, reason="uneconomic"))
    elif choice == 8:
        ev.append(DebtorContacted(at=at, channel=rng.choice(("sms", "phone"))))
    elif choice == 9:
        ev.append(FactSet(at=at, name="bankruptcy", until=at + timedelta(days=20)))
    elif choice == 10:
        ev.append(PaymentReceived(at=at, amount=Money("100000", "CNY")))
    else:
        by = at.astimezone(tz).date() + timedelta(days=3)
        ev.append(PromiseToPay(at=at, amount=Money("100000", "CNY"), by=by))
    events = sorted((*account.events, *ev), key=lambda e: e.at)
    return attrs.evolve(account, events=tuple(events))


def accounts(n: int, seed: int = 20261202) -> list[Account]:
    """``n`` accounts from a fixed seed: 80% ladder histories (40% of those with an extra fact)."""
    rng = random.Random(seed)
    n_ladder = n * 4 // 5
    out: list[Account] = []
    for i in range(n_ladder):
        acct = make_account(i, rng)
        if rng.random() < 0.4:
            acct = _extra(i, acct, rng)
        out.append(acct)
    out.extend(
        generate_portfolio(
            n - n_ladder,
            due_between=(date(2026, 1, 1), date(2026, 5, 1)),
            seed=seed,
        )
    )
    return out


INSTANTS = False  # --instants: timestamps compared as instants (their offsets ignored)


def _as_instants(value: object) -> object:
    """Every ISO timestamp in a record rewritten in UTC, to tell zone changes from others."""
    if isinstance(value, dict):
        return {k: _as_instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 25 and value[10:11] == "T":
        try:
            return datetime.fromisoformat(value).astimezone(UTC_)
        except ValueError:
            return value
    return value


def record(policy: Policy, account: Account, now: datetime) -> str:
    """The decision as canonical JSON (sorted keys), without the keys added since recording."""
    try:
        d = decision_to_dict(decide(policy, account, now))
    except Exception as exc:  # the corpus records refusals too: a change there is a difference
        return json.dumps({"error": type(exc).__name__, "message": str(exc)}, sort_keys=True)
    for key in ADDED_KEYS:
        d.pop(key, None)
    for event in d.get("record", ()):
        for key in ADDED_RECORD_KEYS:
            event.pop(key, None)
    if INSTANTS:
        d = _as_instants(d)  # type: ignore[assignment]
    return json.dumps(d, sort_keys=True, ensure_ascii=False, default=str)


def digest(text: str) -> str:
    """A short sha256: 64 bits is plenty to tell two decisions apart."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def corpus(
    n: int, progress: Callable[[str], None] | None = None
) -> Iterator[tuple[str, str, str, str]]:
    """``(policy, now, account, hash)`` for every account under every policy at every now."""
    pols = policies()
    accts = accounts(n)
    for name, policy in pols.items():
        if progress is not None:
            progress(name)
        for now in NOWS:
            stamp = now.isoformat()
            for acct in accts:
                yield name, stamp, acct.id, digest(record(policy, acct, now))


CI_ACCOUNTS = 500
CI_EXPECTED = ROOT / "tests" / "golden_expected.txt"


def summary(n: int = CI_ACCOUNTS) -> list[str]:
    """One combined hash per account and per (policy, now): the compact form CI compares.

    A difference names the account and the policy and moment it shows under; ``--compare``
    on the full corpus (or ``--show``) then gives the records themselves.
    """
    per_account: dict[str, hashlib._Hash] = {}
    per_cell: dict[str, hashlib._Hash] = {}
    for p, t, a, h in corpus(n):
        per_account.setdefault(a, hashlib.sha256()).update(h.encode())
        per_cell.setdefault(f"{p}|{t}", hashlib.sha256()).update(h.encode())
    lines = [f"account\t{a}\t{x.hexdigest()[:16]}" for a, x in per_account.items()]
    lines += [f"cell\t{c}\t{x.hexdigest()[:16]}" for c, x in per_cell.items()]
    return lines


def _read(path: Path) -> dict[tuple[str, str, str], str]:
    out: dict[tuple[str, str, str], str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            p, t, a, h = line.rstrip("\n").split("\t")
            out[(p, t, a)] = h
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--write", type=Path, help="write the hashes here (.tsv.gz)")
    parser.add_argument("--compare", type=Path, help="compare with hashes written before")
    parser.add_argument("--show", help="print one record: 'policy|now|account'")
    parser.add_argument(
        "--instants",
        action="store_true",
        help="hash timestamps as instants, to check that differences are only of zone",
    )
    parser.add_argument(
        "--write-ci", action="store_true", help=f"rewrite {CI_EXPECTED.name} (500 accounts)"
    )
    args = parser.parse_args(argv)
    global INSTANTS
    INSTANTS = args.instants

    if args.show:
        name, stamp, acct_id = args.show.split("|")
        acct = next(a for a in accounts(args.accounts) if a.id == acct_id)
        print(record(policies()[name], acct, datetime.fromisoformat(stamp)))
        return 0

    if args.write_ci:
        CI_EXPECTED.write_text("\n".join(summary()) + "\n", encoding="utf-8")
        return 0

    def say(name: str) -> None:
        print(f"  deciding under {name}", file=sys.stderr)

    rows = list(corpus(args.accounts, say))
    print(f"{len(rows):,} decisions", file=sys.stderr)
    if args.write:
        with gzip.open(args.write, "wt", encoding="utf-8") as fh:
            for row in rows:
                fh.write("\t".join(row) + "\n")
    if args.compare:
        before = _read(args.compare)
        diff = [(p, t, a) for p, t, a, h in rows if before.get((p, t, a)) != h]
        missing = len(before) - sum(1 for p, t, a, _ in rows if (p, t, a) in before)
        print(f"{len(diff):,} of {len(rows):,} decisions differ; {missing} missing")
        for p, t, a in diff:
            print(f"{p}|{t}|{a}")
        return 1 if diff or missing else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
