"""The process the crash test kills: dispatches many actions through a SQLite ledger.

Usage: ``python crash_worker.py LEDGER LOGDIR COUNT honours|plain``.

Its adapter stands for a provider: every call is appended to ``calls.log`` and every delivery
to ``delivered.log`` (one ``os.write`` per line with ``O_APPEND``, so a kill never leaves half
a line).  In ``honours`` mode the provider drops a key it already delivered, as an SMS gateway
with idempotency keys does; in ``plain`` mode it delivers whatever it is given.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from overdue.account import ContactPoint
from overdue.decision import Action, MessageFacts
from overdue.dispatch import (
    ChannelRegistry,
    Delivered,
    Dispatcher,
    Message,
    Renderer,
    SendOutcome,
    SqliteLedger,
)
from overdue.money import Money

NOW = datetime(2026, 1, 12, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _append(path: Path, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


class ProviderAdapter:
    channel = "sms"

    def __init__(self, logdir: Path, honours: bool) -> None:
        self.honours_keys = honours
        self.calls = logdir / "calls.log"
        self.delivered = logdir / "delivered.log"
        existing = self.delivered.read_text().split() if self.delivered.exists() else []
        self._seen = set(existing)

    def send(self, action: Action, *, idempotency_key: str, message: Message) -> SendOutcome:
        _append(self.calls, idempotency_key)
        time.sleep(0.001)  # the provider takes a moment: kills land mid-send too
        if self.honours_keys and idempotency_key in self._seen:
            return Delivered("duplicate-dropped")
        _append(self.delivered, idempotency_key)
        self._seen.add(idempotency_key)
        time.sleep(0.001)
        return Delivered(idempotency_key)


def actions(count: int) -> list[Action]:
    out = []
    for n in range(count):
        out.append(
            Action(
                account_id=f"A-{n}",
                stage="reminder",
                step="reminder.sms",
                channel="sms",
                template="reminder.sms",
                attempt=1,
                max_attempts=1,
                not_before=NOW - timedelta(minutes=1),
                idempotency_key=f"A-{n}:reminder#1:reminder.sms:1",
                facts=MessageFacts(amount=Money("100.00", "CNY"), days_overdue=3, deadline=None),
                contact=ContactPoint("sms", f"+86138{n:08d}"),
            )
        )
    return out


def main() -> int:
    ledger_path, logdir, count, mode = sys.argv[1:5]
    registry = ChannelRegistry([ProviderAdapter(Path(logdir), mode == "honours")])
    batch = actions(int(count))
    with SqliteLedger(ledger_path) as ledger:
        dispatcher = Dispatcher(registry, ledger=ledger, renderer=Renderer(locale="en"))
        print("ready", flush=True)
        statuses: dict[str, int] = {}
        for chunk in range(0, len(batch), 25):
            report = dispatcher.dispatch(batch[chunk : chunk + 25], now=NOW)
            for r in report.results:
                key = r.status + ("+recovered" if r.recovered else "")
                statuses[key] = statuses.get(key, 0) + 1
    print(json.dumps(statuses), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
