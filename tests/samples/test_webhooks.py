"""slack-notification (Python, slack-sdk 3.23.0) and webhook-sender
(TypeScript) against a real webhook receiver on loopback: it answers as
Slack's incoming webhooks do (200 "ok"; 404 "no_service", 400
"invalid_payload", 429 with Retry-After, 500), checks signatures and keeps
every delivery it was sent."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from tests.samples.library import SampleRunner, covers

pytestmark = pytest.mark.slow

SIGNING_KEY = "whsec-0123456789abcdef"


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class Receiver:
    port: int
    deliveries: list[Delivery] = field(default_factory=list)
    # path -> the statuses still to answer before succeeding (a flaky endpoint)
    failures_left: dict[str, list[int]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Delivery]:
        return [d for d in self.deliveries if d.path == path]


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    """/services/ok: Slack's 200 "ok"; /services/revoked: 404 "no_service";
    /services/flaky: a 429 (Retry-After: 1) then a 500, then "ok";
    /hooks/ok: 200 {"received": id} when the signature is right, else 401;
    /hooks/flaky: 503 twice then 200; /hooks/down: always 500; /hooks/gone: 410."""

    protocol_version = "HTTP/1.1"
    receiver: Receiver

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path
        self.receiver.deliveries.append(Delivery(path, {k.lower(): v for k, v in self.headers.items()}, json.loads(raw)))
        pending = self.receiver.failures_left.get(path)
        if pending:
            status = pending.pop(0)
            self.answer(status, "rate_limited" if status == 429 else "server_error", {"Retry-After": "1"} if status == 429 else {})
        elif path == "/services/ok" or path == "/services/flaky":
            self.answer(200, "ok")
        elif path == "/services/revoked":
            self.answer(404, "no_service")
        elif path in ("/hooks/ok", "/hooks/flaky"):
            expected = "sha256=" + hmac.new(SIGNING_KEY.encode(), raw, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(self.headers.get("X-Signature-256", ""), expected)
            self.answer(200 if signed else 401, json.dumps({"received": self.headers["Idempotency-Key"]} if signed else {"error": "bad signature"}))
        elif path == "/hooks/gone":
            self.answer(410, "gone")
        else:
            self.answer(500, "down")

    def answer(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        data = text.encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json" if text.startswith("{") else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    state = Receiver(0)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), type("Bound", (ReceiverHandler,), {"receiver": state}))
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


@covers("slack-notification")
def test_slack_notification_is_delivered_with_its_attachment(samples: SampleRunner, receiver: Receiver) -> None:
    webhook = samples.secret("slack-webhook", receiver.url("/services/ok"))
    run = samples.run("slack-notification", {"webhook_url": webhook, "text": "Deployed *checkout* 1.4.2", "status": "success",
                                             "fields": {"version": "1.4.2", "env": "prod"}})
    assert run.exit_code == 0, run.describe()
    assert run.outputs == {"delivered": True, "status": 200, "body": "ok", "status_level": "success"}
    assert run.lines("✓") == ["✓ delivered (success): Deployed *checkout* 1.4.2"]
    (delivery,) = receiver.to("/services/ok")
    assert delivery.body["text"] == "Deployed *checkout* 1.4.2"
    (attachment,) = delivery.body["attachments"]
    assert (attachment["color"], attachment["title"]) == ("good", "Stella Script")
    assert attachment["fields"] == [{"title": "version", "value": "1.4.2", "short": True},
                                    {"title": "env", "value": "prod", "short": True}]
    assert receiver.url("/services/ok") not in run.stdout + run.record["stderr"]  # the webhook URL is a secret


@covers("slack-notification")
def test_slack_notification_retries_rate_limits_and_reports_a_refusal(samples: SampleRunner, receiver: Receiver) -> None:
    receiver.failures_left["/services/flaky"] = [429, 500]
    webhook = samples.secret("slack-webhook", receiver.url("/services/flaky"))
    run = samples.run("slack-notification", {"webhook_url": webhook, "text": "second try"})
    assert run.exit_code == 0, run.describe()
    assert len(receiver.to("/services/flaky")) == 3  # the 429, the 500, then "ok"

    webhook = samples.secret("slack-webhook", receiver.url("/services/revoked"))
    run = samples.run("slack-notification", {"webhook_url": webhook, "text": "nobody hears this", "status": "failure"})
    assert run.exit_code == 1, run.describe()
    assert (run.outputs["delivered"], run.outputs["status"], run.outputs["body"]) == (False, 404, "no_service")
    assert run.lines("✗") == ["✗ the webhook refused the message: 404 no_service"]
    assert len(receiver.to("/services/revoked")) == 1  # a 404 is final


@covers("webhook-sender")
def test_webhook_is_signed_retried_and_confirmed(samples: SampleRunner, receiver: Receiver) -> None:
    receiver.failures_left["/hooks/flaky"] = [503, 503]
    webhook = samples.secret("release-hook", receiver.url("/hooks/flaky"))
    key = samples.secret("release-hook-key", SIGNING_KEY)
    run = samples.run("webhook-sender", {"webhook_url": webhook, "signing_secret": key, "event": "deploy.finished",
                                         "data": {"service": "checkout", "version": "1.4.2"}, "initial_delay_ms": 100})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["delivered"], out["attempts"], out["status"]) == (True, 3, 200)
    assert out["receipt"] == {"received": out["idempotency_key"]}
    deliveries = receiver.to("/hooks/flaky")
    assert len(deliveries) == 3
    assert {d.headers["idempotency-key"] for d in deliveries} == {out["idempotency_key"]}  # one key for every retry
    assert deliveries[0].body["event"] == "deploy.finished" and deliveries[0].body["data"] == {"service": "checkout", "version": "1.4.2"}
    assert run.lines("✗") == ["✗ attempt 1: 503", "✗ attempt 2: 503"] and run.lines("✓") == ["✓ attempt 3: 200 — delivered"]


@covers("webhook-sender")
def test_webhook_fails_when_refused_or_never_confirmed(samples: SampleRunner, receiver: Receiver) -> None:
    webhook = samples.secret("release-hook", receiver.url("/hooks/ok"))
    run = samples.run("webhook-sender", {"webhook_url": webhook, "data": {"x": 1}})  # unsigned: the receiver says 401
    assert run.exit_code == 1, run.describe()
    assert (run.outputs["delivered"], run.outputs["attempts"], run.outputs["status"]) == (False, 1, 401)

    webhook = samples.secret("release-hook", receiver.url("/hooks/down"))
    run = samples.run("webhook-sender", {"webhook_url": webhook, "data": {"x": 1}, "max_attempts": 3, "initial_delay_ms": 50})
    assert run.exit_code == 1, run.describe()
    assert (run.outputs["delivered"], run.outputs["attempts"], run.outputs["status"]) == (False, 3, 500)
    assert len(receiver.to("/hooks/down")) == 3 and run.lines("✗")[-1] == "✗ not delivered after 3 attempt(s)"
