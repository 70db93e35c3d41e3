"""Policy files, account data and decision records: `overdue` as data.

Policies load from TOML, JSON or dicts (:func:`load_policy`, :func:`loads_policy`,
:func:`policy_from_dict`) and write back (:func:`dump_policy`, :func:`dumps_policy`,
:func:`policy_to_dict`); accounts load from JSON and JSONL (:func:`account_from_dict`,
:func:`load_accounts`); decisions serialise to a stable shape (:func:`decision_to_dict`).  The
vocabulary of a policy file is closed: it names kinds registered on a :class:`Kinds` object and
nothing is imported or evaluated.  See ``docs/policy-files.md`` and ``docs/formats.md``.
"""

from overdue.config.accounts import (
    ACCOUNT_SCHEMA,
    AccountResult,
    account_from_dict,
    account_to_dict,
    event_from_dict,
    event_to_dict,
    load_accounts,
    loads_accounts,
)
from overdue.config.checks import account_currencies, currency_warnings, policy_warnings
from overdue.config.decisions import DECISION_SCHEMA, decision_to_dict
from overdue.config.dumper import dump_policy, dumps_policy, policy_to_dict
from overdue.config.loader import (
    SCHEMA,
    decode_utf8,
    load_policy,
    loads_policy,
    policy_from_dict,
)
from overdue.config.registry import Kinds
from overdue.config.schema import policy_json_schema, shipped_policy_schema

__all__ = [
    "ACCOUNT_SCHEMA",
    "DECISION_SCHEMA",
    "SCHEMA",
    "AccountResult",
    "Kinds",
    "account_currencies",
    "account_from_dict",
    "account_to_dict",
    "currency_warnings",
    "decision_to_dict",
    "decode_utf8",
    "dump_policy",
    "dumps_policy",
    "event_from_dict",
    "event_to_dict",
    "load_accounts",
    "load_policy",
    "loads_accounts",
    "loads_policy",
    "policy_from_dict",
    "policy_json_schema",
    "policy_to_dict",
    "policy_warnings",
    "shipped_policy_schema",
]
