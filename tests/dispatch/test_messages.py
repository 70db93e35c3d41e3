"""Safe templates, the default texts of the reference ladder, and privacy for third parties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import attrs
import pytest

from overdue import REFERENCE_POLICY
from overdue.decision import Action
from overdue.dispatch import DEFAULT_TEMPLATES, Renderer, TemplateError, TemplateText
from overdue.dispatch.messages import FACT_NAMES, NEUTRAL_TEMPLATE
from overdue.policy import Obligation
from overdue.reference import reference_policy

MakeAction = Callable[..., Action]

REFERENCE_TEMPLATES = {
    "reminder.sms",
    "reminder.in_app",
    "call.polite",
    "call.followup",
    "notice.formal",
    "notice.popup",
    "letter.lawyer",
    "letter.lawyer.copy",
    "visit.field",
    "claim.file",
    "enforcement.request",
}


def test_defaults_cover_every_template_of_the_reference_policy_in_both_languages() -> None:
    policy = reference_policy(field_visit=True)
    used = {step.template for stage in policy.stages for step in stage.steps}
    assert used == REFERENCE_TEMPLATES
    for locale in ("zh-CN", "en"):
        assert set(DEFAULT_TEMPLATES[locale]) >= REFERENCE_TEMPLATES
    Renderer().check(policy, locales=["zh-CN", "en"])


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize(
    ("template", "must"),
    [
        ("notice.formal", ("amount", "days_overdue", "deadline", "legal_terms")),
        ("notice.popup", ("amount", "days_overdue", "deadline", "legal_terms")),
        ("letter.lawyer", ("amount", "days_overdue", "deadline", "legal_terms", "grace_end")),
        ("letter.lawyer.copy", ("amount", "days_overdue", "deadline", "legal_terms", "grace_end")),
    ],
)
def test_formal_rungs_state_what_they_must(
    make_action: MakeAction, locale: str, template: str, must: tuple[str, ...]
) -> None:
    action = make_action(channel="email", address="li@example.com", template=template)
    now = action.not_before
    facts = attrs.evolve(
        action.facts,
        days_overdue=31,
        deadline=now + timedelta(days=15),
        grace_end=now + timedelta(days=14),
        must_state=must,
    )
    message = Renderer(locale=locale, creditor="Example Lending").render(
        attrs.evolve(action, facts=facts)
    )
    assert "1200.50" in message.body
    assert "CNY" in message.body
    assert "31" in message.body
    assert "2026-01-27" in message.body  # the deadline, in the debtor's zone
    assert "Terms of Service §8" in message.body
    if "grace_end" in must:
        assert "2026-01-26" in message.body
    assert message.locale == locale


def test_host_templates_take_precedence_and_others_fall_back(make_action: MakeAction) -> None:
    renderer = Renderer(
        {"en": {"reminder.sms": "Hi! $amount $currency is late."}}, locale="en"
    )
    assert renderer.render(make_action()).body == "Hi! 1200.50 CNY is late."
    call = make_action(channel="phone", template="call.polite")
    assert "Call script" in renderer.render(call).body
    # zh-CN has no host text: the built-in Chinese text is used, not the English override
    zh = Renderer({"en": {"reminder.sms": "Hi!"}}, locale="zh-CN")
    assert "逾期" in zh.render(make_action()).body


def test_a_host_locale_falls_back_to_english(make_action: MakeAction) -> None:
    renderer = Renderer({"de": {"reminder.sms": "Zahlung überfällig: $amount"}}, locale="de")
    assert renderer.render(make_action()).body == "Zahlung überfällig: 1200.50"
    notice = renderer.render(make_action(channel="in_app", template="reminder.in_app"))
    assert notice.locale == "en"


@pytest.mark.parametrize(
    "text",
    [
        "{amount.__class__}",
        "Pay {amount.__class__.__mro__}",
        "{0.__class__.__mro__}$x",
        "{amount}",
        "$${amount}",
        "{}",
        "{amount!r:>10}",
        "%(amount)s",
        "${amount.__class__}",
        "$amount.__class__",
        "${amount}.__dict__",
        "$amount[0]",
        "$amount[0]${",
        "$$${__import__}",
        "$__import__",
        "$AMOUNT",
        "$amount_",
    ],
)
def test_templates_cannot_reach_into_objects(text: str) -> None:
    """Neither format-string fields nor attribute access nor unknown names get through, in a
    body or in a subject; the refusal says where."""
    with pytest.raises(TemplateError) as info:
        Renderer({"en": {"reminder.sms": text}})
    assert info.value.key_path == "templates['en']['reminder.sms'].body"
    with pytest.raises(TemplateError):
        Renderer({"en": {"notice.formal": TemplateText("$amount", subject=text)}})


def test_plain_text_around_placeholders_is_kept(make_action: MakeAction) -> None:
    text = "$$5 fee; 100% sure: $amount. ${currency}! Pay now.{ }"
    renderer = Renderer({"en": {"reminder.sms": text}}, locale="en")
    assert renderer.render(make_action()).body == "$5 fee; 100% sure: 1200.50. CNY! Pay now.{ }"


def test_an_unknown_fact_is_refused_with_a_suggestion() -> None:
    with pytest.raises(TemplateError) as info:
        Renderer({"en": {"reminder.sms": "pay $ammount"}})
    assert info.value.suggestion == "amount"
    assert info.value.key_path == "templates['en']['reminder.sms'].body"
    assert "ammount" not in FACT_NAMES


def test_a_host_template_missing_a_must_state_fact_is_refused(make_action: MakeAction) -> None:
    renderer = Renderer({"en": {"notice.formal": "Please pay $amount $currency."}}, locale="en")
    action = make_action(channel="email", address="li@example.com", template="notice.formal")
    facts = attrs.evolve(
        action.facts, must_state=("amount", "days_overdue", "deadline", "legal_terms")
    )
    action = attrs.evolve(action, facts=facts)
    with pytest.raises(TemplateError, match="days_overdue, deadline, legal_terms"):
        renderer.render(action)
    with pytest.raises(TemplateError, match="does not state days_overdue"):
        renderer.check(REFERENCE_POLICY, locales=["en"])


def test_third_parties_get_a_neutral_message(make_action: MakeAction) -> None:
    action = make_action(is_debtor=False, template="notice.formal", channel="sms")
    for locale in ("zh-CN", "en"):
        message = Renderer(locale=locale, creditor="Example Lending").render(action)
        assert message.neutral
        assert message.template == NEUTRAL_TEMPLATE
        for fact in ("1200.50", "CNY", "16", "2026-01-26", "Terms", "Example Lending"):
            assert fact not in message.body


def test_a_neutral_template_may_not_name_debt_facts() -> None:
    with pytest.raises(TemplateError, match="may not use"):
        Renderer({"en": {NEUTRAL_TEMPLATE: "Your relative owes $amount"}})
    Renderer({"en": {NEUTRAL_TEMPLATE: "This is $sender, call $contact_line"}})


def test_third_parties_can_be_refused_outright(make_action: MakeAction) -> None:
    renderer = Renderer(third_party="refuse")
    with pytest.raises(TemplateError, match="not the debtor") as info:
        renderer.render(make_action(is_debtor=False))
    assert "13812345678" not in str(info.value)
    assert "+861" in str(info.value)  # masked, still recognisable


def test_a_field_visit_states_who_visits(make_action: MakeAction) -> None:
    action = attrs.evolve(
        make_action(channel="field_visit", template="visit.field", address="Room 1"),
        performed_by="third_party",
        obligations=(Obligation("identity_disclosure", "state who you are"),),
    )
    with pytest.raises(TemplateError, match=r"Renderer\(agent=\.\.\.\)"):
        Renderer().render(action)
    message = Renderer(agent="Example Field Services", creditor="Example Lending").render(action)
    assert "Example Field Services (Example Lending)" in message.body
    assert "Example Field Services" in (message.subject or "")


def test_message_repr_masks_the_contact(make_action: MakeAction) -> None:
    message = Renderer().render(make_action())
    assert "13812345678" not in repr(message)
    assert "+861" in repr(message)


def test_template_text_objects_carry_subjects(make_action: MakeAction) -> None:
    renderer = Renderer(
        {"en": {"reminder.sms": TemplateText("late: $amount", subject="$days_overdue days")}},
        locale="en",
    )
    message = renderer.render(make_action())
    assert (message.subject, message.body) == ("16 days", "late: 1200.50")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("template", sorted(REFERENCE_TEMPLATES))
def test_no_rung_tells_a_third_party_about_the_debt(
    make_action: MakeAction, locale: str, template: str
) -> None:
    """Whatever the rung, a relative or an employer gets the neutral text and no debt fact."""
    action = make_action(template=template, is_debtor=False)
    action = attrs.evolve(
        action,
        facts=attrs.evolve(action.facts, days_overdue=47, grace_end=action.not_before),
        performed_by="third_party" if template == "visit.field" else "creditor",
    )
    renderer = Renderer(
        locale=locale, creditor="Example Lending", agent="Example Field Services"
    )
    message = renderer.render(action)
    text = message.body + (message.subject or "")
    assert message.neutral
    for fact in ("1200", "CNY", "47", "2026-01", "Terms", "Example", "逾期", "overdue", "A-1"):
        assert fact not in text


def test_a_third_party_rung_must_state_who_acts(make_action: MakeAction) -> None:
    """A host's visit text that does not say who visits is refused, at start-up and at render."""
    anonymous = {"en": {"visit.field": "We will visit you about $amount $currency."}}
    renderer = Renderer(anonymous, locale="en", agent="Example Field Services")
    with pytest.raises(TemplateError, match=r"'visit\.field' .* does not state identity"):
        renderer.check(reference_policy(field_visit=True), locales=["en"])
    action = attrs.evolve(
        make_action(channel="field_visit", template="visit.field", address="Room 1"),
        performed_by="third_party",
    )
    with pytest.raises(TemplateError, match="missing identity"):
        renderer.render(action)


def test_an_action_the_engine_marks_as_not_disclosing_gets_the_neutral_text(
    make_action: MakeAction,
) -> None:
    action = attrs.evolve(make_action(), party="third_party", discloses_debt=False)
    message = Renderer(locale="en").render(action)
    assert message.neutral
    assert "1200.50" not in message.body
    assert action.outcome_event("delivered", action.not_before).party == "third_party"
