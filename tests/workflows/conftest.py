"""A real database and registry (SQLite, migrated) for the workflow store's tests."""

from __future__ import annotations

import pytest

from jupyter_stellascript.db import open_database
from jupyter_stellascript.identity import Caller
from jupyter_stellascript.registry.manager import ScriptRegistry
from jupyter_stellascript.workflows.store import WorkflowStore

ALICE = Caller("alice", frozenset({"ops"}))
BOB = Caller("bob", frozenset({"dev"}))
CAROL = Caller("carol", frozenset({"ops"}))


@pytest.fixture()
def registry(tmp_path) -> ScriptRegistry:
    return ScriptRegistry(open_database(f"sqlite:///{tmp_path / 'stellascript.db'}"))


@pytest.fixture()
def store(registry) -> WorkflowStore:
    return WorkflowStore(registry)


def add_script(registry: ScriptRegistry, name: str, owner: Caller = ALICE, visibility: str = "private",
               content: str = "echo hi\n") -> dict:
    return registry.create(owner, {"name": name, "language": "bash", "content": content, "visibility": visibility})
