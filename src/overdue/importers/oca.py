"""OCA ``account_credit_control`` policies (Odoo data XML) as `overdue` policies.

A credit-control policy is a list of *levels*; each level says when it is reached (its
``computation_mode`` and ``delay_days``) and on which ``channel`` the reminder goes.  The
importer writes one rung per level, lowest first:

- ``net_days``: the rung is entered ``delay_days`` after the due date
  (``enters_when = {days_overdue_at_least = delay}``), exactly as OCA's
  ``date_maturity + delay <= run date``;
- ``previous_date``: ``delay_days`` after the previous reminder, written as the previous rung's
  ``deadline``;
- ``end_of_month``: OCA waits until the last day of the month in which ``due + delay`` falls,
  written as ``enters_when = {overdue_for = {age = "<delay>d", anchor = "end_of_month"}}``:
  the same boundary, exactly.

Dunning fees (OCA's ``account_credit_control_dunning_fees``: ``dunning_fixed_amount`` in
``dunning_currency_id``, type ``fixed``) become the rung's ``fee = {fixed = ...}``, charged once
per rung entry (``docs/billing.md``).

OCA escalates each invoice (move line) on its own ladder; ``overdue`` escalates the account by
its oldest unpaid invoice (reported).  The reminder texts stay in the host's templates: each
step's template is named after the level's record id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from typing import Any

from overdue.errors import ConfigError, suggest
from overdue.importers._odoo import fields_of, int_field, record_path, truthy, value
from overdue.importers._policy import policy_of
from overdue.importers._xml import parse_xml
from overdue.importers.followup import FOLLOWUP, followup_from_root
from overdue.importers.report import Approximation, ImportResult

__all__ = ["import_oca"]

_SCHEMA = "overdue.policy/1"
_POLICY = "credit.control.policy"
_LEVEL = "credit.control.policy.level"
_MODES = ("net_days", "end_of_month", "previous_date")
_CHANNELS = ("email", "letter", "phone", "sms")


def _choice(fields: dict[str, ET.Element], name: str, allowed: tuple[str, ...], path: str) -> str:
    """A selection field's value, or a located error with a "did you mean"."""
    got = value(fields.get(name)) or ""
    if got not in allowed:
        raise ConfigError(
            f"{path}: unknown {name}",
            key_path=f"{path}/field[@name={name!r}]",
            expected=" | ".join(allowed),
            got=got,
            suggestion=suggest(got, allowed),
        )
    return got


def _pick_policy(policies: dict[str, ET.Element], wanted: str | None) -> tuple[str, ET.Element]:
    names = {rid: (value(fields_of(r).get("name")) or rid) for rid, r in policies.items()}
    if not policies:
        raise ConfigError(
            "no credit-control policy in the export",
            key_path="/odoo",
            expected=f'<record model="{_POLICY}" id="...">',
        )
    if wanted is None:
        if len(policies) == 1:
            rid = next(iter(policies))
            return rid, policies[rid]
        raise ConfigError(
            "the export holds several credit-control policies; choose one",
            key_path="/odoo",
            expected=" | ".join(f"{rid} ({names[rid]})" for rid in policies),
            got=None,
        )
    for rid, name in names.items():
        if wanted in (rid, name, rid.split(".")[-1]):
            return rid, policies[rid]
    raise ConfigError(
        f"no credit-control policy {wanted!r} in the export",
        key_path="/odoo",
        expected=" | ".join(policies),
        got=wanted,
        suggestion=suggest(wanted, list(policies) + list(names.values())),
    )


