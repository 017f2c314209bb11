"""Migration 0006: versions saved before parameters existed declare none, and then take arguments as before."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, column, create_engine, insert, table

from jupyter_stellascript.db import MIGRATIONS, open_database
from jupyter_stellascript.identity import Caller
from jupyter_stellascript.parameters import declarations_of, validate_arguments
from jupyter_stellascript.registry import ScriptRegistry

ALICE = Caller(name="alice")
CONTENT = b"echo old\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


def test_versions_from_before_declare_no_parameters(tmp_path):
    url = f"sqlite:///{tmp_path}/before.db"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0005")
    engine = create_engine(url)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as connection:
        connection.execute(insert(table("blobs", column("sha256"), column("size"), column("content"))),
                           [{"sha256": SHA, "size": len(CONTENT), "content": CONTENT}])
        connection.execute(insert(table("scripts", column("id"), column("name"), column("description"), column("language"),
                                        column("visibility"), column("tags", JSON()), column("teams", JSON()),
                                        column("latest_version"), column("created_at"), column("created_by"), column("search_text"))),
                           [{"id": "s1", "name": "old", "description": "", "language": "bash", "visibility": "private",
                             "tags": [], "teams": [], "latest_version": "1.0.0", "created_at": now, "created_by": "alice",
                             "search_text": "old\n"}])
        connection.execute(insert(table("script_versions", column("script_id"), column("version"), column("major"),
                                        column("minor"), column("patch"), column("content_sha256"), column("entry_point"),
                                        column("dependencies", JSON()), column("created_at"), column("created_by"))),
                           [{"script_id": "s1", "version": "1.0.0", "major": 1, "minor": 0, "patch": 0, "content_sha256": SHA,
                             "entry_point": "script.sh", "dependencies": [], "created_at": now, "created_by": "alice"}])
    engine.dispose()
    sessions = open_database(url)  # migrates to the head
    try:
        registry = ScriptRegistry(sessions)
        script = registry.get(ALICE, "s1")
        assert (script["parameters"], script["parameters_schema"]["additionalProperties"]) == ([], {"type": "string"})
        assert validate_arguments(declarations_of(script["parameters"]), {"any": "thing"}) == {"any": "thing"}
        # A new version of it may declare some; the old one keeps none.
        updated = registry.update(ALICE, "s1", {"parameters": [{"name": "who", "required": True}]})
        assert [p["name"] for p in updated["parameters"]] == ["who"]
        assert registry.get(ALICE, "s1", version="1.0.0")["parameters"] == []
    finally:
        sessions.kw["bind"].dispose()
