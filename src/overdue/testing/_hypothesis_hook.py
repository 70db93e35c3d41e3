"""Registers ``overdue``'s strategies with hypothesis, so ``st.from_type(Money)`` just works.

Hypothesis calls :func:`_hypothesis_setup_hook` through the ``hypothesis`` entry point when it
is imported (``HYPOTHESIS_NO_PLUGINS=1`` turns that off).  Nothing happens at import of
``overdue`` itself.
"""

from __future__ import annotations

import warnings

__all__ = ["_hypothesis_setup_hook"]


def _hypothesis_setup_hook() -> None:
    """Register a strategy for each of the library's public value types."""
    try:
        from hypothesis import strategies as st

        from overdue.account import Account, ContactPoint, Invoice
        from overdue.durations import Duration
        from overdue.events import Outcome
        from overdue.money import Money
        from overdue.policy import Policy, Stage
        from overdue.testing import strategies as ods
    except Exception as exc:
        warnings.warn(
            f"overdue: hypothesis strategies not registered ({type(exc).__name__}: {exc})",
            stacklevel=2,
        )
        return
    st.register_type_strategy(Money, ods.money())
    st.register_type_strategy(Duration, ods.durations())
    st.register_type_strategy(ContactPoint, ods.contact_points())
    st.register_type_strategy(Invoice, ods.invoices())
    st.register_type_strategy(Account, ods.accounts())
    st.register_type_strategy(Policy, ods.policies())
    st.register_type_strategy(Stage, ods.stages())
    st.register_type_strategy(Outcome, ods.outcomes())
