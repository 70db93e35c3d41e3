"""Ladder diagrams: Mermaid and Graphviz text, through ``format()`` too."""

from __future__ import annotations

import pytest

from overdue.diagrams import render
from overdue.errors import PolicyError
from overdue.reference import REFERENCE_POLICY, reference_policy


def test_mermaid_flowchart_with_conditions_deadlines_and_authorisations() -> None:
    text = format(REFERENCE_POLICY, "mermaid")
    assert text.startswith("flowchart LR\n")
    assert 'start -->|"if 1+ days overdue"| s0' in text
    assert 's2 -->|"after 14d; if 30+ days overdue and balance #gt;= 100.00 CNY"| s3' in text
    assert 's5 -->|"after 6mo; requires judgment"| s6' in text
    # the disabled field visit is dashed, and a solid edge passes it by
    assert "class s4 disabled" in text
    assert "stroke-dasharray" in text
    assert 's3 -.->|"grace 15d; requires field_visit"| s4' in text
    assert 's3 -->|"grace 15d; requires legal_review"| s5' in text


def test_enabled_field_visit_is_solid_with_a_dashed_skip() -> None:
    text = render(reference_policy(field_visit=True), "mermaid")
    assert "class s4 disabled" not in text
    assert 's3 -->|"grace 15d; requires field_visit"| s4' in text
    assert 's3 -.->|"skip; requires legal_review"| s5' in text


def test_dot() -> None:
    text = f"{REFERENCE_POLICY:dot}"
    assert text.startswith('digraph "seed-reference" {')
    assert text.rstrip().endswith("}")
    assert (
        's4 [label="field_visit\\nfield_visit: visit.field\\nby a third party", '
        'style="rounded,dashed"' in text
    )
    assert 's3 -> s5 [label="grace 15d; requires legal_review"];' in text
    assert text.count("->") == 8


def test_md_fence_and_unknown_format() -> None:
    assert render(REFERENCE_POLICY, "md").startswith("```mermaid\nflowchart LR")
    with pytest.raises(PolicyError) as info:
        format(REFERENCE_POLICY, "mermiad")
    assert info.value.suggestion == "mermaid"
