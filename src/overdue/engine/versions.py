"""Policy versions in flight: deciding an account that entered its rung under another version.

Every ``StageEntered`` the engine asks a host to record names the policy id and version the
rung was entered under.  When a team ships version 2 of a policy, an account whose last rung
was entered under version 1 is *in flight*, and the new policy's ``on_new_version`` says what
happens to it:

``continue`` (the default, and what ``decide`` does)
    The account keeps its rung, looked up by rung id in the new version, and its step
    progress; the new version's steps, deadlines and rules apply from now on.  A rung id that
    the new version switched off goes on to the next enabled rung after it (reason
    ``disabled_stage``); a rung id the new version no longer has at all places the account
    from the bottom of the new ladder (reason ``unknown_stage``): nothing says where a removed
    rung would sit, and the bottom is the one place that never skips a notice the debtor is
    owed.  The decision states the version change (reason ``version_continue``).
``restart``
    The account re-enters the new ladder from the bottom (the way a re-evaluating billing
    system re-reads the account under the new plan); the decision records a new
    ``StageEntered`` under the new version, so it restarts once (reason ``version_restart``).
``pin``
    The account keeps being decided under the version it entered under, until it leaves the
    ladder (paid, written off) or a new debt climbs it under the current version.  The caller
    supplies the old versions in a :class:`PolicySet`; a missing one is a
    :class:`~overdue.errors.PolicyVersionMissingError` naming the account and the versions on
    hand (reason ``version_pinned``).

A history recorded before versions were recorded has ``StageEntered`` events without them:
such an account is taken to be under ``unrecorded`` when given (the migration report passes
the old policy), else under the current policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from overdue.account import Account
from overdue.decision import Decision, Reason
from overdue.engine.decider import decide
from overdue.errors import PolicyError, PolicyVersionMissingError
from overdue.policy import Policy
from overdue.snapshot import Snapshot, fold

__all__ = ["PolicySet", "decide_honouring_versions", "decide_versioned", "entered_under"]


def _keyed(value: Mapping[tuple[str, str], Policy]) -> Mapping[tuple[str, str], Policy]:
    return MappingProxyType(dict(value))


@attrs.frozen
class PolicySet:
    """The policy versions a host keeps, keyed by ``(id, version)``; build it with :meth:`of`.

    ``pin`` needs the version an account started under: keep every version that still has
    accounts in flight in the set (``PolicySet.of(v1, v2, v3)``).
    """

    policies: Mapping[tuple[str, str], Policy] = attrs.field(factory=dict, converter=_keyed)

    @classmethod
    def of(cls, *policies: Policy | Iterable[Policy]) -> PolicySet:
        """A set of the given policies; two different policies with one (id, version) refused."""
        out: dict[tuple[str, str], Policy] = {}
        for item in policies:
            for p in (item,) if isinstance(item, Policy) else item:
                if not isinstance(p, Policy):
                    raise PolicyError("a PolicySet holds Policy values", got=p)
                key = (p.id, p.version)
                if key in out and out[key] != p:
                    raise PolicyError(
                        f"two different policies are both {p.id!r} version {p.version!r}",
                        expected="one policy per (id, version): give the new one a new version",
                    )
                out[key] = p
        return cls(out)

    def with_policy(self, *policies: Policy) -> PolicySet:
        """This set with ``policies`` added."""
        return PolicySet.of(*self.policies.values(), *policies)

    def get(self, policy_id: str, version: str, *, account_id: str | None = None) -> Policy:
        """The policy ``policy_id`` at ``version``; a located error naming the versions held."""
        found = self.policies.get((policy_id, version))
        if found is not None:
            return found
        held = sorted(v for (i, v) in self.policies if i == policy_id)
        raise PolicyVersionMissingError(
            f"the account is pinned to policy {policy_id!r} version {version!r}, which was not "
            "supplied",
            account_id=account_id,
            expected=f"PolicySet.of(...) holding {policy_id!r} version {version!r} (held: "
            + (", ".join(repr(v) for v in held) or "no version of it")
            + "), or on_new_version = 'continue' or 'restart' on the new policy",
            got=f"{policy_id} {version}",
        )

    def versions(self, policy_id: str) -> tuple[str, ...]:
        """The versions held of ``policy_id``, sorted as text."""
        return tuple(sorted(v for (i, v) in self.policies if i == policy_id))

    def __contains__(self, key: object) -> bool:
        return key in self.policies

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies.values())

    def __len__(self) -> int:
        return len(self.policies)

    def __reduce__(self) -> tuple[object, tuple[Policy, ...]]:
        # A read-only mapping does not pickle; batch workers, Dask and Spark ship the set to
        # other processes, so it travels as its policies and is rebuilt there.
        return PolicySet.of, tuple(self.policies.values())


def entered_under(snapshot: Snapshot) -> tuple[str, str] | None:
    """``(policy id, version)`` the account's current rung was entered under, if recorded."""
    if snapshot.stage is None or not snapshot.stages_entered:
        return None
    last = snapshot.stages_entered[-1]
    if last.policy_id is None or last.policy_version is None:
        return None
    return last.policy_id, last.policy_version


