"""Decisions as JSON: a stable, documented record (``docs/formats.md``) for hosts and the CLI.

The shape is written out by hand, not derived from the classes, because it is a contract with
other systems: adding a field to :class:`~overdue.decision.Decision` must not change it by
accident.  Timestamps are ISO 8601 with the debtor's offset (when the zone is known); money is
``"1200.50 CNY"``; contact addresses are masked, because decision records end up in logs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from overdue._masking import scrub
from overdue._time import zone
from overdue.config.accounts import event_to_dict
from overdue.decision import Action, BlockedStep, Decision, Reason
from overdue.errors import OverdueError, shown

__all__ = ["DECISION_SCHEMA", "decision_to_dict", "error_to_dict", "jsonl_line"]

DECISION_SCHEMA = "overdue.decision/1"
"""The ``schema`` value of every decision record."""


def _ts(value: datetime | None, tz: tzinfo | None) -> str | None:
    """ISO 8601 in the debtor's zone when known (UTC otherwise): every time reads alike.

    Remembered per instant and zone (:data:`_STAMPS`): a portfolio's records repeat the same
    few instants (the run's ``at``; a deadline that is also the wake time and a reason's
    ``until``; the same 09:00 of the same days), and writing one out in a zone costs more than
    the rest of its record's line.  Equal instants in one zone always read the same.
    """
    if value is None:
        return None
    key = (value, tz)
    text = _STAMPS.get(key)
    if text is None:
        text = value.astimezone(tz if tz is not None else UTC).isoformat()
        if len(_STAMPS) >= _MAX_STAMPS:
            _STAMPS.clear()
        _STAMPS[key] = text
    return text


_STAMPS: dict[tuple[datetime, tzinfo | None], str] = {}
_MAX_STAMPS = 4096
"""Instants remembered by :func:`_ts` (all forgotten at once when full: the ones a run needs
come back at the next record)."""


def _reason(r: Reason, tz: tzinfo | None) -> dict[str, Any]:
    cite = None
    if r.citation is not None:
        c = r.citation
        cite = {"instrument": c.instrument, "section": c.section, "link": c.link, "mark": c.mark}
    return {
        "rule_id": r.rule_id,
        "effect": r.effect,
        "code": r.code,
        "message": r.message,
        "until": _ts(r.until, tz),
        "citation": cite,
    }


def _action(a: Action, at: datetime, tz: tzinfo | None) -> dict[str, Any]:
    f = a.facts
    contact = None
    if a.contact is not None:
        contact = {
            "channel": a.contact.channel,
            "address": a.contact.masked,
            "label": a.contact.label,
            "is_debtor": a.contact.is_debtor,
        }
    evidence = None
    if a.evidence is not None:
        e = a.evidence
        evidence = {
            "kinds": list(e.kinds),
            "contract": e.contract,
            "invoices": [i.invoice_id for i in e.invoices],
            "payments": len(e.payments),
            "contacts": len(e.contacts),
        }
    return {
        "stage": a.stage,
        "step": a.step,
        "channel": a.channel,
        "template": a.template,
        "attempt": a.attempt,
        "max_attempts": a.max_attempts,
        "not_before": _ts(a.not_before, tz),
        "due": a.is_due(at),
        "idempotency_key": a.idempotency_key,
        "fallback_for": a.fallback_for,
        "performed_by": a.performed_by,
        "party": a.party,
        "discloses_debt": a.discloses_debt,
        "is_reply": a.is_reply,
        "contact": contact,
        # A message to anyone but the debtor never states the debt: the record leaves the facts
        # out, so a host rendering from JSON cannot leak them by mistake.
        "facts": {**f.as_dict(), "must_state": list(f.must_state)} if a.discloses_debt else None,
        "obligations": [{"code": o.code, "text": o.text} for o in a.obligations],
        "evidence": evidence,
        "reasons": [_reason(r, tz) for r in a.reasons],
        # Only under a per-invoice ladder: the invoice the action is about.
        **({"debt_id": a.debt_id} if a.debt_id is not None else {}),
    }


def _blocked(b: BlockedStep, tz: tzinfo | None) -> dict[str, Any]:
    return {
        "stage": b.stage,
        "step": b.step,
        "channel": b.channel,
        "reasons": [_reason(r, tz) for r in b.reasons],
    }


def decision_to_dict(decision: Decision, *, debt_id: str | None = None) -> dict[str, Any]:
    """The decision as a JSON-ready dict with the ``overdue.decision/1`` shape.

    ``debt_id``: the invoice (or debt) the decision is for, when it is one of several for the
    account (a per-invoice policy's, ``decide_invoices``); the record then gains a
    ``debt_id`` key after ``account_id``.  ``None``: the record keeps its usual shape.
    """
    d = decision
    tz = zone(d.zone) if d.zone is not None else None
    transition = None
    if d.transition is not None:
        t = d.transition
        transition = {"from": t.from_stage, "to": t.to_stage, "at": _ts(t.at, tz)}
    return {
        "schema": DECISION_SCHEMA,
        "account_id": d.account_id,
        **({"debt_id": debt_id} if debt_id is not None else {}),
        "at": _ts(d.at, tz),
        "policy": {"id": d.policy_id, "version": d.policy_version},
        "status": d.status,
        "stage": d.stage,
        "stage_since": _ts(d.stage_since, tz),
        "days_overdue": d.days_overdue,
        "balance": str(d.balance) if d.balance is not None else None,
        "zone": d.zone,
        "transition": transition,
        # (most lists are empty: no comprehension, a function call each, for those)
        "actions": [_action(a, d.at, tz) for a in d.actions] if d.actions else [],
        "blocked": [_blocked(b, tz) for b in d.blocked] if d.blocked else [],
        "deadline": _ts(d.deadline, tz),
        "wake_at": _ts(d.wake_at, tz),
        "waiting_for": list(d.waiting_for),
        "reasons": [_reason(r, tz) for r in d.reasons],
        "record": [event_to_dict(e) for e in d.record] if d.record else [],
        "retain_until": d.retain_until.isoformat() if d.retain_until is not None else None,
        "debt_disputed": d.debt_disputed,
        # The billing side (issue 18), only when the policy uses it: other decisions keep
        # their shape.
        **(_billing(d, tz) if d.service or d.postings or d.step_down is not None else {}),
    }


def _billing(d: Decision, tz: tzinfo | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if d.service:
        out["service"] = [
            {
                "operation": a.operation,
                "action": a.template,
                "undoes": a.undoes,
                "stage": a.stage,
                "step": a.step,
                "not_before": _ts(a.not_before, tz),
                "due": a.is_due(d.at),
                "idempotency_key": a.idempotency_key,
            }
            for a in d.service
        ]
    if d.postings:
        out["postings"] = [
            {
                "charge": p.charge,
                "stage": p.stage,
                "amount": str(p.amount),
                "idempotency_key": p.idempotency_key,
                "principal": str(p.principal) if p.principal is not None else None,
                "yearly_rate": str(p.yearly_rate) if p.yearly_rate is not None else None,
                "period_start": p.period_start.isoformat() if p.period_start else None,
                "period_end": p.period_end.isoformat() if p.period_end else None,
            }
            for p in d.postings
        ]
    if d.step_down is not None:
        sd = d.step_down
        out["step_down"] = {
            "from": sd.from_stage,
            "to": sd.to_stage,
            "at": _ts(sd.at, tz),
            "reason": sd.reason,
        }
    return out


def error_to_dict(
    error: OverdueError, *, account_id: str | None = None, line: int | None = None
) -> dict[str, Any]:
    """The error record a batch writes in place of a decision for an account that failed."""
    return {
        "schema": DECISION_SCHEMA,
        "account_id": account_id if account_id is not None else error.account_id,
        "status": "error",
        "line": line,
        "error": {
            "type": type(error).__name__,
            "message": str(error),
            "what": error.what,
            "key_path": error.key_path,
            "event_index": error.event_index,
            "expected": error.expected,
            "got": None if error.got is None else scrub(shown(error.got)),
            "suggestion": error.suggestion,
        },
    }


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # what json.dumps(ensure_ascii=False) makes
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _one_shot_encoder() -> Callable[[object], str]:
    """``_ENCODER.encode``, with the C encoder made once rather than for every call.

    ``JSONEncoder.encode`` builds a new C encoder (and a float formatter) for each record,
    about as much work as encoding a short record.  This one is made with the same settings,
    except that it does not look for circular references: the records written here are fresh
    dicts and lists built for the line (a cycle would end in ``RecursionError`` instead of
    ``ValueError``).  Without the C accelerator, ``_ENCODER.encode`` itself.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython ships the accelerator
        return _ENCODER.encode
    e = _ENCODER
    chunks = make(
        None, e.default, json.encoder.encode_basestring, e.indent, e.key_separator,
        e.item_separator, e.sort_keys, e.skipkeys, e.allow_nan,
    )  # fmt: skip

    def encode(record: object) -> str:
        return "".join(chunks(record, 0))

    return encode


_encode = _one_shot_encoder()


def jsonl_line(record: object) -> str:
    """One JSONL line: readable UTF-8, but with the characters that some readers take for line
    breaks (U+2028, U+2029, U+0085) escaped, so that one record is always one line.

    One encoder for every line (``json.dumps`` with an option makes a new one per call), and
    the escapes looked for only in non-ASCII text (``isascii`` does not scan the string).
    """
    text = _encode(record)
    if not text.isascii():
        for raw, escaped in _LINE_BREAKS.items():
            text = text.replace(raw, escaped)
    return text + "\n"
