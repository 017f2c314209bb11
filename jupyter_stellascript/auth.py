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
import json
import secrets
from dataclasses import dataclass, field

from jupyter_server.auth.identity import IdentityProvider, User
from sqlalchemy import delete, select
from sqlalchemy.orm import sessionmaker
from traitlets import Any as AnyTrait
from traitlets import default

from .db import ApiToken
from .hub_identity import require_groups
from .identity import ANONYMOUS, Caller

TOKEN_PREFIX = "sst_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(sessions: sessionmaker, user: str, teams: list[str], admin: bool) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with sessions() as session, session.begin():
        session.add(ApiToken(token_sha256=hash_token(token), user=user, teams=sorted(set(teams)), admin=admin))
    return token


def revoke_tokens(sessions: sessionmaker, *, token: str | None = None, user: str | None = None) -> int:
    """Delete one token, or every token of a user; how many went."""
    with sessions() as session, session.begin():
        query = delete(ApiToken).where(ApiToken.token_sha256 == hash_token(token)) if token else \
            delete(ApiToken).where(ApiToken.user == user)
        return session.execute(query).rowcount


@dataclass
class StellaUser(User):
    teams: list[str] = field(default_factory=list)
    admin: bool = False
    # Which API token identified the user: a browser's login cookie names it,
    # so that revoking the token also ends the browser sessions it opened.
    token_sha256: str = field(default="", repr=False, compare=False)


class TokenIdentityProvider(IdentityProvider):
    """Identities from Stella Script's API tokens.

    Programs send ``Authorization: token <t>`` (and get no cookie). A browser (JupyterLab with
    this provider, for teams sharing one server) opens ``/lab?token=<t>`` or
    types the token on Jupyter's login page; it then holds Jupyter's signed
    login cookie, which names the token's hash, so every request re-checks
    that the token still exists (a revoked token logs its browsers out).
    Cookie-authenticated requests are subject to Jupyter's XSRF checks."""

    sessions = AnyTrait(None, allow_none=True, help="Session factory; set by the extension at start-up.")

    @default("token")
    def _no_shared_token(self) -> str:
        # No server-wide token: every identity is an API token's user (and
        # JupyterLab's page must not send a shared one in its requests).
        return ""

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def _user_for(self, token_sha256: str) -> StellaUser | None:
        if self.sessions is None:
            return None
        with self.sessions() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_sha256))
        if row is None:
            return None
        return StellaUser(username=row.user, name=row.user, teams=list(row.teams or []), admin=row.admin,
                          token_sha256=token_sha256)

    async def get_user_token(self, handler) -> User | None:
        token = (self.get_token(handler) or "").strip()
        if not token:
            return None
        user = self._user_for(hash_token(token))
        if user is None:
            handler._stellascript_bad_token = True
        return user

    def set_login_cookie(self, handler, user: User) -> None:
        """Only a browser login gets the login cookie: a token in the URL
        (``/lab?token=``) or typed on the login page. A program that sends
        ``Authorization: token <t>`` sends it every time; a cookie would
        only be a second, longer-lived credential it never asked for."""
        if self._token_in_header(handler):
            return
        super().set_login_cookie(handler, user)

    def _token_in_header(self, handler) -> bool:
        return not handler.get_argument("token", "") and bool(
            self.auth_header_pat.match(handler.request.headers.get("Authorization", "")))

    def user_to_cookie(self, user: User) -> str:
        if isinstance(user, StellaUser) and user.token_sha256:
            return json.dumps({"token_sha256": user.token_sha256})
        return super().user_to_cookie(user)

    def user_from_cookie(self, cookie_value: str) -> User | None:
        data = json.loads(cookie_value)
        if "token_sha256" not in data:
            return None  # a cookie this provider did not write
        return self._user_for(str(data["token_sha256"]))

    def identity_model(self, user: User) -> dict:
        model = super().identity_model(user)
        model.pop("token_sha256", None)  # /api/me is not the place for it
        return model

    def process_login_form(self, handler) -> User | None:
        """Jupyter's login page: the password is a Stella Script API token."""
        typed = handler.get_argument("password", default="").strip()
        return self._user_for(hash_token(typed)) if typed else None


def caller_for(user: User | None) -> Caller:
    if user is None:
        return ANONYMOUS
    if isinstance(user, StellaUser):
        return Caller(name=user.username, teams=frozenset(user.teams), admin=user.admin)
    hub_user = getattr(user, "hub_user", None)
    if isinstance(hub_user, dict):
        require_groups(hub_user)
        return Caller(name=user.username, teams=frozenset(hub_user.get("groups") or ()), admin=bool(hub_user.get("admin")))
    # A single-user Jupyter server: whoever Jupyter let in is its owner.
    return Caller(name=getpass.getuser())
