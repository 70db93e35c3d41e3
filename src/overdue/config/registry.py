"""The closed vocabulary of policy files: which rule, condition and calendar kinds a file may name.

A policy file names kinds by string (``kind = "contact_hours"``); nothing is imported or
evaluated.  :class:`Kinds` maps those strings to classes.  ``Kinds.default()`` builds a fresh
registry from the library's kinds (:data:`overdue.rules.BUILTIN_RULES` and the two tables here,
all read-only); a host that has its own rule kinds builds one, registers on it, and passes it to
the loader.  There is no global registry to mutate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from overdue.calendars import HolidaysCalendar, WeekCalendar
from overdue.conditions import (
    All,
    AnyOf,
    BalanceAtLeast,
    BalanceAtLeastPerCurrency,
    DaysOverdueAtLeast,
    HasFact,
    Not,
    OverdueFor,
    UnpaidInvoicesAtLeast,
)
from overdue.errors import PolicyError, suggest

__all__ = ["BUILTIN_CALENDARS", "BUILTIN_CONDITIONS", "Kinds"]

BUILTIN_CONDITIONS: tuple[type[Any], ...] = (
    DaysOverdueAtLeast,
    BalanceAtLeast,
    All,
    AnyOf,
    Not,
    OverdueFor,
    UnpaidInvoicesAtLeast,
    HasFact,
    BalanceAtLeastPerCurrency,
)
"""The entry-condition classes the library ships."""

BUILTIN_CALENDARS: Mapping[str, type[Any]] = MappingProxyType(
    {"week": WeekCalendar, "holidays": HolidaysCalendar}
)
"""The business-calendar classes a policy file may name, by their ``kind`` in files."""


def _check_class(cls: type[Any], what: str) -> str:
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise PolicyError(
            f"a {what} class needs a ClassVar 'kind' string to be named in policy files",
            got=getattr(cls, "__name__", cls),
        )
    if not attrs.has(cls):
        raise PolicyError(
            f"{what} kind {kind!r} must be an attrs class, so its fields can be read and written",
            got=cls.__name__,
        )
    return kind


def _register(
    table: dict[str, type[Any]], kind: str, cls: type[Any], what: str, replace: bool
) -> type[Any]:
    """Put ``cls`` in ``table`` under ``kind``, refusing to overwrite another class silently."""
    if not replace and kind in table and table[kind] is not cls:
        raise PolicyError(
            f"{what} kind {kind!r} is already registered to {table[kind].__name__}",
            expected="a new kind, or replace=True",
            got=cls.__name__,
        )
    table[kind] = cls
    return cls


class Kinds:
    """A registry of the kinds a policy file may name, owned by whoever builds it.

    >>> kinds = Kinds.default()
    >>> kinds.register_rule(MyHostRule)       # doctest: +SKIP
    >>> policy = load_policy("policy.toml", kinds=kinds)   # doctest: +SKIP

    Registration refuses a kind that is already taken (pass ``replace=True`` to override one on
    purpose), so two rule kinds cannot silently shadow each other.
    """

    def __init__(
        self,
        *,
        rules: Mapping[str, type[Any]] | None = None,
        conditions: Iterable[type[Any]] = (),
        calendars: Mapping[str, type[Any]] | None = None,
    ) -> None:
        self._rules: dict[str, type[Any]] = {}
        self._conditions: dict[str, type[Any]] = {}
        self._calendars: dict[str, type[Any]] = {}
        for cls in (rules or {}).values():
            self.register_rule(cls)
        for cls in conditions:
            self.register_condition(cls)
        for name, cls in (calendars or {}).items():
            self.register_calendar(name, cls)

    @classmethod
    def default(cls) -> Kinds:
        """A fresh registry with every kind the library ships (read at call time)."""
        from overdue.rules import BUILTIN_RULES

        return cls(rules=BUILTIN_RULES, conditions=BUILTIN_CONDITIONS, calendars=BUILTIN_CALENDARS)

    def copy(self) -> Kinds:
        """An independent copy, to extend without touching this one."""
        return Kinds(
            rules=self._rules, conditions=self._conditions.values(), calendars=self._calendars
        )

    def register_rule(self, cls: type[Any], *, replace: bool = False) -> type[Any]:
        """Make rule class ``cls`` loadable under its ``kind``; returns ``cls`` (a decorator)."""
        return _register(self._rules, _check_class(cls, "rule"), cls, "rule", replace)

    def register_condition(self, cls: type[Any], *, replace: bool = False) -> type[Any]:
        """Make condition class ``cls`` loadable under its ``kind``; returns ``cls``."""
        kind = _check_class(cls, "condition")
        return _register(self._conditions, kind, cls, "condition", replace)

    def register_calendar(self, name: str, cls: type[Any], *, replace: bool = False) -> type[Any]:
        """Make calendar class ``cls`` loadable as ``calendar = {kind = name, ...}``."""
        if not attrs.has(cls):
            raise PolicyError("a calendar class must be an attrs class", got=cls.__name__)
        return _register(self._calendars, name, cls, "calendar", replace)

    @property
    def rules(self) -> Mapping[str, type[Any]]:
        """Rule classes by kind (a read-only view)."""
        return dict(self._rules)

    @property
    def conditions(self) -> Mapping[str, type[Any]]:
        """Condition classes by kind."""
        return dict(self._conditions)

    @property
    def calendars(self) -> Mapping[str, type[Any]]:
        """Calendar classes by kind."""
        return dict(self._calendars)

    def rule(self, kind: str) -> type[Any]:
        """The rule class for ``kind``; ``UnknownKindError`` with a suggestion otherwise."""
        return self._lookup(self._rules, kind, "rule")

    def condition(self, kind: str) -> type[Any]:
        """The condition class for ``kind``."""
        return self._lookup(self._conditions, kind, "condition")

    def calendar(self, kind: str) -> type[Any]:
        """The calendar class for ``kind``."""
        return self._lookup(self._calendars, kind, "calendar")

    def kind_of_rule(self, rule: object) -> str:
        """The kind under which ``rule``'s class is registered (for writing files)."""
        return self._kind_of(self._rules, rule, "rule")

    def kind_of_condition(self, condition: object) -> str:
        """The kind under which ``condition``'s class is registered."""
        return self._kind_of(self._conditions, condition, "condition")

    def kind_of_calendar(self, calendar: object) -> str:
        """The kind under which ``calendar``'s class is registered."""
        for name, cls in self._calendars.items():
            if type(calendar) is cls:
                return name
        raise PolicyError(
            f"calendar class {type(calendar).__name__} is not registered, so it cannot be written",
            expected="one of " + ", ".join(c.__name__ for c in self._calendars.values()),
            got=type(calendar).__name__,
        )

    @staticmethod
    def _lookup(table: dict[str, type[Any]], kind: str, what: str) -> type[Any]:
        from overdue.errors import UnknownKindError

        try:
            return table[kind]
        except KeyError:
            raise UnknownKindError(
                f"unknown {what} kind",
                expected=" | ".join(sorted(table)),
                got=kind,
                suggestion=suggest(kind, table),
            ) from None

    @staticmethod
    def _kind_of(table: dict[str, type[Any]], value: object, what: str) -> str:
        kind = getattr(value, "kind", None)
        if isinstance(kind, str) and table.get(kind) is type(value):
            return kind
        raise PolicyError(
            f"{what} class {type(value).__name__} is not registered under its kind {kind!r}, so "
            "a file written from it could not be read back",
            expected=f"Kinds.register_{what}({type(value).__name__})",
            got=type(value).__name__,
        )

    def __repr__(self) -> str:
        return (
            f"Kinds(rules={sorted(self._rules)}, conditions={sorted(self._conditions)}, "
            f"calendars={sorted(self._calendars)})"
        )
