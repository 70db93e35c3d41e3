"""The decision corpus (``overdue.testing.corpus``): generate, record, write, read, compare.

A corpus is only worth keeping if (1) the same seed gives the same accounts in every release,
(2) the file reads back exactly as written, in both its forms (with the header, and the
headerless one ``benchmarks/golden.py`` has always written), and (3) a changed policy shows as
differences named by policy, moment, account and field, while an unchanged one shows none.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from overdue.config import loads_policy
from overdue.config.accounts import account_to_dict
from overdue.reference import REFERENCE_POLICY
from overdue.testing.corpus import (
    ABSENT,
    CORPUS_MOMENTS,
    CorpusEntry,
    CorpusFormatError,
    DecisionCorpus,
    FieldChange,
    compare_corpus,
    corpus_policies,
    decision_record,
    field_changes,
    generate_accounts,
    read_corpus,
    record_corpus,
    record_digest,
)

ROOT = Path(__file__).resolve().parents[2]
MY_POLICY = (ROOT / "examples" / "policy_tests" / "my_policy.toml").read_text(encoding="utf-8")
ACCOUNTS = generate_accounts(40)


def _accounts_hash(n: int, seed: int) -> str:
    h = hashlib.sha256()
    for account in generate_accounts(n, seed):
        h.update(json.dumps(account_to_dict(account), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def test_the_generator_gives_the_same_accounts_in_every_release() -> None:
    """Pinned: a change here moves every corpus ever recorded (bump GENERATOR_VERSION instead,
    or, if the account format itself gained a field, re-pin and say so in the changelog)."""
    assert _accounts_hash(300, 20261202) == "e4bd693273fe9ccf"
    assert _accounts_hash(300, 7) == "c8047875a8cb1dea"


def test_the_generator_mixes_ladder_histories_and_fresh_accounts() -> None:
    accounts = generate_accounts(50)
    assert [a.id for a in accounts[:2]] == ["ACC-000000", "ACC-000001"]
    assert sum(a.id.startswith("ACC-") for a in accounts) == 40
    assert sum(a.id.startswith("SIM-") for a in accounts) == 10
    assert generate_accounts(0) == []
    with pytest.raises(ValueError, match="0 or more"):
        generate_accounts(-1)


def test_corpus_policies_reads_files_and_directories_then_adds_the_built_ins() -> None:
    policies = corpus_policies(ROOT / "examples" / "policies")
    assert list(policies)[:3] == ["european_three_reminders", "seed_platform", "us_creditor_hours"]
    assert list(policies)[3:] == [
        "reference", "reference+field_visit", "reference+cn", "reference+uk", "reference+eu",
        "reference+us",
    ]  # fmt: skip
    one = ROOT / "examples" / "policies" / "seed_platform.toml"
    assert next(iter(corpus_policies(one))) == "seed_platform"


def test_a_record_hashes_the_decision_json_without_the_keys_added_since_format_1() -> None:
    now = CORPUS_MOMENTS[1]
    text = decision_record(REFERENCE_POLICY, ACCOUNTS[3], now)
    data = json.loads(text)
    assert data["schema"] == "overdue.decision/1"
    assert "waiting_for" not in data
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False)
    assert record_digest(text) == hashlib.sha256(text.encode()).hexdigest()[:16]
    utc = json.loads(decision_record(REFERENCE_POLICY, ACCOUNTS[3], now, instants=True))
    assert utc["at"] == "2026-04-01 02:00:00+00:00"


def test_unchanged_policy_and_accounts_compare_equal(tmp_path: Path) -> None:
    recorded = record_corpus({"ours": loads_policy(MY_POLICY)}, ACCOUNTS)
    assert len(recorded) == len(ACCOUNTS) * len(CORPUS_MOMENTS)
    recorded.write(tmp_path / "before.tsv.gz")
    result = compare_corpus(
        read_corpus(tmp_path / "before.tsv.gz"),
        record_corpus({"ours": loads_policy(MY_POLICY)}, ACCOUNTS),
    )
    assert result.ok
    assert result.compared == len(recorded)
    assert result.report().startswith(
        f"decision corpus: 0 of {len(recorded)} decisions differ, 0 missing, 0 extra\n"
    )


def test_a_changed_policy_shows_every_moved_decision_with_its_fields(tmp_path: Path) -> None:
    """The formal notice's grace shortened from 14 days to 7: deadlines and wake-ups move, and
    some accounts finish the rung sooner; each difference is named and explained."""
    before = record_corpus({"ours": loads_policy(MY_POLICY)}, ACCOUNTS)
    before.write(tmp_path / "before.tsv.gz")
    changed = loads_policy(MY_POLICY.replace('grace = "14d"', 'grace = "7d"'))
    after = record_corpus({"ours": changed}, ACCOUNTS)
    result = compare_corpus(read_corpus(tmp_path / "before.tsv.gz"), after)

    assert not result.ok
    assert not result.missing
    assert not result.extra
    moved = {(d.policy, d.now, d.account) for d in result.differences}
    # exactly the decisions whose JSON differs, and nothing else
    assert moved == {
        k for k, e in after.entries.items() if e.record != before.entries[k].record
    }
    assert 0 < len(moved) < len(after)
    for d in result.differences:
        assert d.explained
        assert d.changes
        was, now = json.loads(d.before.record or ""), json.loads(d.after.record or "")
        for change in d.changes:
            assert change.before != change.after
        assert {c.field.split("[")[0].split(".")[0] for c in d.changes} == {
            k for k in was.keys() | now.keys() if was.get(k) != now.get(k)
        }
    assert result.field_counts()["deadline"] > 0

    report = result.report(limit=2)
    first = result.differences[0]
    assert f"policy ours, now {first.now}, account {first.account}" in report
    assert "deadline: " in report
    assert f"... and {len(moved) - 2} more differences" in report
    assert "fields that moved (decisions):" in report
    assert result.report(limit=None).count("policy ours, now") == len(moved)


def test_missing_and_extra_decisions_are_listed_not_compared() -> None:
    policy = {"ours": loads_policy(MY_POLICY)}
    recorded = record_corpus(policy, ACCOUNTS[:30], CORPUS_MOMENTS[:2])
    today = record_corpus(policy, ACCOUNTS[5:], CORPUS_MOMENTS[1:3])
    result = compare_corpus(recorded, today)
    assert not result.differences
    assert len(result.missing) == 30 + 5  # the first moment, and ACC-000000..4 at the second
    assert len(result.extra) == 10 + 35  # ACC-000030.. at the second, everything at the third
    assert result.compared == 25
    assert result.missing[0] == ("ours", CORPUS_MOMENTS[0].isoformat(), "ACC-000000")
    report = result.report(limit=3)
    assert "missing (recorded, not decided now) (35):" in report
    assert "extra (decided now, not recorded) (45):" in report
    assert "  ... and 42 more" in report


def test_a_corpus_without_records_names_the_moved_decisions_but_not_their_fields() -> None:
    recorded = record_corpus(REFERENCE_POLICY, ACCOUNTS[:10], keep_records=False)
    assert recorded.policies == ("seed-reference",)
    assert all(e.record is None for e in recorded)
    changed = loads_policy(MY_POLICY.replace('grace = "14d"', 'grace = "7d"'))
    # the same name on purpose: the name is what the comparison matches on
    result = compare_corpus(recorded, record_corpus({"seed-reference": changed}, ACCOUNTS[:10]))
    assert result.differences
    d = result.differences[0]
    assert not d.explained
    assert d.changes == ()
    assert "(no records kept)" in result.report()


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()


def test_the_file_reads_back_as_written_with_and_without_its_header(tmp_path: Path) -> None:
    corpus = record_corpus(
        {"a": REFERENCE_POLICY}, ACCOUNTS[:6], CORPUS_MOMENTS[:2], about={"seed": "20261202"}
    )
    corpus.write(tmp_path / "with.tsv.gz")
    back = read_corpus(tmp_path / "with.tsv.gz")
    assert back == corpus
    assert back.about["seed"] == "20261202"
    assert back.about["records"] == "1"
    text = _lines(tmp_path / "with.tsv.gz")
    assert text[0] == "#overdue-decision-corpus\t1"
    assert len(text[-1].split("\t")) == 5

    hashes = record_corpus({"a": REFERENCE_POLICY}, ACCOUNTS[:6], keep_records=False)
    hashes.write(tmp_path / "bare.tsv.gz", header=False)
    lines = _lines(tmp_path / "bare.tsv.gz")
    # benchmarks/golden.py's lines: policy, now, account, hash; no header
    assert all(len(line.split("\t")) == 4 for line in lines)
    assert lines[0] == "\t".join(("a", CORPUS_MOMENTS[0].isoformat(), "ACC-000000",
                                  hashes.entries[("a", CORPUS_MOMENTS[0].isoformat(),
                                                  "ACC-000000")].digest))
    bare = read_corpus(tmp_path / "bare.tsv.gz")
    assert bare.about == {}
    assert bare.entries == hashes.entries
    assert bare.summary() == hashes.summary()


def test_a_later_format_or_a_damaged_line_is_refused(tmp_path: Path) -> None:
    later = tmp_path / "later.tsv.gz"
    with gzip.open(later, "wt", encoding="utf-8") as fh:
        fh.write("#overdue-decision-corpus\t2\nx\ty\tz\th\n")
    with pytest.raises(CorpusFormatError, match="corpus format 2"):
        read_corpus(later)
    damaged = tmp_path / "damaged.tsv.gz"
    with gzip.open(damaged, "wt", encoding="utf-8") as fh:
        fh.write("p\tt\ta\th\np\tt\n")
    with pytest.raises(CorpusFormatError, match=":2: 2 fields"):
        read_corpus(damaged)


def test_accounts_under_one_id_and_moments_without_a_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="two accounts have the id 'ACC-000000'"):
        record_corpus(REFERENCE_POLICY, [ACCOUNTS[0], ACCOUNTS[1], ACCOUNTS[0]])
    with pytest.raises(ValueError, match="a moment needs a time zone"):
        record_corpus(REFERENCE_POLICY, ACCOUNTS[:1], [CORPUS_MOMENTS[0].replace(tzinfo=None)])


def test_names_the_line_format_cannot_hold_are_refused(tmp_path: Path) -> None:
    def one(policy: str, account: str) -> DecisionCorpus:
        entry = CorpusEntry(policy, "2026-04-01T10:00:00+08:00", account, "0" * 16)
        return DecisionCorpus({entry.key: entry})

    with pytest.raises(ValueError, match="tab or a line break"):
        one("p", "ACC\t1").write(tmp_path / "x.tsv.gz")
    with pytest.raises(ValueError, match="cannot start with '#'"):
        one("#p", "ACC-1").write(tmp_path / "x.tsv.gz")


def test_field_changes_walk_dicts_by_key_and_lists_by_position() -> None:
    before = {"a": 1, "b": [1, 2], "c": {"d": True}, "e": "same"}
    after = {"a": 2, "b": [1, 3, 4], "c": {"d": 1}, "e": "same", "f": None}
    found = field_changes(before, after)
    assert [str(c) for c in found] == [
        "a: 1 -> 2",
        "b[1]: 2 -> 3",
        "b[2]: (absent) -> 4",
        "c.d: true -> 1",  # a bool is not an int here, whatever Python says
        "f: (absent) -> null",
    ]
    assert found[2].before is ABSENT
    assert FieldChange("actions[0].steps[12].at", 1, 2).kind == "actions[].steps[].at"
    assert field_changes([1], [1]) == []


def _cli(*argv: str) -> tuple[int, str, str]:
    from overdue.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_line_records_and_compares(tmp_path: Path) -> None:
    mine = tmp_path / "my_policy.toml"
    mine.write_text(MY_POLICY, encoding="utf-8")
    v2 = tmp_path / "v2.toml"
    v2.write_text(MY_POLICY.replace('grace = "14d"', 'grace = "7d"'), encoding="utf-8")
    corpus = str(tmp_path / "before.tsv.gz")

    code, out, _ = _cli("corpus", "record", str(mine), "--accounts", "30", "-o", corpus)
    assert code == 0
    assert out.endswith("120 decisions (1 policies, 4 moments, 30 accounts)\n")
    assert read_corpus(corpus).about["seed"] == "20261202"

    code, out, _ = _cli("corpus", "compare", corpus, str(mine))
    assert (code, out.splitlines()[0]) == (0, "decision corpus: 0 of 120 decisions differ, "
                                                "0 missing, 0 extra")
    code, out, _ = _cli("corpus", "compare", corpus, f"my_policy={v2}", "--limit", "1")
    assert code == 1
    assert "policy my_policy, now 2026-02-20T09:30:00+08:00, account ACC-000003" in out
    assert "  deadline: " in out
    code, out, _ = _cli("corpus", "compare", corpus, str(v2))  # named v2: nothing compared
    assert code == 1
    assert "policy names differ: recorded my_policy; compared v2" in out


def test_the_command_line_with_accounts_of_ones_own(tmp_path: Path) -> None:
    accounts = str(ROOT / "examples" / "accounts.jsonl")
    corpus = str(tmp_path / "own.tsv.gz")
    code, _, _ = _cli("corpus", "record", "reference=" + str(ROOT / "examples" / "policies" /
                      "seed_platform.toml"), "--from", accounts, "--at",
                      "2026-03-01T09:00:00+08:00", "--hashes-only", "-o", corpus)
    assert code == 0
    assert read_corpus(corpus).about["records"] == "0"
    policy = "reference=" + str(ROOT / "examples" / "policies" / "seed_platform.toml")
    code, _, err = _cli("corpus", "compare", corpus, policy)
    assert code == 2
    assert "--from" in err
    code, out, _ = _cli("corpus", "compare", corpus, policy, "--from", accounts)
    assert code == 0, out
    code, _, err = _cli("corpus", "record", policy, "--at", "yesterday", "-o", corpus)
    assert (code, err) == (2, "overdue corpus record: not an ISO 8601 time: 'yesterday'\n")


_NAME = st.text(st.characters(blacklist_characters="\t\n\r", blacklist_categories=("Cs",)),
                max_size=12)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=3),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_NAME.filter(lambda p: not p.startswith("#")), _NAME, _JSON),
                max_size=6))
def test_any_names_the_format_allows_read_back_as_written(
    rows: list[tuple[str, str, object]],
) -> None:
    entries = {}
    for policy, account, value in rows:
        record = json.dumps(value, sort_keys=True, ensure_ascii=False)
        entry = CorpusEntry(policy, "2026-04-01T10:00:00+08:00", account, record_digest(record),
                            record)
        entries[entry.key] = entry
    corpus = DecisionCorpus(entries, {"seed": "1"})
    with tempfile.TemporaryDirectory() as tmp:
        corpus.write(Path(tmp) / "c.tsv.gz")
        assert read_corpus(Path(tmp) / "c.tsv.gz") == corpus


@settings(max_examples=200, deadline=None)
@given(_JSON, _JSON)
def test_field_changes_are_empty_exactly_when_the_records_are_equal(a: object, b: object) -> None:
    same = json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert (field_changes(a, b) == []) == same
    assert field_changes(a, a) == []
