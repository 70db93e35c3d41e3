"""Odoo follow-up levels (``account_followup``) as an `overdue` policy.

A follow-up is a list of lines, each reached ``delay`` days after the due date (``start`` =
``days``, or ``end_of_month`` in older releases), sending an e-mail and/or a printed letter
(``send_email``, ``send_letter``, both on unless switched off) and optionally asking for a
manual action.  Each line becomes a rung entered ``delay`` days overdue, lines in ``sequence``
order; ``end_of_month`` waits for the last day of the month in which ``due + delay`` falls, like
OCA's (``overdue_for`` with ``anchor = "end_of_month"``), and a manual action is reported, not
written (a person's task is not a contact).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from overdue.errors import ConfigError, suggest
from overdue.importers._odoo import fields_of, int_field, record_path, truthy, value
from overdue.importers._policy import policy_of
from overdue.importers._xml import parse_xml
from overdue.importers.report import Approximation, ImportResult

__all__ = ["FOLLOWUP", "FOLLOWUP_LINE", "followup_from_root", "import_odoo_followup"]

FOLLOWUP = "account_followup.followup"
FOLLOWUP_LINE = "account_followup.followup.line"


def import_odoo_followup(
    xml_text: str, *, followup: str | None = None, policy_id: str | None = None
) -> ImportResult:
    """Translate one Odoo follow-up (``account_followup``) of a data export into a policy.

    ``followup`` picks it by record id when the export holds several.  ``import_oca`` and
    ``overdue import oca`` call this for an export with follow-ups and no credit-control policy.
    """
    root = parse_xml(xml_text, source="Odoo follow-up export")
    return followup_from_root(root, followup=followup, policy_id=policy_id)


def followup_from_root(
    root: ET.Element, *, followup: str | None = None, policy_id: str | None = None
) -> ImportResult:
    """The follow-up import over an already parsed export."""
    heads = {r.get("id", ""): r for r in root.iter("record") if r.get("model") == FOLLOWUP}
    if followup is None and len(heads) > 1:
        raise ConfigError(
            "the export holds several follow-ups; choose one",
            key_path="/odoo",
            expected=" | ".join(heads),
        )
    rid = followup if followup is not None else next(iter(heads), "")
    if rid not in heads:
        raise ConfigError(
            f"no follow-up {rid!r} in the export",
            key_path="/odoo",
            expected=" | ".join(heads),
            got=rid,
            suggestion=suggest(rid, list(heads)),
        )
    head = heads[rid]
    name = value(fields_of(head).get("name")) or rid
    lines = []
    for rec in root.iter("record"):
        if rec.get("model") != FOLLOWUP_LINE:
            continue
        f = fields_of(rec)
        if value(f.get("followup_id")) != rid:
            continue
        path = record_path(rec)
        seq = int_field(f.get("sequence"), f"{path}/field[@name='sequence']", low=0, high=10000)
        delay = int_field(f.get("delay"), f"{path}/field[@name='delay']", low=0, high=36525)
        lines.append((seq, delay, rec, f, path))
    if not lines:
        raise ConfigError(
            f"follow-up {name!r} has no lines in the export",
            key_path=record_path(head),
            expected=f'<record model="{FOLLOWUP_LINE}"> with '
            f'<field name="followup_id" ref="{rid}"/>',
        )
    lines.sort(key=lambda t: (t[0], t[1]))
    notes: list[Approximation] = []
    stages: list[dict[str, Any]] = []
    for n, (_seq, delay, rec, f, path) in enumerate(lines, start=1):
        line_id = (rec.get("id") or f"line_{n}").split(".")[-1]
        steps = []
        if f.get("send_email") is None or truthy(f.get("send_email")):
            steps.append({"channel": "email", "template": f"{line_id}.email"})
        if f.get("send_letter") is None or truthy(f.get("send_letter")):
            steps.append({"channel": "letter", "template": f"{line_id}.letter"})
        if not steps:
            steps.append({"channel": "letter", "template": f"{line_id}.letter"})
            notes.append(
                Approximation(
                    path,
                    "line with neither e-mail nor letter",
                    "written as a letter step",
                    "an overdue rung needs a step",
                )
            )
        if truthy(f.get("manual_action")):
            notes.append(
                Approximation(
                    f"{path}/field[@name='manual_action']",
                    "manual_action",
                    "dropped",
                    "a task for a person is not a contact; create it from the host when the "
                    f"account enters rung 'followup_{n}'",
                )
            )
        enters: dict[str, Any] = {"days_overdue_at_least": delay}
        if (value(f.get("start")) or "days") == "end_of_month":
            # The last day of the month in which due + delay falls, as OCA's end_of_month.
            enters = {"overdue_for": {"age": f"{delay}d", "anchor": "end_of_month"}}
        stage: dict[str, Any] = {
            "id": f"followup_{n}",
            "enters_when": enters,
            "steps": steps,
        }
        title = value(f.get("name"))
        if title:
            stage["description"] = title
        if stages:
            stages[-1]["deadline"] = "0d"
        stages.append(stage)
    notes.append(
        Approximation(
            record_path(head),
            "description of each line (the letter and e-mail text)",
            "not carried: templates are named after each line's record id",
            "the wording stays in the host's templates",
        )
    )
    doc = {
        "schema": "overdue.policy/1",
        "id": policy_id or rid.split(".")[-1],
        "description": f"Imported from Odoo follow-up {name!r}",
        "stages": stages,
    }
    return ImportResult(policy_of(doc), notes, source=f"Odoo follow-up {name!r}")
