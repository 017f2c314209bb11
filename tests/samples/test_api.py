"""The sample endpoints over HTTP (GET scripts/samples[?language=&category=],
GET scripts/samples/{id}, POST scripts/samples/{id}/clone) on a headless
server whose c.StellaScript.samples_dir is a copy of samples/ with one more
sample that declares dependencies, so a clone is seen to carry them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.samples import SampleCatalog, samples_dir
from tests.servers import RunningServer, json_of

pytestmark = pytest.mark.slow

EXTRA = '''
[[sample]]
id = "with-dependencies"
title = "A sample with dependencies"
description = """Uses requests,
pinned."""
language = "python"
file = "with_dependencies.py"
category = "testing"
tags = ["http", "test"]
dependencies = [{ name = "requests", version = "2.31.0" }]
'''
SOURCE = '''# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# description = "What to fetch"
# [parameters.token]
# type = "secret"
# ///
import json
print(json.load(open("/scripts/args.json"))["url"])
'''


@pytest.fixture(scope="module")
def server(tmp_path_factory, runtime_images) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("samples-api")
    library = root / "samples"
    shutil.copytree(samples_dir(), library)
    (library / "samples.toml").write_text((library / "samples.toml").read_text() + EXTRA)
    (library / "python" / "with_dependencies.py").write_text(SOURCE)
    running = RunningServer(root / "data", settings={"samples_dir": str(library),
                                                     "pool_sizes": {"python": {"min_containers": 0}}}).start()
    yield running
    running.stop()


def test_anyone_lists_the_samples_with_their_metadata_and_parameters(server: RunningServer) -> None:
    listing = json_of(server.request("GET", "/scripts/samples"))
    expected = SampleCatalog(samples_dir()).summaries().model_dump(mode="json")
    assert listing["items"][:-1] == expected["items"] and listing["categories"] == expected["categories"]
    extra = listing["items"][-1]
    assert extra == {
        "id": "with-dependencies", "title": "A sample with dependencies", "description": "Uses requests, pinned.",
        "language": "python", "file": "with_dependencies.py", "category": "testing",
        "category_label": "Smoke and integration tests", "tags": ["http", "test"],
        "dependencies": [{"name": "requests", "version": "2.31.0", "scope": "runtime"}], "dependency_note": "",
        "parameters": [
            {"name": "url", "type": "string", "required": True, "default": None, "description": "What to fetch",
             "values": None, "pattern": None, "minimum": None, "maximum": None},
            {"name": "token", "type": "secret", "required": False, "default": None, "description": "",
             "values": None, "pattern": None, "minimum": None, "maximum": None}],
    }
    assert "content" not in extra


def test_filters_and_their_bad_values(server: RunningServer) -> None:
    python = json_of(server.request("GET", "/scripts/samples", params={"language": "python", "category": "testing"}))["items"]
    assert [item["id"] for item in python] == ["with-dependencies"]
    assert all(item["language"] == "go" for item in json_of(server.request("GET", "/scripts/samples", params={"language": "go"}))["items"])
    refused = server.request("GET", "/scripts/samples", params={"language": "cobol", "category": "misc"})
    assert refused.status_code == 400
    assert [problem["field"] for problem in json_of(refused)["errors"]] == ["language", "category"]


def test_one_sample_has_its_content_and_parameters_schema(server: RunningServer) -> None:
    sample = json_of(server.request("GET", "/scripts/samples/with-dependencies"))
    assert sample["content"] == SOURCE
    assert sample["parameters_schema"]["required"] == ["url"]
    missing = server.request("GET", "/scripts/samples/no-such-sample")
    assert missing.status_code == 404 and "no sample 'no-such-sample'" in json_of(missing)["message"]


def test_a_clone_is_the_callers_script_with_dependencies_and_parameters(server: RunningServer) -> None:
    token = server.token("sample-cloner", teams=("ops",))
    response = server.request("POST", "/scripts/samples/with-dependencies/clone", token=token, json={"visibility": "team"})
    assert response.status_code == 201, response.text
    script = json_of(response)
    assert response.headers["Location"].endswith(f"/stellascript/api/v1/scripts/{script['id']}")
    stored = json_of(server.request("GET", f"/scripts/{script['id']}", token=token))
    assert (stored["name"], stored["created_by"], stored["visibility"], stored["version"]) == \
        ("with-dependencies", "sample-cloner", "team", "1.0.0")
    assert (stored["language"], stored["entry_point"], stored["content"]) == ("python", "with_dependencies.py", SOURCE)
    assert (stored["description"], stored["tags"]) == ("Uses requests, pinned.", ["http", "test"])
    assert stored["dependencies"] == [{"name": "requests", "version": "2.31.0", "scope": "runtime"}]
    assert [(p["name"], p["type"], p["required"]) for p in stored["parameters"]] == [("url", "string", True), ("token", "secret", False)]

    # The same name again is the registry's 409; another name is a second script.
    again = server.request("POST", "/scripts/samples/with-dependencies/clone", token=token, json={})
    assert again.status_code == 409 and json_of(again)["script_id"] == script["id"]
    named = json_of(server.request("POST", "/scripts/samples/with-dependencies/clone", token=token, json={"name": "my-copy"}))
    assert named["name"] == "my-copy" and named["id"] != script["id"]
    assert json_of(server.request("GET", f"/scripts/{named['id']}", token=token))["visibility"] == "private"


def test_bad_clone_bodies_and_callers(server: RunningServer) -> None:
    token = server.token("sample-cloner-2")
    bad = server.request("POST", "/scripts/samples/system-report/clone", token=token, json={"name": "a b", "visibility": "everyone"})
    assert bad.status_code == 400
    assert sorted(problem["field"] for problem in json_of(bad)["errors"]) == ["name", "visibility"]
    unknown = server.request("POST", "/scripts/samples/nope/clone", token=token, json={})
    assert unknown.status_code == 404
    anonymous = server.request("POST", "/scripts/samples/system-report/clone", json={})
    assert anonymous.status_code == 401
