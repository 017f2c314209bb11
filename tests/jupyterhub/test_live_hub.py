"""Teams on a live JupyterHub: Hub groups are teams, every user's own
JupyterLab shares one PostgreSQL registry, and group changes on the Hub
take effect on the next request (issue 19)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.servers import json_of

from .hub import PASSWORD, PROXY, ROOT, RunningHub

pytestmark = pytest.mark.skipif(not PROXY.exists(), reason="configurable-http-proxy: run make setup (hub-tools)")


@pytest.fixture(scope="module")
def hub(tmp_path_factory, postgres, runtime_images) -> Iterator[RunningHub]:
    running = RunningHub(tmp_path_factory.mktemp("hub"), postgres.url).start()
    try:
        running.spawn_all()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def tokens(hub) -> dict[str, str]:
    return {name: hub.user_token(name) for name in ("ana", "ben", "cy")}


def call(hub: RunningHub, tokens: dict[str, str], user: str, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{hub.url}/user/{user}/stellascript/api/v1{path}", timeout=120,
                            headers={"Authorization": f"token {tokens[user]}"}, **kwargs)


def create(hub, tokens, user: str, visibility: str) -> str:
    body = {"name": f"hub-{visibility}-{uuid.uuid4().hex[:8]}", "language": "bash", "content": "echo from $USER_NAME\n",
            "visibility": visibility}
    response = call(hub, tokens, user, "POST", "/scripts", json=body)
    assert response.status_code == 201, response.text
    return json_of(response)["id"]


def test_a_team_script_is_seen_and_run_by_the_team_only(hub, tokens) -> None:
    script = create(hub, tokens, "ana", "team")
    assert call(hub, tokens, "ben", "GET", f"/scripts/{script}").status_code == 200
    assert call(hub, tokens, "cy", "GET", f"/scripts/{script}").status_code == 404
    run = call(hub, tokens, "ben", "POST", f"/scripts/{script}/execute?wait=true", json={})
    assert run.status_code == 200, run.text
    assert json_of(run)["status"] == "Succeeded", run.text
    assert call(hub, tokens, "cy", "POST", f"/scripts/{script}/execute", json={}).status_code == 404


def test_organization_scripts_are_seen_by_all_private_ones_by_their_owner(hub, tokens) -> None:
    organization, private = create(hub, tokens, "ben", "organization"), create(hub, tokens, "ben", "private")
    for user in ("ana", "ben", "cy"):
        assert call(hub, tokens, user, "GET", f"/scripts/{organization}").status_code == 200, user
    assert call(hub, tokens, "ben", "GET", f"/scripts/{private}").status_code == 200
    assert call(hub, tokens, "cy", "GET", f"/scripts/{private}").status_code == 404


def test_an_execution_is_not_readable_by_another_user(hub, tokens) -> None:
    # cy runs ana's organization script; ben (neither its starter, nor the
    # script's creator, nor a Hub admin) cannot read the run.
    script = create(hub, tokens, "ana", "organization")
    run = call(hub, tokens, "cy", "POST", f"/scripts/{script}/execute", json={})
    assert run.status_code == 202, run.text
    execution = json_of(run)["execution_id"]
    assert call(hub, tokens, "cy", "GET", f"/scripts/executions/{execution}").status_code == 200
    assert call(hub, tokens, "ben", "GET", f"/scripts/executions/{execution}").status_code == 404


def test_moving_a_user_between_groups_on_the_hub_changes_what_they_see_next_request(hub, tokens) -> None:
    ops_script = create(hub, tokens, "ana", "team")
    assert call(hub, tokens, "cy", "GET", f"/scripts/{ops_script}").status_code == 404
    hub.set_group("ops", add=["cy"])
    hub.set_group("dev", remove=["cy"])
    try:
        assert call(hub, tokens, "cy", "GET", f"/scripts/{ops_script}").status_code == 200
        hub.set_group("ops", remove=["ben"])
        assert call(hub, tokens, "ben", "GET", f"/scripts/{ops_script}").status_code == 404
    finally:
        hub.set_group("ops", add=["ben"], remove=["cy"])
        hub.set_group("dev", add=["cy"])


def test_a_teammate_logs_in_through_the_hub_and_sees_the_team_script_in_chromium(hub, tokens) -> None:
    name = f"hub-ui-{uuid.uuid4().hex[:8]}"
    created = call(hub, tokens, "ana", "POST", "/scripts",
                   json={"name": name, "language": "bash", "content": "echo hi\n", "visibility": "team"})
    assert created.status_code == 201, created.text
    env = {**os.environ, "HUB_URL": hub.url, "HUB_USER": "ben", "HUB_PASSWORD": PASSWORD, "SCRIPT_NAME": name,
           "CHROMIUM": "/usr/bin/chromium", "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1"}
    result = subprocess.run([str(ROOT / "node_modules" / ".bin" / "playwright"), "test", "-c",
                             "labextension/ui-tests/playwright.config.ts", "hub-login.spec.ts"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"Playwright failed:\n{report}\n--- Hub log ---\n{hub.log_path.read_text()[-3000:]}"
    assert " passed" in result.stdout and "skipped" not in result.stdout, report


def test_a_token_scoped_to_the_server_only_still_carries_the_groups(hub, tokens) -> None:
    # The Hub adds the "identify" scopes (read:users:name and read:users:groups
    # of the token's own user) to every GET /hub/api/user, so the narrowest
    # token that reaches the server still tells it the user's teams.
    script = create(hub, tokens, "ana", "team")
    narrow = {"ben": hub.user_token("ben", scopes=["access:servers!user=ben"])}
    assert call(hub, narrow, "ben", "GET", f"/scripts/{script}").status_code == 200
