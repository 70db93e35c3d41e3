"""Other template engines' syntax is refused when the renderer is built, spaces or not."""

from __future__ import annotations

import pytest

from overdue.dispatch import Renderer, TemplateError


@pytest.mark.parametrize(
    "text",
    [
        "Pay {{ amount }} now",
        "Pay {{amount}} now",
        "Pay {{  amount  }} now",
        "{% if amount %}pay{% endif %}",
        "{# a comment #} pay $amount",
        "Pay { amount } now",
        "Pay {amount} now",
        "%s owes %d",
        "Pay %(amount)s now",
        "Pay %05.2f now",
        "Pay #{amount} now",
    ],
)
def test_foreign_placeholders_are_refused(text: str) -> None:
    with pytest.raises(TemplateError) as info:
        Renderer({"en": {"reminder.sms": text}}, locale="en")
    assert "another template engine" in str(info.value)
    assert info.value.key_path == "templates['en']['reminder.sms'].body"


@pytest.mark.parametrize(
    "text",
    [
        "$amount $currency is overdue; 5% interest applies, 100% sure.",
        "${amount} ${currency}, $$5 fee { } kept",
        "A 5%discount is not a placeholder: $amount",
    ],
)
def test_our_own_syntax_and_plain_percentages_are_accepted(text: str) -> None:
    Renderer({"en": {"reminder.sms": text}}, locale="en")
