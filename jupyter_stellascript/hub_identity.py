"""A JupyterHub user's groups and admin flag, fresh from the Hub.

jupyterhub-singleuser identifies a request by asking the Hub once and then
keeping the answer for ``HubAuth.cache_max_age`` (five minutes), and a
browser's OAuth session keeps its user model as long as its cookie. Teams
decide what a user may read, so a user removed from a group on the Hub must
lose that team on their next Stella Script request: each Stella request asks
the Hub again, unless an answer younger than ``StellaScript.hub_groups_max_age``
seconds is at hand (the live Hub test, tests/jupyterhub, shows the difference).
"""

from __future__ import annotations

import hashlib
import logging
import time

from .errors import Forbidden

log = logging.getLogger(__name__)

MISSING_GROUPS = ("the Hub did not tell this server the user's groups, so Stella Script cannot know their teams: "
                  "the token (or the single-user server's OAuth client) needs the 'read:users:groups' scope "
                  "(e.g. 'read:users:groups!user'); see docs/jupyterhub.md")

# token hash -> (monotonic time, groups, admin); one process serves one user, so this stays small.
_recent: dict[str, tuple[float, list[str], bool]] = {}


async def refresh_hub_user(handler, max_age_s: float) -> None:
    """Replace the request's Hub user's groups and admin flag by the Hub's current ones."""
    user = getattr(handler, "_jupyter_current_user", None)
    hub_user = getattr(user, "hub_user", None)
    hub_auth = getattr(getattr(handler, "identity_provider", None), "hub_auth", None)
    if not isinstance(hub_user, dict) or hub_auth is None:
        return
    token = hub_auth.get_token(handler)
    if not token:
        return
    key = hashlib.sha256(token.encode()).hexdigest()
    seen = _recent.get(key)
    if seen is None or time.monotonic() - seen[0] > max_age_s:
        model = await hub_auth.user_for_token(token, use_cache=False, session_id=hub_auth.get_session_id(handler),
                                              sync=False)
        if model is None:
            return  # the token went away; JupyterHub's own check answers the next request
        if "groups" not in model:
            log.error(MISSING_GROUPS)
            raise Forbidden(MISSING_GROUPS)
        seen = (time.monotonic(), list(model["groups"]), bool(model.get("admin", hub_user.get("admin"))))
        if len(_recent) > 1000:
            _recent.clear()
        _recent[key] = seen
    hub_user["groups"], hub_user["admin"] = seen[1], seen[2]


def require_groups(hub_user: dict) -> None:
    if "groups" not in hub_user:
        raise Forbidden(MISSING_GROUPS)
