"""Script names: one rule, unique per owner, references (name, owner/name)
resolved for the caller, and the migration that makes existing databases
obey. A real ``stellascript serve`` on SQLite and PostgreSQL; the migration
runs against real databases of both kinds."""

from __future__ import annotations

import logging
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, column, create_engine, insert, select, table
from sqlalchemy.exc import IntegrityError

from jupyter_stellascript.db import MIGRATIONS, Script, open_database
from jupyter_stellascript.identity import Caller
from jupyter_stellascript.registry import ScriptRegistry
from tests.servers import RunningServer, json_of

RULE = "letters, digits, '.', '_' and '-' only, 1 to 100 characters"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def tokens(server: RunningServer) -> dict[str, str]:
    return {user: server.token(user) for user in ("names-ann", "names-ben", "names-cid")}


def create(server: RunningServer, token: str, name: str, **fields):
    return server.request("POST", "/scripts", token=token,
                          json={"name": name, "language": "bash", "content": "echo ok\n", **fields})


def created(server: RunningServer, token: str, name: str, **fields) -> dict:
    response = create(server, token, name, **fields)
    assert response.status_code == 201, response.text
    return json_of(response)


def resolve(server: RunningServer, token: str | None, ref: str):
    return server.request("GET", "/scripts/resolve", token=token, params={"ref": ref})


@pytest.mark.parametrize("name", ["../etc/passwd", "has space name", "tab\there", "a/b", "semi;colon", "n" * 101, "", "   "])
def test_names_outside_the_rule_are_a_400_naming_the_field(server, tokens, name):
    response = create(server, tokens["names-ann"], name)
    assert response.status_code == 400, response.text
    [problem] = json_of(response)["errors"]
    assert problem["field"] == "name"
    assert RULE in problem["message"] or "required" in problem["message"] or "longer than 100" in problem["message"]
    script = created(server, tokens["names-ann"], unique("rename-me"))
    refused = server.request("PUT", f"/scripts/{script['id']}", token=tokens["names-ann"], json={"name": name})
    assert refused.status_code == 400 and json_of(refused)["errors"][0]["field"] == "name"


def test_names_inside_the_rule_are_kept_in_nfc(server, tokens):
    marker = uuid.uuid4().hex[:8]
    for name in (f"ok.name_1-{marker}", f"Größe-{marker}", f"{marker}" + "x" * 92):
        assert created(server, tokens["names-ann"], name)["name"] == name
    decomposed = f"Cafe\u0301-{marker}"
    script = created(server, tokens["names-ann"], decomposed)
    assert script["name"] == unicodedata.normalize("NFC", decomposed) == f"Caf\u00e9-{marker}"
    # The same name typed the other way is the same name.
    assert create(server, tokens["names-ann"], f"Caf\u00e9-{marker}").status_code == 409


def test_a_second_script_of_the_same_name_is_a_409_naming_the_first(server, tokens):
    name = unique("twice")
    first = created(server, tokens["names-ann"], name)
    refused = create(server, tokens["names-ann"], name, language="python", content="print(1)\n")
    assert refused.status_code == 409, refused.text
    body = json_of(refused)
    assert body["script_id"] == first["id"] and body["field"] == "name"
    assert first["id"] in body["message"] and name in body["message"]
    # Another owner may use the name; deleting frees it for its owner.
    assert created(server, tokens["names-ben"], name)["created_by"] == "names-ben"
    assert server.request("DELETE", f"/scripts/{first['id']}", token=tokens["names-ann"]).status_code == 204
    assert created(server, tokens["names-ann"], name)["id"] != first["id"]


def test_renaming_onto_a_name_the_owner_uses_is_a_409_and_changes_nothing(server, tokens):
    taken, other = unique("taken"), unique("other")
    first = created(server, tokens["names-ann"], taken)
    second = created(server, tokens["names-ann"], other)
    refused = server.request("PUT", f"/scripts/{second['id']}", token=tokens["names-ann"], json={"name": taken})
    assert refused.status_code == 409 and json_of(refused)["script_id"] == first["id"]
    after = json_of(server.request("GET", f"/scripts/{second['id']}", token=tokens["names-ann"]))
    assert (after["name"], after["version"]) == (other, "1.0.0")
    # Keeping one's own name, or a new free one, is fine.
    kept = server.request("PUT", f"/scripts/{second['id']}", token=tokens["names-ann"], json={"name": other, "description": "d"})
    assert kept.status_code == 200, kept.text
    renamed = server.request("PUT", f"/scripts/{second['id']}", token=tokens["names-ann"], json={"name": other + "-new"})
    assert json_of(renamed)["name"] == other + "-new"


