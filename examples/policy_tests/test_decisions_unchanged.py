"""Record your policy's decisions once; after an upgrade, prove that none of them moved.

``my_policy.decisions.tsv.gz`` holds the decisions of ``my_policy.toml`` for 200 generated
accounts (the same in every release of overdue) at four moments, recorded with::

    overdue corpus record my_policy.toml --accounts 200 -o my_policy.decisions.tsv.gz

After ``pip install -U overdue-policy``, or an edit of the policy, this test decides them again.
A decision that moved fails it, and the report names each one by policy, moment, account and
field.  If the change was meant (a reviewed policy edit, a fix listed in the changelog), record
again with the same command and commit the new file with the change.
"""

from pathlib import Path

import pytest

load_policy = pytest.importorskip("overdue.config").load_policy
from overdue.testing.corpus import (  # noqa: E402
    compare_corpus,
    generate_accounts,
    read_corpus,
    record_corpus,
)

HERE = Path(__file__).parent
RECORDED = read_corpus(HERE / "my_policy.decisions.tsv.gz")


def test_the_decisions_are_the_recorded_ones():
    policies = {"my_policy": load_policy(HERE / "my_policy.toml")}
    accounts = generate_accounts(int(RECORDED.about["accounts"]), int(RECORDED.about["seed"]))
    result = compare_corpus(RECORDED, record_corpus(policies, accounts))
    assert result.ok, result.report()
