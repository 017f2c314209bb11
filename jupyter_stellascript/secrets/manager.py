"""SecretManager: secrets' metadata and encrypted values, and what a run is given.

Every method takes the caller's identity; a secret the caller may not use is
"not found" (its existence is not revealed). Values go in (create, replace)
and out only to runs (:meth:`deliver`), decrypted in memory.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterable, Mapping

from cryptography.fernet import InvalidToken
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..db import utcnow
from ..errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from ..identity import Caller
from .crypto import KeyMismatch, SecretCipher, require_current_key
from .delivery import DeliveredSecret
from .models import MAX_SECRETS_PER_RUN, SecretCreate, SecretReplace, SecretRow, SecretVisibility
from .visibility import can_change, can_use, usable_secrets

log = logging.getLogger(__name__)


class SecretManager:
    def __init__(self, sessions: sessionmaker, cipher: SecretCipher) -> None:
        self.sessions = sessions
        self.cipher = cipher

    # -- changing -----------------------------------------------------------------

    def create(self, caller: Caller, body: SecretCreate) -> dict:
        _require_user(caller)
        team = _team_for(caller, body.visibility, body.team)
        row = SecretRow(owner=caller.name, name=body.name, description=body.description, visibility=body.visibility.value,
                        team=team, version=1, ciphertext=self.cipher.encrypt(body.value), updated_by=caller.name)
        try:
            with self.sessions() as session, session.begin():
                require_current_key(session, self.cipher)
                session.add(row)
        except IntegrityError:
            raise Conflict(f"you already have a secret named {body.name!r}; PUT secrets/{body.name} replaces its value") from None
        _log("secret_created", caller, row)
        return row.metadata_view()

    def replace(self, caller: Caller, reference: str, body: SecretReplace) -> dict:
        with self.sessions() as session, session.begin():
            row = self._changeable(session, caller, reference)
            require_current_key(session, self.cipher)
            visibility = body.visibility or SecretVisibility(row.visibility)
            if body.visibility is not None or body.team is not None:
                keeps_team = body.team is None and visibility is SecretVisibility.TEAM and row.team is not None
                row.team = row.team if keeps_team else _team_for(caller, visibility, body.team)
                row.visibility = visibility.value
            if body.description is not None:
                row.description = body.description
            row.ciphertext = self.cipher.encrypt(body.value)
            row.version += 1
            row.updated_at, row.updated_by = utcnow(), caller.name
            view = row.metadata_view()
        _log("secret_replaced", caller, row)
        return view

    def delete(self, caller: Caller, reference: str) -> None:
        with self.sessions() as session, session.begin():
            row = self._changeable(session, caller, reference)
            session.delete(row)
        _log("secret_deleted", caller, row)

    # -- reading ------------------------------------------------------------------

    def list(self, caller: Caller) -> list[dict]:
        _require_user(caller)
        with self.sessions() as session:
            rows = session.scalars(select(SecretRow).where(usable_secrets(caller)).order_by(SecretRow.name, SecretRow.owner))
            return [row.metadata_view() for row in rows]

    def get(self, caller: Caller, reference: str) -> dict:
        _require_user(caller)
        with self.sessions() as session:
            return self._usable(session, caller, reference).metadata_view()

    def deliver(self, caller: Caller, environment: Mapping[str, str], files: Iterable[str] = ()) -> tuple[DeliveredSecret, ...]:
        """The secrets a run asks for, decrypted: ``environment`` maps variables
        to references (delivered as files and variables), ``files`` are more
        references delivered as files only. Each must be one the caller may use
        (whoever wrote the script): otherwise a 400 naming the field."""
        asked = [(f"secrets.{env}", reference, env) for env, reference in environment.items()]
        asked += [(f"secret_files[{index}]", reference, None) for index, reference in enumerate(files)]
        if not asked:
            return ()
        if not caller.authenticated:
            raise Unauthenticated("using secrets needs an authenticated user")
        problems: list[dict] = []
        by_name: dict[str, DeliveredSecret] = {}  # one file per name
        result: dict[tuple[str, str | None], DeliveredSecret] = {}
        with self.sessions() as session:
            for field, reference, env in asked:
                try:
                    row = self._usable(session, caller, reference)
                except (NotFound, ValidationFailed) as error:
                    problems.append({"field": field, "message": str(error)})
                    continue
                known = by_name.get(row.name)
                if known is not None and known.owner != row.owner:
                    problems.append({"field": field, "message": f"two secrets named {row.name!r} ({known.owner}'s and "
                                     f"{row.owner}'s) would be the same file /run/secrets/{row.name}"})
                    continue
                if known is None:
                    known = by_name[row.name] = DeliveredSecret(row.name, row.owner, row.version, None, self._decrypt(row))
                result[(row.name, env)] = dataclasses.replace(known, env=env)
        if problems:
            raise ValidationFailed(problems)
        if len(by_name) > MAX_SECRETS_PER_RUN:
            raise ValidationFailed([{"field": "secrets", "message": f"a run may use at most {MAX_SECRETS_PER_RUN} secrets, not {len(by_name)}"}])
        return tuple(result.values())

    def _decrypt(self, row: SecretRow) -> str:
        try:
            return self.cipher.decrypt(row.ciphertext)
        except InvalidToken:
            raise KeyMismatch() from None

    # -- lookup -------------------------------------------------------------------

    def _usable(self, session: Session, caller: Caller, reference: str) -> SecretRow:
        """The one secret ``reference`` (name or owner/name) names among those the caller may use."""
        owner, _, name = reference.rpartition("/")
        query = select(SecretRow).where(SecretRow.name == name, usable_secrets(caller))
        if owner:
            query = query.where(SecretRow.owner == owner)
        rows = list(session.scalars(query))
        if not rows:
            raise NotFound(f"no secret {reference!r} that you may use")
        own = [row for row in rows if row.owner == caller.name]
        if len(rows) > 1 and not own:
            owners = ", ".join(sorted(f"{row.owner}/{row.name}" for row in rows))
            raise ValidationFailed([{"field": "secret", "message": f"{reference!r} is ambiguous: name one of {owners}"}])
        row = own[0] if own else rows[0]
        assert can_use(caller, row)  # the SQL condition and can_use agree
        return row

    def _changeable(self, session: Session, caller: Caller, reference: str) -> SecretRow:
        _require_user(caller)
        row = self._usable(session, caller, reference)
        if not can_change(caller, row):
            raise Forbidden(f"only {row.owner} (the owner) or an admin may change or delete {row.owner}/{row.name}")
        return row


def _require_user(caller: Caller) -> None:
    if not caller.authenticated:
        raise Unauthenticated("secrets need an authenticated user")


def _team_for(caller: Caller, visibility: SecretVisibility, team: str | None) -> str | None:
    """The team a team secret is shared with: one of the caller's (any, for an admin)."""
    if visibility is not SecretVisibility.TEAM:
        if team is not None:
            raise ValidationFailed([{"field": "team", "message": "team is only for team visibility"}])
        return None
    if team is None:
        if len(caller.teams) != 1:
            raise ValidationFailed([{"field": "team", "message": "name the team to share with "
                                     f"(your teams: {', '.join(sorted(caller.teams)) or 'none'})"}])
        return next(iter(caller.teams))
    if team not in caller.teams and not caller.admin:
        raise ValidationFailed([{"field": "team", "message": f"you are not a member of team {team!r}"}])
    return team


def _log(event: str, caller: Caller, row: SecretRow) -> None:
    log.info(json.dumps({"event": event, "owner": row.owner, "name": row.name, "version": row.version, "by": caller.label}))
