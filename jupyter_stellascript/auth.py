"""Identity for Stella Script: API tokens for headless servers, and the
mapping from whatever identity Jupyter provides to a :class:`Caller`.

- A headless server (``stellascript serve``) uses :class:`TokenIdentityProvider`:
  clients send ``Authorization: token <t>``; tokens are created with
  ``stellascript token create`` and stored only as SHA-256 hashes.
- Under JupyterHub, the Hub user and their groups (as teams) and admin flag.
- In a plain single-user JupyterLab, every request Jupyter authenticates is
  the server's owner.
"""

from __future__ import annotations

import getpass
import hashlib
import secrets
from dataclasses import dataclass, field

from jupyter_server.auth.identity import IdentityProvider, User
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from traitlets import Any as AnyTrait

from .db import ApiToken
from .identity import ANONYMOUS, Caller

TOKEN_PREFIX = "sst_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(sessions: sessionmaker, user: str, teams: list[str], admin: bool) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with sessions() as session, session.begin():
        session.add(ApiToken(token_sha256=hash_token(token), user=user, teams=sorted(set(teams)), admin=admin))
    return token


@dataclass
class StellaUser(User):
    teams: list[str] = field(default_factory=list)
    admin: bool = False


class TokenIdentityProvider(IdentityProvider):
    """Authenticates ``Authorization: token <t>`` against Stella Script's tokens."""

    sessions = AnyTrait(None, allow_none=True, help="Session factory; set by the extension at start-up.")

    @property
    def auth_enabled(self) -> bool:
        return True

    def get_user(self, handler) -> User | None:
        header = handler.request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip() or self.sessions is None:
            return None
        with self.sessions() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == hash_token(token.strip())))
        if row is None:
            handler._stellascript_bad_token = True
            return None
        handler._token_authenticated = True
        return StellaUser(username=row.user, name=row.user, teams=list(row.teams or []), admin=row.admin)


def caller_for(user: User | None) -> Caller:
    if user is None:
        return ANONYMOUS
    if isinstance(user, StellaUser):
        return Caller(name=user.username, teams=frozenset(user.teams), admin=user.admin)
    hub_user = getattr(user, "hub_user", None)
    if isinstance(hub_user, dict):
        return Caller(name=user.username, teams=frozenset(hub_user.get("groups") or ()), admin=bool(hub_user.get("admin")))
    # A single-user Jupyter server: whoever Jupyter let in is its owner.
    return Caller(name=getpass.getuser())
