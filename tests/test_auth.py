"""Identity mapping: what each kind of Jupyter user becomes as a Caller."""

from __future__ import annotations

import getpass
import hashlib
import subprocess
from collections.abc import Iterator

import pytest
from jupyter_stellascript.errors import Forbidden
import requests
from jupyter_server.auth.identity import User
from jupyterhub.singleuser.extension import JupyterHubUser

from jupyter_stellascript.auth import StellaUser, caller_for, hash_token
from jupyter_stellascript.identity import ANONYMOUS
from tests.servers import STELLASCRIPT, RunningServer


def test_hub_user_groups_become_teams() -> None:
    user = JupyterHubUser({"name": "ana", "groups": ["ops", "release"], "admin": False})
    caller = caller_for(user)
    assert caller.name == "ana"
    assert caller.teams == frozenset({"ops", "release"})
    assert caller.admin is False


def test_hub_admin_is_admin_and_no_groups_mean_no_team() -> None:
    caller = caller_for(JupyterHubUser({"name": "root-ish", "admin": True, "groups": []}))
    assert caller.admin is True
    assert caller.teams == frozenset()


def test_a_hub_model_without_groups_names_the_missing_scope() -> None:
    # The Hub leaves groups out of a user model when the token lacks read:users:groups.
    with pytest.raises(Forbidden, match="read:users:groups"):
        caller_for(JupyterHubUser({"name": "ana", "admin": False}))


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


# -- a browser logging in to a token-identity server --------------------------------------

@pytest.fixture(scope="module")
def token_server(tmp_path_factory) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path_factory.mktemp("browser-login") / "data", settings={"pool_sizes": {}}).start()
    yield server
    server.stop()


def _base(server: RunningServer) -> str:
    return f"http://127.0.0.1:{server.port}/"


def _create(browser: requests.Session, server: RunningServer, name: str, **headers: str) -> requests.Response:
    return browser.post(f"{server.url}/scripts", json={"name": name, "language": "bash", "content": "echo hi\n"},
                        headers=headers, timeout=60)


def test_a_browser_logs_in_with_a_token_in_the_url_and_keeps_a_cookie(token_server) -> None:
    token = token_server.token("ana", teams=("ops",))
    browser = requests.Session()
    me = browser.get(f"{_base(token_server)}api/me", params={"token": token}, timeout=30)
    assert me.status_code == 200, me.text
    identity = me.json()["identity"]
    assert (identity["username"], identity["teams"]) == ("ana", ["ops"])
    assert "token_sha256" not in identity
    # From here on, the cookie alone.
    assert browser.get(f"{_base(token_server)}api/me", timeout=30).json()["identity"]["username"] == "ana"
    # A cookie's authority is XSRF-guarded: a write without the XSRF token is refused...
    refused = _create(browser, token_server, "from-a-cookie")
    assert refused.status_code == 403 and "_xsrf" in refused.text
    # ...and accepted with it, as the browser's JupyterLab sends it.
    browser.get(f"{_base(token_server)}login", timeout=30)
    created = _create(browser, token_server, "from-a-cookie", **{"X-XSRFToken": browser.cookies["_xsrf"]})
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == "ana"


def test_header_authenticated_requests_get_no_cookie_and_a_browser_login_does(token_server) -> None:
    token = token_server.token("di")
    program = requests.Session()
    headers = {"Authorization": f"token {token}"}
    answers = [
        program.get(f"{token_server.url}/scripts", headers=headers, timeout=30),
        _create(program, token_server, "from-a-program", **headers),
        program.get(f"{_base(token_server)}api/me", headers=headers, timeout=30),
        program.get(f"{token_server.url}/scripts/executions", headers=headers, timeout=30),
    ]
    assert [answer.status_code for answer in answers] == [200, 201, 200, 200], [a.text for a in answers]
    for answer in answers:
        assert "Set-Cookie" not in answer.headers, (answer.url, answer.headers["Set-Cookie"])
    assert not program.cookies
    # The browser's login still sets one: by URL...
    by_url = requests.get(f"{_base(token_server)}api/me", params={"token": token}, timeout=30)
    assert by_url.status_code == 200 and "username-" in by_url.headers.get("Set-Cookie", ""), by_url.headers
    # ...and by the login page.
    browser = requests.Session()
    browser.get(f"{_base(token_server)}login", timeout=30)
    login = browser.post(f"{_base(token_server)}login", data={"password": token, "_xsrf": browser.cookies["_xsrf"]},
                         allow_redirects=False, timeout=30)
    assert login.status_code == 302 and "username-" in login.headers.get("Set-Cookie", ""), login.headers


def test_the_login_page_takes_a_token_and_a_wrong_one_is_refused(token_server) -> None:
    token = token_server.token("bo")
    browser = requests.Session()
    browser.get(f"{_base(token_server)}login", timeout=30)
    wrong = browser.post(f"{_base(token_server)}login", data={"password": token + "x", "_xsrf": browser.cookies["_xsrf"]},
                         allow_redirects=False, timeout=30)
    assert wrong.status_code == 401
    assert browser.get(f"{_base(token_server)}api/me", timeout=30).status_code == 403
    right = browser.post(f"{_base(token_server)}login", data={"password": token, "_xsrf": browser.cookies["_xsrf"]},
                         allow_redirects=False, timeout=30)
    assert right.status_code == 302, right.text
    assert browser.get(f"{_base(token_server)}api/me", timeout=30).json()["identity"]["username"] == "bo"


def test_revoking_a_token_ends_the_browser_sessions_it_opened(token_server) -> None:
    token = token_server.token("cy")
    other = token_server.token("cy")
    browser = requests.Session()
    assert browser.get(f"{_base(token_server)}api/me", params={"token": token}, timeout=30).status_code == 200
    revoke = subprocess.run([STELLASCRIPT, "token", "revoke", token, "--data", str(token_server.data_dir)],
                            capture_output=True, text=True)
    assert revoke.returncode == 0 and "revoked 1 token(s)" in revoke.stdout, revoke.stderr
    assert browser.get(f"{_base(token_server)}api/me", timeout=30).status_code == 403
    # The user's other token still works; revoking by user takes it too.
    assert token_server.request("GET", "/scripts", token=other).status_code == 200
    by_user = subprocess.run([STELLASCRIPT, "token", "revoke", "--user", "cy", "--data", str(token_server.data_dir)],
                             capture_output=True, text=True)
    assert by_user.returncode == 0, by_user.stderr
    assert token_server.request("GET", "/scripts", token=other).status_code == 401
    again = subprocess.run([STELLASCRIPT, "token", "revoke", token, "--data", str(token_server.data_dir)],
                           capture_output=True, text=True)
    assert again.returncode != 0 and "no such token" in again.stderr


def test_anonymous_writes_are_unauthenticated_not_xsrf_errors(token_server) -> None:
    refused = _create(requests.Session(), token_server, "anonymous")
    assert refused.status_code == 401, refused.text
