"""The example adapters against real servers on 127.0.0.1: a tiny SMTP server and an HTTP
SMS gateway, both written here with the standard library (``smtpd`` is gone in 3.12)."""

from __future__ import annotations

import email
import email.policy
import importlib.util
import json
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from overdue.decision import Action
from overdue.dispatch import (
    ChannelRegistry,
    Delivered,
    Dispatcher,
    Failed,
    InMemoryLedger,
    Renderer,
    RetryPolicy,
    Unknown,
    check_adapter,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "adapters"
#: Socket timeout for the adapters talking to the servers in this file: a guard against a hang,
#: long enough that a busy machine never turns a slow local reply into a "timeout" outcome.
PATIENT = 300.0
MakeAction = Callable[..., Action]


def _load(name: str) -> ModuleType:
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"overdue_example_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


email_smtp = _load("email_smtp")
sms_http = _load("sms_http")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- a tiny SMTP server --------------------------------------------------------------------


class SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpServer

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 127.0.0.1 test ESMTP")
        rcpts: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line[:4].decode().upper()
            arg = line[5:].decode().strip()
            if verb == "EHLO":
                self.reply("250-127.0.0.1")
                self.reply("250 8BITMIME")
            elif verb == "HELO" or verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "MAIL":
                rcpts = []
                self.reply("250 OK")
            elif verb == "RCPT":
                address = arg.split(":", 1)[1].strip().strip("<>").split(">")[0]
                if address in self.server.reject:
                    self.reply("550 no such user here")
                else:
                    rcpts.append(address)
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                if self.server.drop_after_data:
                    return  # hang up: the message may or may not have been queued
                self.server.messages.append((rcpts, bytes(data)))
                self.reply(f"250 OK queued as {len(self.server.messages)}")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[tuple[list[str], bytes]] = []
        self.reject: set[str] = set()
        self.drop_after_data = False

    @property
    def port(self) -> int:
        return int(self.server_address[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _notice(make_action: MakeAction, address: str = "li@example.com") -> Action:
    return make_action(channel="email", address=address, template="reminder.in_app")


def test_email_adapter_sends_through_a_real_smtp_server(
    smtp_server: SmtpServer, make_action: MakeAction
) -> None:
    adapter = email_smtp.SmtpEmailAdapter(
        "127.0.0.1", smtp_server.port, sender="billing@example.com", password="pw-123",
        timeout=PATIENT,
    )
    dispatcher = Dispatcher(ChannelRegistry([adapter]), renderer=Renderer(locale="zh-CN"))
    action = _notice(make_action)
    report = dispatcher.dispatch([action], now=action.not_before)
    assert report.results[0].status == "sent", report.results[0].detail
    [(rcpts, data)] = smtp_server.messages
    assert rcpts == ["li@example.com"]
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert parsed["Subject"] == "还款提醒"
    assert parsed["Message-ID"] == adapter.message_id(action.idempotency_key)
    body = parsed.get_body().get_content()  # type: ignore[union-attr]
    assert "1200.50 CNY" in body
    assert "逾期 16 天" in body
    assert "pw-123" not in repr(adapter)


def test_email_adapter_reports_refusal_unreachability_and_doubt(
    smtp_server: SmtpServer, make_action: MakeAction
) -> None:
    adapter = email_smtp.SmtpEmailAdapter(
        "127.0.0.1", smtp_server.port, sender="b@example.com", timeout=PATIENT
    )
    message = Renderer(locale="en").render(_notice(make_action))
    smtp_server.reject.add("gone@example.com")
    refused = adapter.send(
        _notice(make_action, "gone@example.com"), idempotency_key="k1", message=message
    )
    assert refused == Failed("rejected", detail="recipient g***@example.com refused")
    smtp_server.drop_after_data = True
    doubt = adapter.send(_notice(make_action), idempotency_key="k2", message=message)
    assert isinstance(doubt, Unknown)
    dead = email_smtp.SmtpEmailAdapter("127.0.0.1", _closed_port(), sender="b@example.com")
    unreachable = dead.send(_notice(make_action), idempotency_key="k3", message=message)
    assert isinstance(unreachable, Failed)
    assert unreachable.retryable


def test_email_adapter_conforms(smtp_server: SmtpServer) -> None:
    adapter = email_smtp.SmtpEmailAdapter(
        "127.0.0.1", smtp_server.port, sender="b@example.com", password="pw-123", timeout=PATIENT
    )
    broken = email_smtp.SmtpEmailAdapter("127.0.0.1", _closed_port(), sender="b@example.com")
    assert check_adapter(
        adapter, address="li@example.com", broken=broken, secrets=["pw-123"]
    ) == []


# -- a local HTTP SMS gateway --------------------------------------------------------------


class Gateway(BaseHTTPRequestHandler):
    TOKEN: ClassVar[str] = "tok-abc"
    delivered: ClassVar[dict[str, dict[str, Any]]] = {}
    requests: ClassVar[list[dict[str, Any]]] = []
    fail_next: ClassVar[list[int]] = []

    def log_message(self, *_: object) -> None:
        return

    def answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(payload)
        if self.headers["Authorization"] != f"Bearer {self.TOKEN}":
            self.answer(401, {"error": "bad token"})
            return
        if type(self).fail_next:
            self.answer(type(self).fail_next.pop(0), {"error": "busy"})
            return
        key = self.headers["Idempotency-Key"]
        if key in self.delivered:
            self.answer(200, {"id": self.delivered[key]["id"]})
            return
        self.delivered[key] = {"id": f"msg-{len(self.delivered) + 1}", **payload}
        self.answer(201, {"id": self.delivered[key]["id"]})


@pytest.fixture
def gateway() -> Iterator[tuple[str, type[Gateway]]]:
    Gateway.delivered = {}
    Gateway.requests = []
    Gateway.fail_next = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/sms", Gateway
    server.shutdown()
    server.server_close()


def test_sms_adapter_posts_to_a_real_http_gateway(
    gateway: tuple[str, type[Gateway]], make_action: MakeAction
) -> None:
    url, gw = gateway
    adapter = sms_http.HttpSmsAdapter(url, token=gw.TOKEN, timeout=PATIENT)
    waits: list[float] = []
    dispatcher = Dispatcher(
        ChannelRegistry([adapter]), retry=RetryPolicy(backoff=0.01, sleep=waits.append)
    )
    gw.fail_next = [503]
    action = make_action()
    report = dispatcher.dispatch([action], now=action.not_before)
    result = report.results[0]
    assert result.status == "sent", result.detail
    assert result.attempts == 2
    assert waits == [0.01]
    assert result.outcome == Delivered("msg-1")
    [sent] = gw.delivered.values()
    assert sent["to"] == "+8613812345678"
    assert "1200.50 CNY" in sent["text"]
    assert sent["idempotency_key"] == action.idempotency_key


def test_the_gateway_drops_a_repeated_key_even_if_the_ledger_was_lost(
    gateway: tuple[str, type[Gateway]], make_action: MakeAction
) -> None:
    url, gw = gateway
    adapter = sms_http.HttpSmsAdapter(url, token=gw.TOKEN, timeout=PATIENT)
    action = make_action()
    for _ in range(2):  # two hosts with separate ledgers: a retried batch after a lost ledger
        dispatcher = Dispatcher(ChannelRegistry([adapter]), ledger=InMemoryLedger())
        assert dispatcher.dispatch([action], now=action.not_before).results[0].status == "sent"
    assert len(gw.requests) == 2
    assert len(gw.delivered) == 1


def test_sms_adapter_failures(gateway: tuple[str, type[Gateway]], make_action: MakeAction) -> None:
    url, gw = gateway
    message = Renderer().render(make_action())
    bad_token = sms_http.HttpSmsAdapter(url, token="wrong", timeout=PATIENT)
    assert bad_token.send(make_action(), idempotency_key="k", message=message) == Failed(
        "http_401", retryable=False, detail="bad token"
    )
    gw.fail_next = [429]
    adapter = sms_http.HttpSmsAdapter(url, token=gw.TOKEN, timeout=PATIENT)
    limited = adapter.send(make_action(), idempotency_key="k", message=message)
    assert isinstance(limited, Failed)
    assert limited.retryable
    dead = sms_http.HttpSmsAdapter(f"http://127.0.0.1:{_closed_port()}/", token=gw.TOKEN)
    down = dead.send(make_action(), idempotency_key="k", message=message)
    assert down == Failed("unreachable", retryable=True, detail="ConnectionRefusedError")


def test_sms_adapter_conforms(gateway: tuple[str, type[Gateway]]) -> None:
    url, gw = gateway
    adapter = sms_http.HttpSmsAdapter(url, token=gw.TOKEN, timeout=PATIENT)
    broken = sms_http.HttpSmsAdapter(f"http://127.0.0.1:{_closed_port()}/", token=gw.TOKEN)
    failures = check_adapter(
        adapter, broken=broken, secrets=[gw.TOKEN], deliveries=lambda: len(gw.delivered)
    )
    assert failures == []
