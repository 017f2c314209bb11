"""Workflow versions like scripts': semver bumps, immutable, content-addressed,
pinned script versions, visibility, tags and search."""

from __future__ import annotations

import hashlib

import pytest

from jupyter_stellascript.errors import Conflict, Forbidden, NotFound, Unauthenticated
from jupyter_stellascript.identity import ANONYMOUS
from tests.workflows.conftest import ALICE, BOB, CAROL, add_script

ONE_STEP = "steps:\n  - {id: hello, script: hello}\n"


def test_versions_bump_pin_and_stay_as_they_were(store, registry):
    script = add_script(registry, "hello")
    first = store.create(ALICE, {"name": "greet", "definition": ONE_STEP, "description": "Says hello"})
    assert first["content_sha256"] == hashlib.sha256(ONE_STEP.encode()).hexdigest()
    assert first["pins"]["hello"]["version"] == "1.0.0"
    # Editing the script changes nothing in the saved workflow...
    registry.update(ALICE, script["id"], {"content": "echo changed\n"})
    assert store.get(ALICE, first["id"])["pins"]["hello"]["version"] == "1.0.0"
    # ...until the workflow is saved again, which pins the newest version.
    second = store.update(ALICE, first["id"], {})
    assert (second["version"], second["pins"]["hello"]["version"]) == ("1.1.0", "1.0.1")
    third = store.update(ALICE, first["id"], {"version_bump": "major", "definition":
                                              "steps:\n  - {id: hello, script: hello, version: 1.0.0}\n"})
    assert (third["version"], third["pins"]["hello"]["version"]) == ("2.0.0", "1.0.0")
    assert [v["version"] for v in store.versions(ALICE, first["id"])] == ["2.0.0", "1.1.0", "1.0.0"]
    assert store.get(ALICE, first["id"], version="1.0.0")["content"] == ONE_STEP
    with pytest.raises(Conflict):
        store.update(ALICE, first["id"], {"expected_version": "1.1.0"})
    with pytest.raises(NotFound):
        store.get(ALICE, first["id"], version="7.0.0")


def test_visibility_search_tags_and_delete(store, registry):
    add_script(registry, "hello", visibility="public")
    private = store.create(ALICE, {"name": "private-flow", "definition": ONE_STEP, "tags": ["a"]})
    team = store.create(ALICE, {"name": "team-flow", "definition": ONE_STEP, "visibility": "team", "tags": ["a", "b"]})
    public = store.create(ALICE, {"name": "Public-Flow", "definition": ONE_STEP, "visibility": "public"})

    def names(caller, **query):
        return [item["name"] for item in store.search(caller, **query)[0]]

    assert names(ALICE) == ["Public-Flow", "private-flow", "team-flow"]
    assert names(CAROL) == ["Public-Flow", "team-flow"]  # carol shares alice's team
    assert names(BOB) == names(ANONYMOUS) == ["Public-Flow"]
    assert names(ALICE, tags=["a", "b"]) == ["team-flow"] and names(ALICE, text="public") == ["Public-Flow"]
    assert names(ALICE, visibility="team") == ["team-flow"]
    with pytest.raises(NotFound):
        store.get(BOB, private["id"])
    with pytest.raises(Forbidden):
        store.update(CAROL, team["id"], {"description": "mine now"})
    with pytest.raises(Unauthenticated):
        store.create(ANONYMOUS, {"name": "x", "definition": ONE_STEP})
    store.delete(ALICE, public["id"])
    assert names(BOB) == []