def _note(d: Decision, code: str, message: str) -> Decision:
    return attrs.evolve(d, reasons=(Reason("engine", "info", code, message), *d.reasons))


def decide_versioned(
    policy: Policy,
    account: Account,
    now: datetime,
    *,
    versions: PolicySet | None = None,
    unrecorded: Policy | None = None,
    snapshot: Snapshot | None = None,
    as_known_at: datetime | None = None,
) -> Decision:
    """Decide ``account`` under ``policy``, honouring ``policy.on_new_version`` for an account
    whose rung was entered under another version (see the module docstring).

    Args:
        policy: the current policy (the new version).
        versions: the old versions, for ``pin`` (the current policy need not be in it).
        unrecorded: the policy a rung entered without a recorded version was entered under
            (``None``: the current policy, so such an account is decided as by ``decide``).
        snapshot, as_known_at: as for :func:`~overdue.engine.decide`.

    Returns:
        The decision; for an account in flight its first reason names the version change.
        An account not in flight gets exactly ``decide(policy, account, now)``.

    Raises:
        PolicyVersionMissingError: ``pin`` and the version the account entered under is not
            in ``versions`` (located with the account id).
    """
    snap = snapshot if snapshot is not None else fold(account, now, as_known_at=as_known_at)
    under = entered_under(snap)
    if under is None and snap.stage is not None and unrecorded is not None:
        under = (unrecorded.id, unrecorded.version)
    current = (policy.id, policy.version)
    if under is None or under == current:
        return decide(policy, account, now, snapshot=snap)
    was = f"{under[0]} {under[1]}"
    mode = policy.on_new_version
    if mode == "pin":
        held = versions if versions is not None else PolicySet()
        if unrecorded is not None:
            held = held.with_policy(unrecorded)
        old = held.get(*under, account_id=account.id)
        d = decide(old, account, now, snapshot=snap)
        return _note(
            d,
            "version_pinned",
            f"rung {snap.stage} was entered under {was}; {policy.id} {policy.version} pins "
            f"accounts in flight, so it is decided under {was}",
        )
    if mode == "restart":
        fresh = attrs.evolve(snap, stage=None, stage_since=None, steps=MappingProxyType({}))
        d = decide(policy, account, now, snapshot=fresh)
        if d.transition is not None:
            d = attrs.evolve(d, transition=attrs.evolve(d.transition, from_stage=snap.stage))
        return _note(
            d,
            "version_restart",
            f"rung {snap.stage} was entered under {was}; {policy.id} {policy.version} restarts "
            "accounts in flight from the bottom of its ladder",
        )
    d = decide(policy, account, now, snapshot=snap)
    kept = snap.stage in policy.compiled.enabled_by_id
    where = (
        f"continues on rung {snap.stage}"
        if kept
        else f"has no enabled rung {snap.stage} (see the reason below for where it goes)"
    )
    return _note(
        d,
        "version_continue",
        f"rung {snap.stage} was entered under {was}; {policy.id} {policy.version} {where}",
    )


def decide_honouring_versions(
    policy: Policy, account: Account, now: datetime, *, versions: PolicySet | None = None
) -> Decision:
    """What every many-account path calls (``decide_many``, ``overdue next``, the portfolio
    kernel), so that none of them quietly decides a ``pin`` or ``restart`` account as
    ``continue``.

    With no ``versions`` and ``on_new_version = "continue"`` it is exactly ``decide`` (the
    decisions those paths gave before versions existed, without the ``version_continue``
    note); otherwise it is :func:`decide_versioned`: ``restart`` needs no old versions, and a
    ``pin`` account whose version is not in ``versions`` raises
    :class:`~overdue.errors.PolicyVersionMissingError` naming the account, which the paths
    report for that account alone.
    """
    if versions is None and policy.on_new_version == "continue":
        return decide(policy, account, now)
    return decide_versioned(policy, account, now, versions=versions)
