"""``load(dump(p)) == p`` for every policy: dicts, TOML and JSON, over generated policies."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from overdue.calendars import MON_FRI, WeekCalendar
from overdue.conditions import All, AnyOf, BalanceAtLeast, DaysOverdueAtLeast, Not
from overdue.config import (
    dump_policy,
    dumps_policy,
    load_policy,
    loads_policy,
    policy_from_dict,
    policy_to_dict,
)
from overdue.durations import Duration
from overdue.money import Money
from overdue.policy import MESSAGE_FACTS, Obligation, Policy, Stage, Step
from overdue.reference import REFERENCE_POLICY, reference_policy
from overdue.rules import (
    Citation,
    ContactHours,
    CoolDown,
    FrequencyCap,
    HoldWhile,
    MinimumBalance,
    MinimumGap,
    QuietDays,
    RequiresAuthorisation,
    RequiresPriorEvent,
    RespectCease,
    RespectOptOut,
    TimeBar,
)

CHANNELS = ("sms", "phone", "email", "letter", "in_app", "legal")
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_.-", min_size=1, max_size=10)
prose = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda t: bool(t.strip()))
small_durations = st.builds(Duration, st.integers(0, 9), st.sampled_from(("h", "d", "w", "bd")))
plain_durations = st.builds(Duration, st.integers(1, 9), st.sampled_from(("h", "d", "w", "mo")))
money = st.builds(
    Money,
    st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False).map(str),
    st.sampled_from(("EUR", "CNY", "USD")),
)
citations = st.none() | st.builds(
    Citation,
    prose,
    section=st.none() | prose,
    link=st.none(),
    mark=st.sampled_from(("V", "S", "U", "house")),
)
filters = st.none() | st.frozensets(st.sampled_from(CHANNELS), min_size=1)


def conditions() -> st.SearchStrategy[Any]:
    leaves = st.builds(DaysOverdueAtLeast, st.integers(0, 120)) | st.builds(BalanceAtLeast, money)
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(All, st.lists(inner, min_size=1, max_size=3).map(tuple))
            | st.builds(AnyOf, st.lists(inner, min_size=1, max_size=3).map(tuple))
            | st.builds(Not, inner)
        ),
        max_leaves=5,
    )


def _common() -> dict[str, Any]:
    return {
        "channels": filters,
        "stages": st.none() | st.frozensets(names, min_size=1, max_size=2),
        "exempt_templates": st.frozensets(names, max_size=2),
        "citation": citations,
    }


rules = st.one_of(
    st.builds(
        ContactHours,
        id=names,
        window=st.sampled_from(
            [(time(8), time(21)), (time(9, 30), time(17)), (time(0), time(23, 59, 30))]
        ),
        weekdays=st.none() | st.frozensets(st.integers(0, 6), min_size=1),
        **_common(),
    ),
    st.builds(QuietDays, id=names, calendar=st.none() | st.just(MON_FRI), **_common()),
    st.builds(
        FrequencyCap,
        id=names,
        max_contacts=st.integers(1, 9),
        per=st.builds(Duration, st.integers(1, 9), st.sampled_from(("d", "w"))),
        window=st.sampled_from(("rolling", "rolling_days")),
        scope=st.sampled_from(("debtor", "debt", "contact_point")),
        counts=st.sampled_from(("attempt", "connected", "conversation", "unanswered")),
        count_channels=filters,
        **_common(),
    ),
    st.builds(MinimumGap, id=names, gap=plain_durations, **_common()),
    st.builds(
        CoolDown,
        id=names,
        after=st.sampled_from(("conversation", "refused")),
        period=plain_durations,
        day_one=st.sampled_from(("event_time", "event_local_date")),
        **_common(),
    ),
    st.builds(HoldWhile, id=names, fact=names, pause_deadlines=st.booleans(), **_common()),
    st.builds(RespectCease, id=names, **_common()),
    st.builds(
        RespectOptOut, id=names, exempt=st.frozensets(st.sampled_from(CHANNELS)), **_common()
    ),
    st.builds(RequiresAuthorisation, id=names, authorisation=names, **_common()),
    st.builds(
        RequiresPriorEvent, id=names, milestone=names, min_elapsed=small_durations, **_common()
    ),
    st.builds(
        TimeBar,
        id=names,
        limitation=plain_durations,
        restart_on=st.sampled_from(("none", "payment")),
        **_common(),
    ),
    st.builds(MinimumBalance, id=names, minimum=money, **_common()),
)


@st.composite
def steps(draw: st.DrawFn, channels: tuple[str, ...]) -> Step:
    channel = draw(st.sampled_from(channels))
    attempts = draw(st.integers(1, 3))
    others = [c for c in channels if c != channel]
    return Step(
        channel,
        template=draw(names),
        at=draw(small_durations),
        repeat_every=draw(plain_durations) if attempts > 1 else draw(st.none() | plain_durations),
        max_attempts=attempts,
        fallback=draw(st.none() | st.sampled_from(others)) if others else None,
        must_state=tuple(
            draw(
                st.lists(
                    st.sampled_from([f for f in MESSAGE_FACTS if f != "legal_terms"]), max_size=3
                )
            )
        ),
        evidence=tuple(
            draw(
                st.lists(
                    st.sampled_from(("contract", "invoices", "payments", "contacts")), max_size=2
                )
            )
        ),
    )


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    channels = tuple(draw(st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=4, unique=True)))
    n = draw(st.integers(1, 4))
    stages = []
    for i in range(n):
        stage_steps = draw(st.lists(steps(channels), min_size=1, max_size=3))
        unique = tuple(Step(**{**_fields(s), "id": f"step{j}"}) for j, s in enumerate(stage_steps))
        last = i == n - 1
        stages.append(
            Stage(
                f"stage{i}",
                enters_when=draw(st.none() | conditions()),
                steps=unique,
                deadline=None if last else Duration(3000, "d"),
                grace=None if last else draw(st.none() | plain_durations),
                requires=tuple(draw(st.lists(names, max_size=2))),
                enabled=draw(st.booleans()) if i else True,
                skippable=draw(st.booleans()),
                performed_by=draw(st.sampled_from(("creditor", "third_party"))),
                obligations=tuple(draw(st.lists(st.builds(Obligation, names, prose), max_size=2))),
                description=draw(st.none() | prose),
            )
        )
    used = {st_.channel for stage in stages for st_ in stage.steps}
    fallbacks = {st_.fallback for stage in stages for st_ in stage.steps} - {None}
    may_derive = fallbacks <= used
    rule_list = draw(st.lists(rules, max_size=4, unique_by=lambda r: r.id))
    return Policy(
        draw(names),
        stages=tuple(stages),
        rules=tuple(rule_list),
        version=draw(names),
        currency=draw(st.none() | st.sampled_from(("EUR", "CNY"))),
        channels=draw(st.none() | st.just(channels)) if may_derive else channels,
        assumed_zone=draw(st.none() | st.sampled_from(("Asia/Shanghai", "Europe/Berlin", "UTC"))),
        calendar=draw(
            st.just(MON_FRI)
            | st.builds(
                WeekCalendar,
                names,
                weekend=st.frozensets(st.integers(0, 6), max_size=2),
                holidays=st.frozensets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=3),
            )
        ),
        promise_grace=draw(plain_durations),
        on_partial_payment=draw(st.sampled_from(("continue", "restart_stage"))),
        horizon=draw(plain_durations),
        addressless_channels=draw(st.frozensets(st.sampled_from(CHANNELS), max_size=2)),
        legal_terms=draw(st.none() | prose),
        creditor=draw(st.none() | prose),
        description=draw(st.none() | prose),
    )


def _fields(s: Step) -> dict[str, Any]:
    import attrs

    return attrs.asdict(s, recurse=False)


SETTINGS = settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(policies())
def test_dict_round_trip(policy: Policy) -> None:
    assert policy_from_dict(policy_to_dict(policy)) == policy


@SETTINGS
@given(policies())
def test_toml_and_json_text_round_trip(policy: Policy) -> None:
    assert loads_policy(dumps_policy(policy, "toml"), "toml") == policy
    assert loads_policy(dumps_policy(policy, "json"), "json") == policy


def test_reference_policies_round_trip_through_files(tmp_path: Path) -> None:
    for p in (REFERENCE_POLICY, reference_policy(field_visit=True, currency="EUR")):
        for suffix in (".toml", ".json"):
            path = tmp_path / f"p{suffix}"
            dump_policy(p, path)
            assert load_policy(path) == p


def test_written_files_leave_defaults_out() -> None:
    doc = policy_to_dict(REFERENCE_POLICY)
    assert list(doc)[:2] == ["schema", "id"]
    assert "calendar" not in doc
    assert "horizon" not in doc
    assert doc["stages"][0]["enters_when"] == {"days_overdue_at_least": 1}
    assert doc["stages"][3]["enters_when"] == {
        "all": [{"days_overdue_at_least": 30}, {"balance_at_least": "100.00 CNY"}]
    }
    hours = doc["rules"][0]
    assert hours["kind"] == "contact_hours"
    assert "window" not in hours
    assert hours["channels"] == ["email", "field_visit", "in_app", "phone", "sms"]  # sorted


def test_weekday_sets_are_written_as_names() -> None:
    p = Policy(
        "p",
        stages=(Stage("s", steps=(Step("sms", template="t"),)),),
        rules=(ContactHours("h", weekdays=("sat", "mon")),),
        calendar=WeekCalendar("fri-sat", weekend=frozenset({4, 5})),
    )
    doc = policy_to_dict(p)
    assert doc["rules"][0]["weekdays"] == ["mon", "sat"]
    assert doc["calendar"] == {"kind": "week", "name": "fri-sat", "weekend": ["fri", "sat"]}
    assert policy_from_dict(doc) == p
