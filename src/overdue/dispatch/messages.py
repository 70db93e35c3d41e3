"""Safe message templates: ``$name`` substitution over a whitelisted set of facts, nothing more.

Template text often comes from a file that a compliance team edits, so a template must not be
able to reach into Python objects: no ``{0.__class__}`` format-string tricks, no attribute
access, no expressions.  A template is a :class:`string.Template` whose placeholders are checked
against :data:`FACT_NAMES` when the :class:`Renderer` is built, and whose values are plain
strings the renderer computes from the action.  The defaults cover every template id of the
reference policy in Simplified Chinese (``zh-CN``) and English (``en``); the host's own texts
take precedence.

A message to a contact point with ``is_debtor=False`` (a relative, an employer), or for an
action the engine marked ``discloses_debt=False``, never states a debt fact: the renderer
substitutes the neutral template, whose only placeholders are :data:`NEUTRAL_NAMES`, or refuses
when built with ``third_party="refuse"``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from types import MappingProxyType
from typing import Literal

import attrs

from overdue._validators import one_of
from overdue.account import ContactPoint
from overdue.decision import Action, ServiceAction
from overdue.errors import ConfigError, suggest
from overdue.policy import MESSAGE_FACTS, Policy

__all__ = [
    "DEFAULT_TEMPLATES",
    "FACT_NAMES",
    "NEUTRAL_NAMES",
    "NEUTRAL_TEMPLATE",
    "Message",
    "Renderer",
    "TemplateError",
    "TemplateText",
]

FACT_NAMES = frozenset(MESSAGE_FACTS) | {
    "agent",
    "account_id",
    "evidence",
    "contact_line",
    "interest_rate",
}
"""Every placeholder a debtor's template may use: the facts a step may require its message to
state (:data:`overdue.policy.MESSAGE_FACTS`, the one vocabulary) and what the sender adds.
Anything else is refused at load time."""

NEUTRAL_NAMES = frozenset({"sender", "contact_line"})
"""The only placeholders of the neutral template sent to someone who is not the debtor."""

NEUTRAL_TEMPLATE = "neutral"
"""The template id of the message sent to a contact point with ``is_debtor=False``."""


class TemplateError(ConfigError):
    """A template is malformed, names a fact it may not use, or cannot be filled for an action."""


class _SafeTemplate(string.Template):
    """``$name`` and ``${name}`` with lowercase identifiers only; ``$$`` is a literal dollar."""

    idpattern = r"(?a:[a-z][a-z0-9_]*)"
    flags = re.RegexFlag(0)  # no IGNORECASE: placeholder names are exact


_FORMAT_FIELD = re.compile(
    r"\{\{|\}\}|\{%|%\}|\{#|#\}"  # Jinja, Django, Liquid, Mustache: {{ x }}, {% if %}, {# #}
    r"|\{[^{}\s]*\}|\{\s*[^{}\s]+\s*\}"  # str.format and kin: {amount}, { amount }, {}
    r"|%\(\w*\)"  # printf with names: %(amount)s
    r"|%[-+#0]*\d*(?:\.\d+)?[sdifrxXeEgGc](?![A-Za-z])"  # printf: %s, %d, %05.2f
    r"|#\{[^{}]*\}"  # Ruby and CoffeeScript interpolation: #{amount}
)
"""Other engines' placeholder syntax: ``{{ amount }}``, ``{% if x %}``, ``{amount}``,
``{ amount }``, ``%s``, ``%(amount)s``, ``#{amount}``.  A text written for one of them would reach
a debtor with the syntax in it.  (A percentage in prose, "5% interest", is not refused.)"""

_BRACED = re.compile(r"\$\$|\$\{[a-z][a-z0-9_]*\}")
"""What is not a format field although it has braces: ``$$`` and ``${name}``."""

_REACH = re.compile(r"\$\$|\$\{?[a-z][a-z0-9_]*\}?(?=\.[A-Za-z_]|\[)")
"""A placeholder followed by ``.name`` or ``[``: an attempt at attribute access or indexing."""


def _tricks(source: str) -> str | None:
    """Why *source* is refused even though ``string.Template`` would fill it, or ``None``.

    Nothing here ever calls ``str.format``, so these would be inert; they are refused anyway
    because a text written for another engine would reach a debtor with its braces in it, and
    because a template file that tries them was not written in good faith.
    """
    found = _FORMAT_FIELD.search(_BRACED.sub("", source))
    if found is not None:
        return (
            f"{found.group(0)!r} is another template engine's syntax; placeholders are "
            "written $name"
        )
    for match in _REACH.finditer(source):
        if match.group(0) != "$$":
            return (
                f"{match.group(0)!r} is followed by attribute access or indexing; a placeholder "
                "is replaced by plain text and nothing else"
            )
    return None


@attrs.frozen
class TemplateText:
    """The text of one template: a body and, for e-mail and letters, a subject."""

    body: str
    subject: str | None = None


@attrs.frozen
class Message:
    """A rendered message, ready for an adapter.

    ``to`` is the contact point (its ``repr`` masks the address).  ``neutral`` is true when the
    recipient is not the debtor and the message therefore states no debt fact.
    """

    template: str
    locale: str
    body: str
    subject: str | None = None
    to: ContactPoint | None = None
    neutral: bool = False


@attrs.frozen
class _Compiled:
    template_id: str
    locale: str
    body: _SafeTemplate = attrs.field(eq=False)
    subject: _SafeTemplate | None = attrs.field(eq=False)
    names: frozenset[str]


def _compile(template_id: str, locale: str, text: str | TemplateText) -> _Compiled:
    where = f"templates[{locale!r}][{template_id!r}]"
    if isinstance(text, str):
        text = TemplateText(text)
    if not isinstance(text, TemplateText) or not isinstance(text.body, str):
        raise TemplateError(
            "a template must be a string or a TemplateText",
            key_path=where,
            got=type(text).__name__,
        )
    allowed = NEUTRAL_NAMES if template_id == NEUTRAL_TEMPLATE else FACT_NAMES
    names: set[str] = set()
    parts = [("body", text.body)] + ([("subject", text.subject)] if text.subject else [])
    compiled: dict[str, _SafeTemplate] = {}
    for part, source in parts:
        if not isinstance(source, str):
            raise TemplateError(
                "a template's body and subject must be strings",
                key_path=f"{where}.{part}",
                got=type(source).__name__,
            )
        trick = _tricks(source)
        if trick is not None:
            raise TemplateError(
                f"template {template_id!r} uses syntax that is refused: {trick}",
                key_path=f"{where}.{part}",
                expected="plain text with $name or ${name} placeholders ($$ for a dollar)",
                got=source,
            )
        tpl = _SafeTemplate(source)
        if not tpl.is_valid():
            raise TemplateError(
                "a template may only contain $name or ${name} placeholders (write $$ for a dollar)",
                key_path=f"{where}.{part}",
                got=source,
            )
        for name in tpl.get_identifiers():
            if name not in allowed:
                raise TemplateError(
                    f"template {template_id!r} names a fact it may not use",
                    key_path=f"{where}.{part}",
                    expected=" | ".join(sorted(allowed)),
                    got=name,
                    suggestion=suggest(name, allowed),
                )
            names.add(name)
        compiled[part] = tpl
    return _Compiled(
        template_id, locale, compiled["body"], compiled.get("subject"), frozenset(names)
    )


# -- the default texts --------------------------------------------------------------------------

_EN: dict[str, TemplateText] = {
    "reminder.sms": TemplateText(
        "$creditor: your payment of $amount $currency is $days_overdue day(s) overdue. "
        "Please pay at your earliest convenience. If you have already paid, please ignore "
        "this message."
    ),
    "reminder.in_app": TemplateText(
        "Your payment of $amount $currency is $days_overdue day(s) overdue. Pay now in the app, "
        "or contact $contact_line if something is wrong.",
        subject="Payment overdue",
    ),
    "call.polite": TemplateText(
        "Call script. Introduce yourself by name as calling on behalf of $creditor. State that "
        "$amount $currency is $days_overdue day(s) overdue. Ask politely when payment can be "
        "made and offer a payment plan. Stay courteous; never threaten or shame."
    ),
    "call.followup": TemplateText(
        "$creditor: following our call, $amount $currency remains $days_overdue day(s) overdue. "
        "Please pay or contact $contact_line to agree a plan."
    ),
    "notice.formal": TemplateText(
        "Dear customer,\n\nThis is a formal notice from $creditor. The amount of $amount "
        "$currency is $days_overdue day(s) overdue. Please pay it in full by $deadline. If "
        "payment is not received by then, we may take further steps under $legal_terms.\n\n"
        "If you believe this notice is wrong, or you wish to dispute the debt, contact "
        "$contact_line before $deadline.\n\n$creditor",
        subject="Formal notice: $amount $currency overdue, pay by $deadline",
    ),
    "notice.popup": TemplateText(
        "Formal notice: $amount $currency is $days_overdue day(s) overdue. Pay by $deadline to "
        "avoid further steps under $legal_terms.",
        subject="Formal notice of overdue payment",
    ),
    "letter.lawyer": TemplateText(
        "LAWYER'S LETTER\n\nWe act for $identity. According to our client's records, the amount "
        "of $amount $currency has been overdue for $days_overdue day(s). The legal basis of the "
        "claim is $legal_terms.\n\nYou are granted a grace period until $grace_end to pay the "
        "amount in full. If payment is not received by $deadline, our client may start legal "
        "proceedings without further notice.\n\nIf you dispute this claim, write to us before "
        "$grace_end.",
        subject="Lawyer's letter on behalf of $creditor: $amount $currency overdue",
    ),
    "letter.lawyer.copy": TemplateText(
        "A copy of a lawyer's letter sent on behalf of $identity: $amount $currency has been "
        "overdue for $days_overdue day(s) (legal basis: $legal_terms). Grace period until "
        "$grace_end; after $deadline legal proceedings may start without further notice.",
        subject="Copy of lawyer's letter: $amount $currency overdue",
    ),
    "visit.field": TemplateText(
        "Visit notice. A visit will be made by $identity. The visitors will state who they are "
        "and on whose behalf they act, show identification before discussing anything, come as "
        "at least two staff, and not enter without your consent. Subject: $amount $currency, "
        "$days_overdue day(s) overdue.",
        subject="Notice of a visit by $identity",
    ),
    "claim.file": TemplateText(
        "Claim filing instruction. Claimant: $creditor. Account: $account_id. Amount claimed: "
        "$amount $currency, $days_overdue day(s) overdue. Legal basis: $legal_terms. Evidence: "
        "$evidence.",
        subject="Claim filing: account $account_id",
    ),
    "enforcement.request": TemplateText(
        "Enforcement request. Creditor: $creditor. Account: $account_id. Outstanding under the "
        "judgment: $amount $currency.",
        subject="Enforcement request: account $account_id",
    ),
    NEUTRAL_TEMPLATE: TemplateText(
        "Hello, this is $sender. Please ask the person who gave us this contact to get in touch "
        "with $contact_line. Thank you."
    ),
}

_ZH: dict[str, TemplateText] = {
    "reminder.sms": TemplateText(
        "【$creditor】您有一笔 $amount $currency 的款项已逾期 $days_overdue 天，请尽快还款。"
        "如已还款，请忽略本短信。"
    ),
    "reminder.in_app": TemplateText(
        "您有一笔 $amount $currency 的款项已逾期 $days_overdue 天。请在应用内还款；如有疑问，"
        "请联系$contact_line。",
        subject="还款提醒",
    ),
    "call.polite": TemplateText(
        "通话脚本：先报姓名，说明代表$creditor致电。告知客户 $amount $currency 已逾期 "
        "$days_overdue 天。礼貌询问还款时间，并可提供分期还款方案。全程文明礼貌，不得威胁或羞辱。"
    ),
    "call.followup": TemplateText(
        "【$creditor】感谢您接听电话。您尚有 $amount $currency 逾期 $days_overdue 天，"
        "请尽快还款，或联系$contact_line协商还款计划。"
    ),
    "notice.formal": TemplateText(
        "尊敬的客户：\n\n这是$creditor发出的正式催告。您的欠款 $amount $currency 已逾期 "
        "$days_overdue 天，请于 $deadline 前全额还款。逾期未还，我方将依据$legal_terms"
        "采取进一步措施。\n\n如您认为本通知有误或对欠款有异议，请于 $deadline 前联系"
        "$contact_line。\n\n$creditor",
        subject="正式催告：$amount $currency 已逾期，请于 $deadline 前还款",
    ),
    "notice.popup": TemplateText(
        "正式催告：您的欠款 $amount $currency 已逾期 $days_overdue 天，请于 $deadline 前还款，"
        "否则我方将依据$legal_terms采取进一步措施。",
        subject="逾期欠款正式催告",
    ),
    "letter.lawyer": TemplateText(
        "律师函\n\n本律师受$identity委托致函。根据委托人记录，您的欠款 $amount $currency "
        "已逾期 $days_overdue 天，法律依据为$legal_terms。\n\n现给予您宽限期至 $grace_end，"
        "请在此之前全额还款。如于 $deadline 前仍未还款，委托人可能不再另行通知而提起诉讼。"
        "\n\n如对上述债权有异议，请于 $grace_end 前书面联系本律师。",
        subject="律师函（受$creditor委托）：$amount $currency 逾期",
    ),
    "letter.lawyer.copy": TemplateText(
        "律师函副本（受$identity委托）：您的欠款 $amount $currency 已逾期 $days_overdue 天"
        "（法律依据：$legal_terms）。宽限期至 $grace_end；$deadline 后委托人可能不再另行通知"
        "而提起诉讼。",
        subject="律师函副本：$amount $currency 逾期",
    ),
    "visit.field": TemplateText(
        "上门拜访通知：$identity 将上门拜访。拜访人员将表明身份及委托方，在沟通前出示证件，"
        "至少两人同行，未经您同意不会进入室内。事由：$amount $currency，已逾期 $days_overdue 天。",
        subject="上门拜访通知（$identity）",
    ),
    "claim.file": TemplateText(
        "起诉材料指令。原告：$creditor。账户：$account_id。诉请金额：$amount $currency，"
        "已逾期 $days_overdue 天。法律依据：$legal_terms。证据：$evidence。",
        subject="提起诉讼：账户 $account_id",
    ),
    "enforcement.request": TemplateText(
        "强制执行申请。申请人：$creditor。账户：$account_id。判决确定的未履行金额：$amount "
        "$currency。",
        subject="申请强制执行：账户 $account_id",
    ),
    NEUTRAL_TEMPLATE: TemplateText(
        "您好，这里是$sender。请转告留下此联系方式的人与$contact_line联系，谢谢。"
    ),
}

DEFAULT_TEMPLATES: Mapping[str, Mapping[str, TemplateText]] = MappingProxyType(
    {"en": MappingProxyType(_EN), "zh-CN": MappingProxyType(_ZH)}
)
"""The built-in texts by locale and template id (read-only)."""

_GENERIC: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": {"creditor": "Your service provider", "contact_line": "our customer service",
               "sender": "customer service"},
        "zh-CN": {"creditor": "服务提供方", "contact_line": "我们的客服", "sender": "客服中心"},
    }
)

ThirdParty = Literal["neutral", "refuse"]


def _must_state(declared: Iterable[str], performed_by: str) -> tuple[str, ...]:
    """What a message must state: the rung's ``must_state``, and for a rung carried out by a
    third party (a visiting firm) who that is, so the debtor can tell an agent from a stranger.
    """
    must = tuple(declared)
    if performed_by == "third_party" and "identity" not in must:
        must += ("identity",)
    return must


def _locale_chain(locale: str, fallback: str) -> tuple[str, ...]:
    chain = [locale]
    lang = locale.split("-")[0]
    if lang != locale:
        chain.append(lang)
    chain.append(fallback)
    return tuple(dict.fromkeys(chain))


@attrs.frozen
class Renderer:
    """Turns an :class:`~overdue.decision.Action` into a :class:`Message`.

    Args:
        templates: the host's texts, ``{locale: {template_id: str | TemplateText}}``; they take
            precedence over :data:`DEFAULT_TEMPLATES`.  Checked when the renderer is built.
        locale: the default locale (``'zh-CN'``); ``locale_for(action)`` may choose per action.
        fallback_locale: used when a template has no text in the chosen locale.
        creditor: the creditor's name when the policy does not carry one.
        agent: who performs third-party rungs (the visiting firm); rungs performed by a third
            party state ``agent`` as their ``$identity`` and refuse to render without it.
        contact_line: how the debtor reaches the creditor ("0571-0000 0000, 9:00-18:00").
        neutral_sender: how a neutral message introduces its sender (no creditor name).
        third_party: ``'neutral'`` (default) sends a neutral message to a contact point with
            ``is_debtor=False``; ``'refuse'`` refuses to render one.
        tz: the zone in which deadlines are printed (default: the zone they carry).
    """

    templates: Mapping[str, Mapping[str, str | TemplateText]] = attrs.field(
        factory=dict, repr=False
    )
    locale: str = "zh-CN"
    fallback_locale: str = "en"
    locale_for: Callable[[Action], str | None] | None = attrs.field(default=None, eq=False)
    creditor: str | None = None
    agent: str | None = None
    contact_line: str | None = None
    neutral_sender: str | None = None
    third_party: ThirdParty = attrs.field(
        default="neutral", validator=one_of(("neutral", "refuse"))
    )
    tz: tzinfo | None = None
    _compiled: Mapping[tuple[str, str], _Compiled] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        compiled: dict[tuple[str, str], _Compiled] = {}
        for source in (DEFAULT_TEMPLATES, self.templates):
            if not isinstance(source, Mapping):
                raise TemplateError(
                    "templates must be a mapping of locale to {template_id: text}",
                    got=type(source).__name__,
                )
            for locale, texts in source.items():
                if not isinstance(texts, Mapping):
                    raise TemplateError(
                        "templates of a locale must be a mapping of template id to text",
                        key_path=f"templates[{locale!r}]",
                        got=type(texts).__name__,
                    )
                for template_id, text in texts.items():
                    compiled[(locale, template_id)] = _compile(template_id, locale, text)
        object.__setattr__(self, "_compiled", MappingProxyType(compiled))

    # -- lookup -----------------------------------------------------------------------------

    @property
    def locales(self) -> tuple[str, ...]:
        """Every locale with at least one text."""
        return tuple(dict.fromkeys(loc for loc, _ in self._compiled))

    def _find(self, template_id: str, locale: str) -> _Compiled | None:
        for loc in _locale_chain(locale, self.fallback_locale):
            found = self._compiled.get((loc, template_id))
            if found is not None:
                return found
        return None

    def check(self, policy: Policy, *, locales: Iterable[str] | None = None) -> None:
        """Raise :class:`TemplateError` naming every template of *policy* that has no text.

        A host calls this at start-up, next to ``ChannelRegistry.check(policy)``.
        """
        missing: list[str] = []
        for locale in locales if locales is not None else (self.locale,):
            for stage in policy.stages:
                for step in stage.steps:
                    compiled = self._find(step.template, locale)
                    if compiled is None:
                        missing.append(f"{step.template!r} ({locale})")
                        continue
                    must = _must_state(step.must_state, stage.performed_by)
                    lacking = [f for f in must if f not in compiled.names]
                    if lacking:
                        missing.append(
                            f"{step.template!r} ({compiled.locale}) does not state "
                            + ", ".join(lacking)
                        )
        if missing:
            raise TemplateError(
                "templates missing or incomplete: " + "; ".join(missing),
                expected="a text for every template id the policy uses",
                suggestion=None,
            )

    # -- rendering --------------------------------------------------------------------------

    def locale_of(self, action: Action) -> str:
        """The locale chosen for *action*."""
        chosen = self.locale_for(action) if self.locale_for is not None else None
        return chosen or self.locale

    def render(self, action: Action) -> Message:
        """Render *action*'s message, or raise :class:`TemplateError` saying why not."""
        locale = self.locale_of(action)
        if isinstance(action, ServiceAction):  # an instruction to the host, not a message
            return Message(action.template, locale, action.describe())
        contact = action.contact
        if not action.discloses_debt or (contact is not None and not contact.is_debtor):
            return self._render_neutral(action, locale, contact)
        compiled = self._find(action.template, locale)
        if compiled is None:
            raise TemplateError(
                f"no text for template {action.template!r}",
                account_id=action.account_id,
                expected=f"a text in locale {locale!r} or {self.fallback_locale!r}",
                got=action.template,
                suggestion=suggest(action.template, {t for _, t in self._compiled}),
            )
        must = _must_state(action.facts.must_state, action.performed_by)
        lacking = [f for f in must if f not in compiled.names]
        if lacking:
            raise TemplateError(
                f"template {action.template!r} ({compiled.locale}) does not state what the rung "
                "must state",
                account_id=action.account_id,
                expected="placeholders for " + ", ".join(must),
                got="missing " + ", ".join(lacking),
            )
        values = self._values(action, compiled.locale)
        body = self._fill(compiled.body, values, action, compiled)
        subject = (
            self._fill(compiled.subject, values, action, compiled)
            if compiled.subject is not None
            else None
        )
        return Message(action.template, compiled.locale, body, subject, contact, False)

    def _render_neutral(
        self, action: Action, locale: str, contact: ContactPoint | None
    ) -> Message:
        if self.third_party == "refuse":
            raise TemplateError(
                "refusing to message a contact point that is not the debtor",
                account_id=action.account_id,
                expected="a debtor's contact point (is_debtor=True)",
                got=repr(contact),
            )
        compiled = self._find(NEUTRAL_TEMPLATE, locale)
        if compiled is None:  # pragma: no cover - the defaults always have one
            raise TemplateError("no neutral template", account_id=action.account_id)
        generic = _GENERIC.get(compiled.locale, _GENERIC["en"])
        values = {
            "sender": self.neutral_sender or generic["sender"],
            "contact_line": self.contact_line or generic["contact_line"],
        }
        body = compiled.body.substitute(values)
        subject = compiled.subject.substitute(values) if compiled.subject else None
        amount = action.facts.amount
        if amount is not None and str(amount.amount) in body:
            raise TemplateError(
                "the neutral message would state the amount owed",
                account_id=action.account_id,
                expected="a neutral message without debt facts",
            )
        return Message(NEUTRAL_TEMPLATE, compiled.locale, body, subject, contact, True)

    def _fmt_time(self, dt: datetime | None) -> str | None:
        if dt is None:
            return None
        if self.tz is not None:
            dt = dt.astimezone(self.tz)
        return f"{dt:%Y-%m-%d}"

    def _values(self, action: Action, locale: str) -> dict[str, str | None]:
        generic = _GENERIC.get(locale, _GENERIC.get(locale.split("-")[0], _GENERIC["en"]))
        facts = action.facts
        creditor = facts.creditor or self.creditor or generic["creditor"]
        if action.performed_by == "third_party":
            identity = f"{self.agent} ({creditor})" if self.agent else None
        else:
            identity = creditor
        return {
            "amount": str(facts.amount.amount) if facts.amount is not None else None,
            "currency": facts.currency,
            "days_overdue": str(facts.days_overdue),
            "deadline": self._fmt_time(facts.deadline),
            "grace_end": self._fmt_time(facts.grace_end),
            "legal_terms": facts.legal_terms,
            "creditor": creditor,
            "identity": identity,
            "agent": self.agent,
            "account_id": action.account_id,
            "evidence": action.evidence.summary() if action.evidence is not None else None,
            "contact_line": self.contact_line or generic["contact_line"],
            # what the rung charges (Stage.fee): "<amount> <currency>", rate in percent a year
            "fee": str(facts.fee) if facts.fee is not None else None,
            "interest": str(facts.interest) if facts.interest is not None else None,
            "interest_rate": str(facts.interest_rate) if facts.interest_rate is not None else None,
        }

    def _fill(
        self,
        tpl: _SafeTemplate,
        values: Mapping[str, str | None],
        action: Action,
        compiled: _Compiled,
    ) -> str:
        used = {n: values.get(n) for n in tpl.get_identifiers()}
        empty = sorted(n for n, v in used.items() if v is None)
        if empty:
            hint = (
                " (rungs performed by a third party state the agent: Renderer(agent=...))"
                if "identity" in empty or "agent" in empty
                else ""
            )
            raise TemplateError(
                f"template {action.template!r} ({compiled.locale}) needs facts this action "
                f"does not carry{hint}",
                account_id=action.account_id,
                expected="a value for " + ", ".join(sorted(used)),
                got="nothing for " + ", ".join(empty),
            )
        return tpl.substitute({n: v for n, v in used.items() if v is not None})
