"""Webhook triggers: a URL and a secret that start one script or workflow, as the webhook's owner.

The secret is shown once, at create and rotate; the database keeps only its
SHA-256. A call proves it knows the secret with ``Authorization: token
<secret>`` (hashed and compared), or signs its body the way GitHub does
(``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>``). HMAC needs a
key both sides hold, and the server holds only the digest: the signing key
is therefore the secret's SHA-256 in hex (``signing_key`` in the answer,
what to paste as GitHub's webhook secret). So a reader of the database
could sign calls, but never learns the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as random
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import iso_utc, utcnow
from ..errors import Forbidden, NotFound, Unauthenticated
from ..execution.fields import parse
from ..identity import Caller
from ..paging import DEFAULT_LIMIT, Page
from ..triggered_runs import ACCESS_LOST, RUN_KIND, TriggeredRuns, owner_caller, target_name
from .models import WebhookCreate, WebhookRecord
from .tables import Webhook

SECRET_PREFIX = "sswh_"
BAD_CREDENTIALS = "this webhook's secret or signature is missing, wrong, rotated or revoked"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Webhooks:
    def __init__(self, sessions: sessionmaker, triggered: TriggeredRuns) -> None:
        self.sessions = sessions
        self.triggered = triggered

    def create(self, caller: Caller, body: WebhookCreate | dict, base: str) -> dict:
        body = parse(WebhookCreate, body)
        if not caller.authenticated:
            raise Unauthenticated("webhooks need an authenticated user (their runs are theirs)")
        kind = "script" if body.script_id is not None else "workflow"
        target = self.triggered.describe(caller, kind, body.script_id if kind == "script" else body.workflow_id, body.version)
        secret = SECRET_PREFIX + random.token_urlsafe(32)
        hook = Webhook(id=str(uuid.uuid4()), name=body.name, owner=caller.name, owner_teams=sorted(caller.teams),
                       owner_admin=caller.admin, target_kind=kind, target_id=target["id"], version=body.version,
                       secret_sha256=digest(secret), created_at=utcnow())
        with self.sessions() as session, session.begin():
            session.add(hook)
            view = _view(session, hook, base)
        return {**view, "secret": secret, "signing_key": digest(secret)}

    def rotate(self, caller: Caller, webhook_id: str, base: str) -> dict:
        """A new secret; the old one stops working at once."""
        secret = SECRET_PREFIX + random.token_urlsafe(32)
        with self.sessions() as session, session.begin():
            hook = self._visible(session, caller, webhook_id)
            hook.secret_sha256, hook.rotated_at, hook.revoked_at = digest(secret), utcnow(), None
            session.flush()
            view = _view(session, hook, base)
        return {**view, "secret": secret, "signing_key": digest(secret)}

    def revoke(self, caller: Caller, webhook_id: str, base: str) -> dict:
        with self.sessions() as session, session.begin():
            hook = self._visible(session, caller, webhook_id)
            hook.revoked_at = hook.revoked_at or utcnow()
            session.flush()
            return _view(session, hook, base)

    def delete(self, caller: Caller, webhook_id: str) -> None:
        with self.sessions() as session, session.begin():
            session.delete(self._visible(session, caller, webhook_id))

    def get(self, caller: Caller, webhook_id: str, base: str) -> dict:
        with self.sessions() as session:
            return _view(session, self._visible(session, caller, webhook_id), base)

    def list(self, caller: Caller, base: str, limit: int = DEFAULT_LIMIT, offset: int = 0) -> tuple[list[dict], int]:
        page = Page.of(limit, offset)
        conditions = [] if caller.admin else [Webhook.owner == (caller.name or "\0")]
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(Webhook).where(*conditions))
            rows = session.scalars(select(Webhook).where(*conditions).order_by(Webhook.created_at, Webhook.id)
                                   .limit(page.limit).offset(page.offset)).all()
            return [_view(session, row, base) for row in rows], total

    def _visible(self, session: Session, caller: Caller, webhook_id: str) -> Webhook:
        hook = session.get(Webhook, webhook_id)
        if hook is None or not (caller.admin or (caller.authenticated and caller.name == hook.owner)):
            raise NotFound(f"no webhook {webhook_id}")
        return hook

    # -- a call --------------------------------------------------------------------------

    def authenticate(self, webhook_id: str, authorization: str | None, signature: str | None, body: bytes) -> Webhook:
        """The webhook, when the call carries its secret or a right signature; Unauthenticated otherwise
        (an unknown id, too: a caller without the secret learns nothing)."""
        with self.sessions() as session:
            hook = session.get(Webhook, webhook_id) if len(webhook_id) <= 36 else None
        if hook is None or hook.revoked_at is not None:
            raise Unauthenticated(BAD_CREDENTIALS)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() in ("token", "bearer") and token.strip():
            if hmac.compare_digest(digest(token.strip()), hook.secret_sha256):
                return hook
            raise Unauthenticated(BAD_CREDENTIALS)
        if signature and signature.startswith("sha256="):
            expected = hmac.new(hook.secret_sha256.encode(), body, hashlib.sha256).hexdigest()
            if hmac.compare_digest(signature[len("sha256="):].strip().lower(), expected):
                return hook
        raise Unauthenticated(BAD_CREDENTIALS)

    def start(self, hook: Webhook, values: dict[str, Any]) -> tuple[Caller, str, str]:
        """(owner, run kind, run id) of a run of the webhook's one target, as its owner."""
        owner = owner_caller(self.sessions, hook.owner, hook.owner_teams, hook.owner_admin)
        try:
            run_id = self.triggered.start(owner, hook.target_kind, hook.target_id, hook.version, values, {}, "webhook", hook.id)
        except ACCESS_LOST as error:
            raise Forbidden(f"the webhook's owner {hook.owner} can no longer run this {hook.target_kind}: {error}") from None
        with self.sessions() as session, session.begin():
            session.execute(update(Webhook).where(Webhook.id == hook.id).values(last_used_at=utcnow()))
        return owner, RUN_KIND[hook.target_kind], run_id


def _view(session: Session, hook: Webhook, base: str) -> dict:
    is_script = hook.target_kind == "script"
    return WebhookRecord(
        id=hook.id, name=hook.name, owner=hook.owner, script_id=hook.target_id if is_script else None,
        workflow_id=None if is_script else hook.target_id, target_name=target_name(session, hook.target_kind, hook.target_id),
        version=hook.version,
        url=f"{base.rstrip('/')}/webhooks/{hook.id}/run", revoked=hook.revoked_at is not None,
        created_at=iso_utc(hook.created_at), rotated_at=iso_utc(hook.rotated_at), revoked_at=iso_utc(hook.revoked_at),
        last_used_at=iso_utc(hook.last_used_at)).model_dump(mode="json", exclude_none=False)
