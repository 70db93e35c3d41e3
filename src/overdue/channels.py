"""Channel traits, declared once: which channels ring, which visit, which can be answered.

Channels are plain names (``sms``, ``phone``, ``ai_voice``) and a policy may add its own; what
the library needs to know about a few well-known names is said here and nowhere else.  The
engine's projection (``overdue.timeline``), the simulator, the notebook's fitted behaviour, the
testing kit (machine, proofs, mutants, invariants), the conduct rules and ``overdue check`` all
read these sets, so an unanswered call means the same thing in each of them.

Addressless channels (that need no contact point) are a choice of each policy:
``Policy.addressless_channels``.
"""

from __future__ import annotations

__all__ = ["ANSWERABLE_CHANNELS", "CALL_CHANNELS", "VISIT_CHANNELS"]

CALL_CHANNELS = frozenset({"phone", "call", "voice", "ai_voice", "robocall"})
"""Channels that ring the debtor: a person or a voice system speaks, and nobody may pick up.
``overdue check`` wants them under a contact-hours rule."""

VISIT_CHANNELS = frozenset({"field_visit", "visit"})
"""Channels on which someone calls at the debtor's address in person; a
:class:`~overdue.rules.FieldVisitConduct` without filters applies to them."""

ANSWERABLE_CHANNELS = CALL_CHANNELS | VISIT_CHANNELS
"""Channels whose contact is answered or not (a conversation, or ``no_answer``), where the
others are delivered or not.  A projection that assumes nobody answers records ``no_answer``
on these and ``delivered`` on the rest."""
