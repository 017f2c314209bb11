"""Schemathesis against the OpenAPI description a real ``stellascript serve`` serves.

Every operation gets generated requests, valid and invalid ones, and each
response must not be a 5xx and must conform to the response schema the
description declares for its status. The server holds real data first
(scripts, versions, finished executions), and path parameters name those real
ids half of the time, so the paths behind a lookup (a script's versions, an
execution's logs) are reached, not only their 404s.

It runs once on SQLite and once on PostgreSQL. Bounded for a small machine:
derandomized (the same examples every run), few examples per operation and
fewer still where a request may start a container (runs, dependency
resolution); the server caps every run at a few seconds and its package
sources point at a closed local port, so nothing waits on the network.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import hypothesis
import hypothesis.strategies as st
import jupyter_stellascript
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.servers import RunningServer, json_of

CLOSED_PORT = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused at once
SETTINGS = {
    "pool_sizes": {"bash": {"min_containers": 1}},
    "default_timeouts": {name: "5s" for name in ("python", "bash", "go", "java", "typescript", "csharp")},
    "max_timeout": "10s",
    "max_concurrent": 4,
    "dependency_timeout": "20s",
    **{f"{source}_source": CLOSED_PORT for source in ("pypi", "npm", "maven", "nuget", "debian")},
    "goproxy": CLOSED_PORT,
    "gosumdb": "off",
}

# Operations whose valid requests start a container: a handful of examples each.
RUNS = r"^(POST /scripts/\{script_id\}/execute|POST /scripts/executions|POST /dependencies/resolve|POST /format)$"
# STELLASCRIPT_FUZZ_EXAMPLES=500 for a deeper search by hand.
EXAMPLES = int(os.environ.get("STELLASCRIPT_FUZZ_EXAMPLES", "25"))
RUN_EXAMPLES = max(EXAMPLES // 4, 6)
# The operations, from the packaged description (a test checks it is the one served), one test each.
_DESCRIPTION = json.loads((Path(jupyter_stellascript.__file__).parent / "openapi.json").read_text())
OPERATIONS = [f"{method.upper()} {path}" for path, item in _DESCRIPTION["paths"].items()
              for method in item if method in ("get", "put", "post", "delete", "patch")]
# 502 is the documented answer when a package source (here: a closed port) cannot be reached.
UPSTREAM = r"^/dependencies/"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_server(request, tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    """One server per database: PostgreSQL refuses text SQLite stores (a NUL character), for one."""
    db_url = request.getfixturevalue("postgres").create_database("fuzz") if request.param == "postgres" else None
    server = RunningServer(tmp_path_factory.mktemp(f"fuzz-{request.param}"), db_url=db_url, settings=SETTINGS).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def real_ids(fuzz_server: RunningServer) -> dict[str, list[str]]:
    """Scripts (one with two versions), finished executions of them and an ad-hoc one; spares to delete."""
    token = fuzz_server.token("fuzz")

    def create(name: str, **fields) -> str:
        body = {"name": name, "language": "bash", "content": "echo hello \"$1\"\n", "tags": ["fuzz"], **fields}
        created = fuzz_server.request("POST", "/scripts", token=token, json=body)
        assert created.status_code == 201, created.text
        return json_of(created)["id"]

    public, private = create("public", visibility="public"), create("private", description="d")
    updated = fuzz_server.request("PUT", f"/scripts/{private}", token=token, json={"content": "echo two\n"})
    assert updated.status_code == 200, updated.text
    executions = []
    for path, body in ((f"/scripts/{public}/execute", {"arguments": {"who": "fuzz"}}),
                       (f"/scripts/{private}/execute", {"version": "1.0.0"}),
                       ("/scripts/executions", {"language": "bash", "content": "echo adhoc; echo err >&2\n"})):
        finished = fuzz_server.request("POST", f"{path}?wait=true", token=token, json=body)
        assert finished.status_code == 200 and json_of(finished)["status"] == "Succeeded", finished.text
        executions.append(json_of(finished)["id"])
    return {"token": [token], "script_id": [public, private], "deletable": [create(f"spare{n}") for n in range(3)],
            "execution_id": executions, "version": ["1.0.0", "1.0.1"]}


@pytest.fixture(scope="module")
def api_schema(fuzz_server: RunningServer, real_ids: dict[str, list[str]]):
    """The description as the server serves it (not the file in the package)."""
    config = SchemathesisConfig.from_dict({
        "headers": {"Authorization": f"token {real_ids['token'][0]}"},
        "request-timeout": 60,
        "operations": [
            {"include-path-regex": UPSTREAM, "checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "502"]}}},
        ],
    })
    schema = schemathesis.openapi.from_url(f"{fuzz_server.url}/openapi.json", config=config)
    schema.config.update(base_url=fuzz_server.url)
    return schema


# Ids generated text seldom is: a NUL (which PostgreSQL refuses to compare), dots, a long one, a version-like one.
AWKWARD_IDS = ["\0", "a\0b", "..", ".", "%", " ", "a" * 300, "1.0.0", "00000000-0000-0000-0000-000000000000"]


def use_real_ids(case, real_ids: dict[str, list[str]], data: st.DataObject) -> None:
    """Each path id: half the time a real one, else the generated one or any text at all (the description
    promises a 404 for an id that matches nothing, UUID or not)."""
    for name, value in (case.path_parameters or {}).items():
        pool = real_ids["deletable"] if (name == "script_id" and case.method.upper() == "DELETE") else real_ids.get(name)
        if pool:
            # Dots percent-encoded too: a client resolves a bare "." or ".." segment away before sending.
            other = st.one_of(st.sampled_from(AWKWARD_IDS), st.text(min_size=1, max_size=40)).map(
                lambda text: quote(text, safe="").replace(".", "%2E"))
            case.path_parameters[name] = data.draw(st.one_of(st.sampled_from(pool), st.sampled_from(pool), st.just(value), other),
                                                   label=name)


def strategy_for(operation) -> st.SearchStrategy:
    """Valid requests and, where the operation takes any input, invalid ones."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if operation.body or any(True for _ in operation.iter_parameters()):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_errors_and_responses_match_the_description(api_schema, real_ids, label):
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"the served description has no {label}"

    @hypothesis.settings(max_examples=RUN_EXAMPLES if re.match(RUNS, label) else EXAMPLES, deadline=None, database=None,
                         derandomize=True, phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                         print_blob=False)
    @hypothesis.given(case=strategy_for(operation), data=st.data())
    def fuzz(case, data) -> None:
        use_real_ids(case, real_ids, data)
        # An empty (or dot) path segment asks for another operation (…/versions/ is the list of versions).
        hypothesis.assume(all(str(value).strip(".") for value in (case.path_parameters or {}).values()))
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    fuzz()
