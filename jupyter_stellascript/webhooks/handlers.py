"""REST: /webhooks (owner's CRUD, rotate, revoke) and /webhooks/{id}/run (the call, authenticated by its secret)."""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated

from ..handlers.base import StellaHandler
from ..handlers.bodies import decode_object
from .models import WebhookCreate

_ID = r"(?P<webhook_id>[^/]+)"


class _Webhooks(StellaHandler):
    @property
    def webhooks(self):
        return self.stella.webhooks

    @property
    def api_base(self) -> str:
        """Where the API is, as the caller reached it (the URL the webhook answers at)."""
        return f"{self.request.protocol}://{self.request.host}{self.base_url}stellascript/api/v1"


class WebhooksHandler(_Webhooks):
    def get(self) -> None:
        items, total = self.webhooks.list(self.caller, self.api_base, limit=self.query_int("limit", 50),
                                          offset=self.query_int("offset", 0))
        self.send_json({"items": items, "total": total})

    def post(self) -> None:
        hook = self.webhooks.create(self.caller, self.parse(WebhookCreate), self.api_base)
        self.set_header("Cache-Control", "no-store")  # the secret is in it
        self.send_json(hook, status=201)


class WebhookHandler(_Webhooks):
    def get(self, webhook_id: str) -> None:
        self.send_json(self.webhooks.get(self.caller, webhook_id, self.api_base))

    def delete(self, webhook_id: str) -> None:
        self.webhooks.delete(self.caller, webhook_id)
        self.set_status(204)
        self.finish()


class RotateHandler(_Webhooks):
    def post(self, webhook_id: str) -> None:
        self.set_header("Cache-Control", "no-store")
        self.send_json(self.webhooks.rotate(self.caller, webhook_id, self.api_base))


class RevokeHandler(_Webhooks):
    def post(self, webhook_id: str) -> None:
        self.send_json(self.webhooks.revoke(self.caller, webhook_id, self.api_base))


class WebhookRunHandler(_Webhooks):
    """The secret is the credential here, not a user: Jupyter's own login does not apply."""

    def check_xsrf_cookie(self) -> None:
        # XSRF guards what a browser's login cookie authorizes; this endpoint is authorized by
        # the secret in a header (or a signature header), which no cross-site form can send,
        # and does nothing as the cookie's user: a login cookie sent along changes nothing.
        return None

    @allow_unauthenticated
    async def post(self, webhook_id: str) -> None:
        hook = self.webhooks.authenticate(webhook_id, self.request.headers.get("Authorization"),
                                          self.request.headers.get("X-Hub-Signature-256"), self.request.body)
        values = decode_object(self.request.body) if self.request.body.strip() else {}
        owner, run_kind, run_id = self.webhooks.start(hook, values)
        runs = self.stella.triggered_runs
        if self.get_query_argument("wait", "false").lower() in ("1", "true", "yes"):
            await runs.wait(run_kind, run_id)
            self.send_json(runs.record(owner, run_kind, run_id))
            return
        key = "execution_id" if run_kind == "execution" else "run_id"
        self.send_json({key: run_id, "run_kind": run_kind, "status": "Queued"}, status=202)


def webhook_routes(prefix: str) -> list[tuple[str, type]]:
    return [
        (rf"{prefix}/webhooks/?", WebhooksHandler),
        (rf"{prefix}/webhooks/{_ID}/?", WebhookHandler),
        (rf"{prefix}/webhooks/{_ID}/rotate/?", RotateHandler),
        (rf"{prefix}/webhooks/{_ID}/revoke/?", RevokeHandler),
        (rf"{prefix}/webhooks/{_ID}/run/?", WebhookRunHandler),
    ]
