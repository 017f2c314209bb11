"""Identity mapping: what each kind of Jupyter user becomes as a Caller."""

from __future__ import annotations

import getpass
import hashlib

from jupyter_server.auth.identity import User
from jupyterhub.singleuser.extension import JupyterHubUser

from jupyter_stellascript.auth import StellaUser, caller_for, hash_token
from jupyter_stellascript.identity import ANONYMOUS


def test_hub_user_groups_become_teams() -> None:
    user = JupyterHubUser({"name": "ana", "groups": ["ops", "release"], "admin": False})
    caller = caller_for(user)
    assert caller.name == "ana"
    assert caller.teams == frozenset({"ops", "release"})
    assert caller.admin is False


def test_hub_admin_is_admin_and_missing_groups_mean_no_team() -> None:
    caller = caller_for(JupyterHubUser({"name": "root-ish", "admin": True}))
    assert caller.admin is True
    assert caller.teams == frozenset()


def test_token_user_keeps_teams_and_admin() -> None:
    caller = caller_for(StellaUser(username="ci", teams=["release"], admin=True))
    assert (caller.name, caller.teams, caller.admin) == ("ci", frozenset({"release"}), True)


def test_single_user_server_means_its_owner() -> None:
    # jupyter_server's default provider names token-authenticated browsers at random;
    # on a single-user server they are all the one owner.
    assert caller_for(User(username="a8f3e2c1")).name == getpass.getuser()


def test_no_user_is_anonymous() -> None:
    assert caller_for(None) is ANONYMOUS


def test_tokens_are_stored_as_sha256() -> None:
    assert hash_token("sst_x") == hashlib.sha256(b"sst_x").hexdigest()