def _fee(
    f: dict[str, ET.Element], path: str, currency: str | None, notes: list[Approximation]
) -> dict[str, str] | None:
    """A level's dunning fee (OCA ``account_credit_control_dunning_fees``) as a rung's fee."""
    raw = value(f.get("dunning_fixed_amount"))
    if raw is None:
        return None
    where = f"{path}/field[@name='dunning_fixed_amount']"
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(
            f"{where}: not an amount", key_path=where, expected='eval="5.0"', got=raw
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ConfigError(f"{where}: not an amount", key_path=where, expected=">= 0", got=raw)
    if amount == 0:
        return None  # OCA charges nothing for a zero amount
    kind = value(f.get("dunning_fees_type")) or value(f.get("dunning_type")) or "fixed"
    if kind != "fixed":
        raise ConfigError(
            f"{path}: unknown dunning fees type",
            key_path=f"{path}/field[@name='dunning_fees_type']",
            expected="fixed (the only type OCA implements)",
            got=kind,
        )
    ref = value(f.get("dunning_currency_id"))
    code = ref.rsplit(".", 1)[-1].upper() if ref else currency
    if code is None:
        raise ConfigError(
            f"{path}: a dunning fee without a currency (OCA takes the company's)",
            key_path=f"{path}/field[@name='dunning_currency_id']",
            expected="a dunning_currency_id such as ref=\"base.EUR\", or the company's "
            "currency given to the importer (--currency EUR)",
        )
    notes.append(
        Approximation(
            where,
            f"dunning fee {amount.normalize():f} {code}",
            f"written as fee = {{fixed = '{amount} {code}'}}: one posting per rung entry",
            "OCA adds the fee to each credit line (each invoice reaching the level); overdue "
            "climbs one ladder per account, so the fee is charged once per entry; the fee's "
            "product and accounts are the host's, which posts it",
        )
    )
    return {"fixed": f"{amount} {code}"}


def import_oca(
    xml_text: str,
    *,
    policy: str | None = None,
    policy_id: str | None = None,
    currency: str | None = None,
) -> ImportResult:
    """Translate one OCA credit-control policy of an Odoo data export into an `overdue` policy.

    ``policy`` picks the policy by record id or name when the export holds several;
    ``currency`` is the company's currency, for dunning fees that name none.  Bad input
    raises a located :class:`~overdue.errors.ConfigError`.
    """
    root = parse_xml(xml_text, source="OCA credit-control export")
    policies: dict[str, ET.Element] = {}
    levels: list[ET.Element] = []
    for record in root.iter("record"):
        model = record.get("model")
        rid = (record.get("id") or "").strip()
        if model == _POLICY:
            if not rid:
                raise ConfigError(
                    "policy record without an id", key_path="/odoo/record", expected='id="..."'
                )
            policies[rid] = record
        elif model == _LEVEL:
            levels.append(record)
    if not policies and any(r.get("model") == FOLLOWUP for r in root.iter("record")):
        return followup_from_root(root, followup=policy, policy_id=policy_id)
    rid, chosen = _pick_policy(policies, policy)
    pfields = fields_of(chosen)
    name = value(pfields.get("name")) or rid
    ppath = record_path(chosen)
    if truthy(pfields.get("do_nothing")):
        raise ConfigError(
            f"policy {name!r} is a do-nothing policy (it generates no reminders); there is no "
            "ladder to import",
            key_path=f"{ppath}/field[@name='do_nothing']",
            expected="a policy without do_nothing",
            got=True,
        )
    notes: list[Approximation] = []
    mine = [lv for lv in levels if value(fields_of(lv).get("policy_id")) == rid]
    if not mine:
        raise ConfigError(
            f"policy {name!r} has no levels in the export",
            key_path=ppath,
            expected=f'<record model="{_LEVEL}"> with <field name="policy_id" ref="{rid}"/>',
        )
    parsed = []
    for lv in mine:
        f = fields_of(lv)
        path = record_path(lv)
        number = int_field(f.get("level"), f"{path}/field[@name='level']", low=0, high=10000)
        delay = int_field(
            f.get("delay_days"), f"{path}/field[@name='delay_days']", low=0, high=36525
        )
        mode = _choice(f, "computation_mode", _MODES, path)
        channel = _choice(f, "channel", _CHANNELS, path)
        parsed.append((number, delay, mode, channel, lv, f, path))
    parsed.sort(key=lambda t: t[0])
    seen = [t[0] for t in parsed]
    if len(set(seen)) != len(seen):
        raise ConfigError(
            f"policy {name!r}: two levels share a level number",
            key_path=ppath,
            expected="level numbers unique per policy",
            got=seen,
        )
    if parsed[0][2] == "previous_date":
        raise ConfigError(
            f"policy {name!r}: the lowest level cannot be computed from the previous reminder",
            key_path=f"{parsed[0][6]}/field[@name='computation_mode']",
            expected="net_days | end_of_month",
            got="previous_date",
        )
    stages: list[dict[str, Any]] = []
    for number, delay, mode, channel, lv, f, path in parsed:
        level_id = (lv.get("id") or f"level_{number}").split(".")[-1]
        stage: dict[str, Any] = {
            "id": f"level_{number}",
            "steps": [{"channel": channel, "template": level_id}],
        }
        title = value(f.get("name"))
        if title:
            stage["description"] = title
        fee = _fee(f, path, currency, notes)
        if fee is not None:
            stage["fee"] = fee
        if mode == "previous_date":
            stages[-1]["deadline"] = f"{delay}d"
        else:
            if mode == "end_of_month":
                stage["enters_when"] = {
                    "overdue_for": {"age": f"{delay}d", "anchor": "end_of_month"}
                }
            else:
                stage["enters_when"] = {"days_overdue_at_least": delay}
            if stages:
                stages[-1]["deadline"] = "0d"
        if truthy(f.get("mail_show_invoice_detail")):
            notes.append(
                Approximation(
                    f"{path}/field[@name='mail_show_invoice_detail']",
                    "mail_show_invoice_detail",
                    "dropped",
                    "the invoice list is the host template's business; render it in "
                    f"template {level_id!r}",
                )
            )
        stages.append(stage)
    notes.append(
        Approximation(
            ppath,
            "custom_text / custom_mail_text / email_template_id of each level",
            "not carried: each step's template is named after the level's record id",
            "overdue decides what to send and when; the wording stays in the host's templates",
        )
    )
    doc = {
        "schema": _SCHEMA,
        "id": policy_id or rid.split(".")[-1],
        "description": f"Imported from OCA credit-control policy {name!r}",
        # OCA raises a credit-control line per move line: one ladder per invoice (issue 18).
        "ladder_per": "invoice",
        "stages": stages,
    }
    imported = policy_of(doc)
    return ImportResult(imported, notes, source=f"OCA credit-control policy {name!r}")
