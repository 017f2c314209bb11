"""Who may use a secret, and who may change it.

Using a secret means having it delivered to a run one starts; nobody reads a
value back through the API. The owner and admins change and delete it.
Anonymous callers may use none.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from ..identity import Caller
from .models import SecretRow, SecretVisibility


def can_use(caller: Caller, secret: SecretRow) -> bool:
    if not caller.authenticated:
        return False
    if caller.admin or caller.name == secret.owner:
        return True
    visibility = SecretVisibility(secret.visibility)
    if visibility is SecretVisibility.ORGANIZATION:
        return True
    if visibility is SecretVisibility.TEAM:
        return secret.team is not None and secret.team in caller.teams
    return False


def usable_secrets(caller: Caller) -> ColumnElement[bool]:
    """:func:`can_use` as a SQL condition on ``secrets``."""
    if not caller.authenticated:
        return false()
    if caller.admin:
        return true()
    allowed = [SecretRow.owner == caller.name, SecretRow.visibility == SecretVisibility.ORGANIZATION.value]
    if caller.teams:
        allowed.append((SecretRow.visibility == SecretVisibility.TEAM.value) & SecretRow.team.in_(sorted(caller.teams)))
    return or_(*allowed)


def can_change(caller: Caller, secret: SecretRow) -> bool:
    return caller.authenticated and (caller.admin or caller.name == secret.owner)