def test_references_resolve_among_readable_scripts(server, tokens):
    ann, ben, cid = tokens["names-ann"], tokens["names-ben"], tokens["names-cid"]
    shared, private = unique("shared"), unique("private")
    anns = created(server, ann, shared, visibility="organization")
    bens = created(server, ben, shared, visibility="organization")
    hidden = created(server, ben, private)

    # The caller's own script of the name wins; owner/name always names one.
    assert json_of(resolve(server, ann, shared))["id"] == anns["id"]
    assert json_of(resolve(server, ben, shared))["id"] == bens["id"]
    answer = json_of(resolve(server, ann, f"names-ben/{shared}"))
    assert answer["id"] == bens["id"] and answer["reference"] == f"names-ben/{shared}" and "content" not in answer
    # Someone with none of their own: ambiguous, candidates as owner/name.
    ambiguous = resolve(server, cid, shared)
    assert ambiguous.status_code == 409, ambiguous.text
    assert json_of(ambiguous)["candidates"] == [f"names-ann/{shared}", f"names-ben/{shared}"]
    assert f"names-ann/{shared}" in json_of(ambiguous)["message"]
    # An id is a reference too.
    assert json_of(resolve(server, cid, anns["id"]))["id"] == anns["id"]
    # What the caller may not read does not resolve, and says nothing more.
    for ref in (private, f"names-ben/{private}", hidden["id"]):
        assert resolve(server, ann, ref).status_code == 404, ref
        assert resolve(server, None, ref).status_code == 404, ref
    assert json_of(resolve(server, ben, private))["id"] == hidden["id"]
    for bad in ("", "names-ben/", "/x"):
        response = resolve(server, ann, bad)
        assert response.status_code == 400 and json_of(response)["errors"][0]["field"] == "ref", bad


# -- the migration --------------------------------------------------------------------------

SHA = "0" * 64
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _database(request, tmp_path, dialect: str) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path}/before.db"
    return request.getfixturevalue("postgres").create_database(f"names_{uuid.uuid4().hex[:8]}")


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_migration_renames_duplicates_and_invalid_names_predictably(request, tmp_path, caplog, dialect):
    url = _database(request, tmp_path, dialect)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0005")  # before names had a rule
    # (id, owner, name, minutes after BASE, deleted)
    rows = [
        ("a1", "alice", "report", 1, False),
        ("a2", "alice", "report", 2, False),       # -> report-3: report-2 is alice's already
        ("a3", "alice", "report-2", 3, False),
        ("a4", "alice", "report", 4, False),       # -> report-4
        ("a5", "alice", "has space name", 5, False),  # -> has-space-name
        ("a6", "alice", "has-space-name", 6, False),  # -> has-space-name-2 (a5 is older)
        ("a7", "alice", "../etc/passwd", 7, False),   # -> ..-etc-passwd
        ("a8", "alice", "report", 0, True),        # deleted: keeps its name, older or not
        ("a9", "alice", "???", 9, False),          # -> script
        ("b1", "bob", "report", 0, False),         # another owner: keeps it
        ("b2", "bob", "Größe", 1, False),          # valid: kept
    ]
    scripts = table("scripts", column("id"), column("name"), column("description"), column("language"), column("visibility"),
                    column("tags", JSON()), column("teams", JSON()), column("latest_version"), column("created_at"),
                    column("created_by"), column("deleted_at"), column("search_text"))
    versions = table("script_versions", column("script_id"), column("version"), column("major"), column("minor"),
                     column("patch"), column("content_sha256"), column("entry_point"), column("dependencies", JSON()),
                     column("created_at"), column("created_by"))
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(insert(table("blobs", column("sha256"), column("size"), column("content"))),
                           [{"sha256": SHA, "size": 0, "content": b""}])
        for script_id, owner, name, minutes, deleted in rows:
            moment = BASE + timedelta(minutes=minutes)
            connection.execute(insert(scripts), [{
                "id": script_id, "name": name, "description": "about it", "language": "bash", "visibility": "public",
                "tags": ["Nightly"], "teams": [], "latest_version": "1.0.0", "created_at": moment, "created_by": owner,
                "deleted_at": moment if deleted else None, "search_text": ""}])
            connection.execute(insert(versions), [{"script_id": script_id, "version": "1.0.0", "major": 1, "minor": 0,
                                                   "patch": 0, "content_sha256": SHA, "entry_point": "script.sh",
                                                   "dependencies": [], "created_at": moment, "created_by": owner}])
    engine.dispose()
    caplog.set_level(logging.WARNING, logger="jupyter_stellascript.migrations")
    sessions = open_database(url)  # migrates to the head
    try:
        with sessions() as session:
            names = {script.id: script.name for script in session.scalars(select(Script))}
        assert names == {"a1": "report", "a2": "report-3", "a3": "report-2", "a4": "report-4", "a5": "has-space-name",
                         "a6": "has-space-name-2", "a7": "..-etc-passwd", "a8": "report", "a9": "script",
                         "b1": "report", "b2": "Größe"}
        logged = {record.args[0]: record.getMessage() for record in caplog.records
                  if record.name == "jupyter_stellascript.migrations"}
        assert set(logged) == {"a2", "a4", "a5", "a6", "a7", "a9"}
        assert logged["a2"] == ("renamed script a2 from 'report' to 'report-3': "
                                "an older script of alice has the name 'report'")
        assert "'../etc/passwd' to '..-etc-passwd': the name broke the name rule" in logged["a7"]
        # Renamed scripts resolve by their new names; tags are searchable text now.
        registry = ScriptRegistry(sessions)
        alice = Caller(name="alice")
        assert registry.resolve(alice, "report-3")["id"] == "a2"
        assert registry.resolve(alice, "bob/Größe")["id"] == "b2"
        items, total = registry.search(alice, text="nightly report")
        assert [item["id"] for item in items] == ["a1", "b1", "a3", "a2", "a4"] and total == 5
        # The database itself now refuses a second live script of a name.
        with pytest.raises(IntegrityError), sessions() as session, session.begin():
            session.add(Script(id="a10", name="report", description="", language="bash", visibility="public", tags=[],
                               teams=[], latest_version="1.0.0", created_by="alice"))
    finally:
        sessions.kw["bind"].dispose()
