"""Dependencies through the server and the CLI: the lock saved with the script
version, executions naming it, the resolve and search endpoints, and sources
from configuration (server) and the environment (CLI)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.dependencies.conftest import PYPI
from tests.dependencies.index import unique_name
from tests.handlers.test_openapi import check
from tests.servers import STELLASCRIPT, RunningServer, json_of
from tests.dependencies.images import remove_images_of_lock

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images, derived_cleanup, local_index) -> Iterator[RunningServer]:
    """A server whose Python packages come from the local index (configuration)."""
    running = RunningServer(tmp_path_factory.mktemp("server-deps"), settings={
        "pypi_source": local_index.url, "pool_sizes": {"python": {"min_containers": 1}}}).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def spec(server) -> dict:
    return json_of(server.request("GET", "/openapi.json"))


def execute(server: RunningServer, script_id: str, token: str) -> dict:
    response = server.request("POST", f"/scripts/{script_id}/execute?wait=true", token=token, json={"timeout": 60}, timeout=600)
    assert response.status_code == 200, response.text
    return json_of(response)


def test_the_lock_is_saved_with_the_version_and_runs_keep_it(server, spec, local_index, docker_client):
    token = server.token("deps-alice")
    name = unique_name("ss-api")
    module = name.replace("-", "_")
    local_index.publish(name, "1.0.0")
    created = server.request("POST", "/scripts", token=token, json={
        "name": "locked", "language": "python", "content": f"import {module}\nprint({module}.VERSION)\n",
        "dependencies": [{"name": name, "version": "", "scope": "runtime"}]})
    assert created.status_code == 201, created.text
    script = json_of(created)
    assert script["dependency_lock"] is None  # not resolved yet

    first = execute(server, script["id"], token)
    assert first["status"] == "Succeeded", first
    assert first["stdout"] == "1.0.0\n"
    # Progress is the platform's, in its own stream: not in the script's stderr.
    assert "resolving 1 Python requirement(s) with pip" in first["platform"]
    assert f"from {local_index.url}" in first["platform"] and "building " in first["platform"]
    assert "[stellascript]" not in first["stderr"] and "resolving" not in first["stderr"]
    replay = server.request("GET", f"/scripts/executions/{first['id']}/logs", token=token).text
    events = [line.removeprefix("event: ") for line in replay.splitlines() if line.startswith("event: ")]
    assert events == ["platform", "stdout", "end"], replay[:2000]
    check(spec, "Execution", first)
    saved = json_of(server.request("GET", f"/scripts/{script['id']}", token=token))
    check(spec, "Script", saved)
    lock = saved["dependency_lock"]
    assert lock["sha256"] == first["dependency_lock_sha256"]
    assert [(p["name"], p["version"]) for p in lock["packages"]] == [(name, "1.0.0")]
    versions = json_of(server.request("GET", f"/scripts/{script['id']}/versions", token=token))
    assert versions["items"][0]["dependency_lock"] == lock

    # A newer release appears; the resolve endpoint sees it...
    local_index.publish(name, "1.1.0")
    resolved = server.request("POST", "/dependencies/resolve", token=token, json={"language": "python", "dependencies": [name]})
    assert resolved.status_code == 200, resolved.text
    body = json_of(resolved)
    check(spec, "DependencyResolution", body)
    assert [(p["name"], p["version"]) for p in body["packages"]] == [(name, "1.1.0")]
    assert body["source"] == local_index.url and body["command"].startswith("pip install --dry-run")
    # ...but reruns of version 1.0.0 install exactly its lock, even with its image gone.
    remove_images_of_lock(docker_client, lock["sha256"])
    rerun = execute(server, script["id"], token)
    assert rerun["status"] == "Succeeded", (rerun["error"], rerun["stderr"])
    assert rerun["stdout"] == "1.0.0\n" and rerun["dependency_lock_sha256"] == lock["sha256"]

    # A new version is resolved anew; the old one keeps its lock.
    updated = server.request("PUT", f"/scripts/{script['id']}", token=token, json={"description": "newer"})
    assert updated.status_code == 200, updated.text
    newer = execute(server, script["id"], token)
    assert newer["stdout"] == "1.1.0\n" and newer["script_version"] == "1.0.1"
    assert newer["dependency_lock_sha256"] != lock["sha256"]
    old = json_of(server.request("GET", f"/scripts/{script['id']}/versions/1.0.0", token=token))
    assert old["dependency_lock"] == lock


def test_bad_dependencies_end_the_execution_with_a_clear_error(server, spec, local_index):
    token = server.token("deps-bob")
    missing = unique_name("ss-missing")
    created = json_of(server.request("POST", "/scripts", token=token, json={
        "name": "missing", "language": "python", "content": "print(1)\n", "dependencies": [{"name": missing}]}))
    record = execute(server, created["id"], token)
    check(spec, "Execution", record)
    assert record["status"] == "Error" and record["termination_reason"] == "dependency_error"
    assert f"package '{missing}' was not found at {local_index.url}" in record["error"]
    assert record["dependency_lock_sha256"] is None


def test_the_resolve_endpoint_refuses_bad_input_clearly(server, spec, local_index):
    token = server.token("deps-carol")
    anonymous = server.request("POST", "/dependencies/resolve", json={"language": "python", "dependencies": ["six"]})
    assert anonymous.status_code == 401
    missing = unique_name("ss-nope")
    cases = [
        ({"language": "python", "dependencies": [missing]}, f"package '{missing}' was not found at {local_index.url}"),
        ({"language": "python", "content": '# /// script\n# dependencies = ["x"\nprint(1)\n'}, "malformed"),
        ({"language": "python", "dependencies": ["six==1.0", {"name": "six", "version": "2.0"}]}, "conflicting versions of package 'six'"),
        ({"language": "go", "dependencies": ["uuid"]}, "'uuid' is not a Go module path"),
        ({"language": "cobol", "dependencies": ["x"]}, "unknown language"),
    ]
    for body, needle in cases:
        response = server.request("POST", "/dependencies/resolve", token=token, json=body)
        assert response.status_code == 400, (body, response.text)
        check(spec, "ValidationError", json_of(response))
        assert needle in response.text, (body, response.text)


def test_search_finds_exact_names_where_the_ecosystem_allows(server, spec, local_index):
    name = unique_name("ss-search")
    local_index.publish(name, "0.1.0")
    local_index.publish(name, "0.2.0")
    found = server.request("GET", f"/dependencies/search?language=python&q={name.upper()}")
    assert found.status_code == 200, found.text
    body = json_of(found)
    check(spec, "DependencySearchResult", body)
    assert body["items"][0]["name"] == name and body["items"][0]["versions"] == ["0.2.0", "0.1.0"]
    nothing = json_of(server.request("GET", f"/dependencies/search?language=python&q={unique_name('ss-none')}"))
    assert nothing["items"] == []
    unsupported = server.request("GET", "/dependencies/search?language=go&q=text")
    assert unsupported.status_code == 400 and "dependency search is not supported for go" in unsupported.text
    check(spec, "ValidationError", json_of(unsupported))


def test_typescript_and_go_resolve_and_npm_search_through_the_api(server, spec):
    token = server.token("deps-dora")
    npm = server.request("POST", "/dependencies/resolve", token=token, timeout=300, json={
        "language": "typescript", "content": 'import ms from "ms";\n', "dependencies": [{"name": "ms", "version": "2.1.2"}]})
    assert npm.status_code == 200, npm.text
    body = json_of(npm)
    check(spec, "DependencyResolution", body)
    assert body["requested"] == ["ms@2.1.2"] and [(p["name"], p["version"]) for p in body["packages"]] == [("ms", "2.1.2")]
    assert body["command"].startswith("npm install --package-lock-only") and '"lockfileVersion": 3' in body["lock_file"]
    go = server.request("POST", "/dependencies/resolve", token=token, timeout=300, json={
        "language": "go", "dependencies": [{"name": "github.com/google/uuid", "version": "v1.5.0"}]})
    assert go.status_code == 200, go.text
    body = json_of(go)
    check(spec, "DependencyResolution", body)
    assert [(p["name"], p["version"]) for p in body["packages"]] == [("github.com/google/uuid", "v1.5.0")]
    assert " go get github.com/google/uuid@v1.5.0" in body["command"] and "-- go.sum --" in body["lock_file"]
    # A script importing a package is saved (its check compiles against the
    # package) and runs with it; the version keeps its lock.
    created = server.request("POST", "/scripts", token=token, timeout=600, json={
        "name": "uses-ms", "language": "typescript", "content": 'import ms from "ms";\nconsole.log(ms(90000));\n',
        "dependencies": [{"name": "ms", "version": "2.1.2", "scope": "runtime"}]})
    assert created.status_code == 201, created.text
    record = execute(server, json_of(created)["id"], token)
    assert (record["status"], record["stdout"]) == ("Succeeded", "2m\n"), record
    saved = json_of(server.request("GET", f"/scripts/{json_of(created)['id']}", token=token))
    assert saved["dependency_lock"]["sha256"] == record["dependency_lock_sha256"]
    assert [(p["name"], p["version"]) for p in saved["dependency_lock"]["packages"]] == [("ms", "2.1.2")]
    found = server.request("GET", "/dependencies/search?language=typescript&q=nanoid")
    assert found.status_code == 200, found.text
    check(spec, "DependencySearchResult", json_of(found))
    assert json_of(found)["items"][0]["name"] == "nanoid"


def test_search_against_pypi_itself():
    from jupyter_stellascript.dependencies import DependencySettings
    from jupyter_stellascript.dependencies.python import PYTHON

    items = PYTHON.search("Six", DependencySettings(sources={"pypi": PYPI}))
    assert items[0]["name"] == "six" and "1.16.0" in items[0]["versions"]


def test_the_cli_takes_its_source_from_the_environment_and_shows_progress(local_index, derived_cleanup, tmp_path):
    name = unique_name("ss-cli")
    module = name.replace("-", "_")
    local_index.publish(name, "3.0.0")
    script = tmp_path / "uses_dep.py"
    script.write_text(f"# /// script\n# dependencies = [\"{name}\"]\n# ///\nimport {module}\nprint({module}.VERSION)\n")
    env = {**os.environ, "STELLASCRIPT_PYPI_SOURCE": local_index.url}
    finished = subprocess.run([STELLASCRIPT, "run", str(script)], capture_output=True, text=True, env=env, timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == "3.0.0\n"
    assert f"stellascript: resolving 1 Python requirement(s) with pip" in finished.stderr
    assert f"from {local_index.url}" in finished.stderr
    as_json = subprocess.run([STELLASCRIPT, "run", str(script), "--json"], capture_output=True, text=True, env=env, timeout=600)
    result = json.loads(as_json.stdout)
    assert result["status"] == "Succeeded" and len(result["dependency_lock_sha256"]) == 64
    bad = subprocess.run([STELLASCRIPT, "run", str(script), "--dep", unique_name("ss-absent")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert bad.returncode == 2 and f"was not found at {local_index.url}" in bad.stderr
