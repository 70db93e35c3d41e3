"""``overdue.spark``: decide a Spark DataFrame of accounts with ``mapInArrow``.

A short public name for :mod:`overdue.portfolio.spark` (``pip install "overdue-policy[spark]"``);
see ``docs/scale.md``.
"""

from __future__ import annotations

from overdue.portfolio.spark import decide_dataframe, decisions_spark_schema

__all__ = ["decide_dataframe", "decisions_spark_schema"]
