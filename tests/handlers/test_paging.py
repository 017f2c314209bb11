"""Paging and counting happen in SQL: a list costs the same few queries at
2,000 rows as at 20,000, and holds exactly the rows the caller may see.

The managers run in-process against a real database (SQLite file and a
PostgreSQL database), seeded straight through SQLAlchemy core bulk inserts;
an engine event counts the statements each list sends. The one paging rule
(limit 1..500, offset >= 0, else a 400 naming the field) is checked through
the real server for both endpoints.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import JSON, column, create_engine, event, insert, table
from sqlalchemy.orm import sessionmaker

from jupyter_stellascript.config import StellaScript
from jupyter_stellascript.db import (MIGRATIONS, Blob, Execution, Script, ScriptTag, ScriptTeam, ScriptVersion, open_database,
                                     search_text_of)
from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.execution.manager import ExecutionManager
from jupyter_stellascript.identity import ANONYMOUS, Caller
from jupyter_stellascript.registry import ScriptRegistry
from tests.handlers.backends import DescribingBackend
from tests.servers import json_of

FEW, MANY = 1_000, 10_000  # an order of magnitude apart: the count of queries stays the same
MAX_QUERIES_PER_LIST = 2  # the count and the page
BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
VISIBILITIES = ("private", "team", "organization", "public")
CREATORS = ("alice", "bob")
RUNNERS = ("alice", "bob", "carol", "anonymous")
STATUSES = ("Succeeded", "Failed", "Cancelled")
RUN_SCRIPTS = 10  # executions name the first ten scripts (or none: ad hoc)
SHA = "0" * 64

ALICE = Caller(name="alice", teams=frozenset({"red"}))
BOB = Caller(name="bob", teams=frozenset({"blue"}))
CAROL = Caller(name="carol", teams=frozenset({"red"}))
ADMIN = Caller(name="root", admin=True)


# -- the seeded rows, and what each caller should see of them ----------------------------

@dataclass(frozen=True)
class SeededScript:
    index: int
    id: str
    name: str
    creator: str
    visibility: str
    teams: tuple[str, ...]
    tags: tuple[str, ...]
    description: str


def seeded_script(index: int) -> SeededScript:
    return SeededScript(
        index=index, id=f"00000000-0000-4000-8000-{index:012d}", name=f"s{index:06d}",
        creator=CREATORS[index % 2], visibility=VISIBILITIES[(index // 2) % 4], teams=(("red",), ("blue",))[index % 2],
        tags=("even",) if index % 2 == 0 else ("odd",) + (("three",) if index % 3 == 0 else ()),
        description="Überprüfung 100%" if index % 5 == 0 else "nightly",
    )


def script_visible(caller: Caller, script: SeededScript) -> bool:
    """The registry's rule, written out for the seeded data."""
    return (caller.admin or script.visibility == "public" or caller.name == script.creator
            or (caller.authenticated and script.visibility == "organization")
            or (caller.authenticated and script.visibility == "team" and bool(caller.teams & set(script.teams))))


@dataclass(frozen=True)
class SeededRun:
    index: int
    id: str
    script: int | None  # index of its script, None: ad hoc
    runner: str
    status: str


def seeded_run(index: int) -> SeededRun:
    return SeededRun(index=index, id=str(uuid.UUID(int=index + 1)), script=None if index % 7 == 0 else index % RUN_SCRIPTS,
                     runner=RUNNERS[index % 4], status=STATUSES[index % 3])


def run_listed(caller: Caller, run: SeededRun) -> tuple[bool, bool]:
    """(listed, in full) by the execution visibility rule."""
    if caller.admin or (caller.authenticated and caller.name == run.runner):
        return True, True
    creator = seeded_script(run.script).creator if run.script is not None else None
    return caller.authenticated and caller.name == creator, False


def seed(sessions: sessionmaker, start: int, stop: int) -> None:
    scripts = [seeded_script(i) for i in range(start, stop)]
    runs = [seeded_run(i) for i in range(start, stop)]
    with sessions() as session, session.begin():
        if start == 0:
            session.execute(insert(Blob), [{"sha256": SHA, "size": 0, "content": b""}])
        session.execute(insert(Script), [{
            "id": s.id, "name": s.name, "description": s.description, "language": "bash", "visibility": s.visibility,
            "tags": list(s.tags), "teams": list(s.teams), "latest_version": "1.0.0", "created_at": BASE,
            "created_by": s.creator, "search_text": search_text_of(s.name, s.description),
        } for s in scripts])
        session.execute(insert(ScriptVersion), [{
            "script_id": s.id, "version": "1.0.0", "major": 1, "minor": 0, "patch": 0, "content_sha256": SHA,
            "entry_point": "script.sh", "dependencies": [], "created_at": BASE, "created_by": s.creator,
        } for s in scripts])
        session.execute(insert(ScriptTag), [{"script_id": s.id, "tag": t} for s in scripts for t in s.tags])
        session.execute(insert(ScriptTeam), [{"script_id": s.id, "team": t} for s in scripts for t in s.teams])
        session.execute(insert(Execution), [{
            "id": r.id, "script_id": seeded_script(r.script).id if r.script is not None else None,
            "script_version": "1.0.0" if r.script is not None else None, "content_sha256": SHA, "language": "bash",
            "status": r.status, "requested_by": r.runner, "arguments": {"secret": f"arg-{r.index}"}, "environment_keys": ["K"],
            "network_mode": "none", "timeout_s": 30.0, "stdout": f"out-{r.index}\n", "stderr": "", "stdout_truncated": False,
            "stderr_truncated": False, "queued_at": BASE + timedelta(seconds=r.index), "server_instance": "seeded",
        } for r in runs])


# -- the managers on a real database ---------------------------------------------------

@dataclass
class Database:
    sessions: sessionmaker
    registry: ScriptRegistry
    executions: ExecutionManager
    statements: list[str]

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements.clear()
        yield self.statements


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database(request, tmp_path_factory) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('paging')}/paging.db"
    else:
        url = request.getfixturevalue("postgres").create_database(f"paging_{uuid.uuid4().hex[:8]}")
    sessions = open_database(url)
    statements: list[str] = []
    test_thread = threading.get_ident()  # not the manager's heartbeat, which writes now and then

    def count(_conn, _cursor, statement, *_) -> None:
        if threading.get_ident() == test_thread:
            statements.append(statement)

    event.listen(sessions.kw["bind"], "before_cursor_execute", count)
    config = StellaScript()
    policy = config.run_policy()
    registry = ScriptRegistry(sessions)
    executions = ExecutionManager(sessions, registry, DescribingBackend(config, policy), policy, max_concurrent=1)
    try:
        yield Database(sessions, registry, executions, statements)
    finally:
        executions.shutdown()
        sessions.kw["bind"].dispose()


def expected_runs(caller: Caller, count: int, script: int | None = None, status: str | None = None) -> list[tuple[SeededRun, bool]]:
    runs = []
    for index in reversed(range(count)):  # newest first
        run = seeded_run(index)
        listed, full = run_listed(caller, run)
        if listed and (script is None or run.script == script) and (status is None or run.status == status):
            runs.append((run, full))
    return runs


def check_execution_pages(db: Database, count: int) -> None:
    for caller in (ALICE, BOB, CAROL, ADMIN):
        expected = expected_runs(caller, count)
        for offset in (0, 50, len(expected) - 7):
            with db.counting() as statements:
                items, total = db.executions.list(caller, limit=50, offset=offset)
            assert len(statements) <= MAX_QUERIES_PER_LIST, statements
            assert total == len(expected)
            page = expected[offset:offset + 50]
            assert [item["id"] for item in items] == [run.id for run, _ in page]
            for item, (run, full) in zip(items, page):
                assert item["requested_by"] == run.runner and item["redacted"] is not full
                assert (item["stdout"], item["arguments"]) == ((f"out-{run.index}\n", {"secret": f"arg-{run.index}"}) if full
                                                               else (None, {}))
    filtered = expected_runs(BOB, count, script=3, status="Failed")
    with db.counting() as statements:
        items, total = db.executions.list(BOB, script_id=seeded_script(3).id, status="Failed", limit=500)
    assert len(statements) <= MAX_QUERIES_PER_LIST
    assert total == len(filtered) > 0 and [item["id"] for item in items] == [run.id for run, _ in filtered[:500]]
    assert db.executions.list(ANONYMOUS, limit=500) == ([], 0)


def check_script_pages(db: Database, count: int) -> None:
    for caller in (CAROL, BOB, ANONYMOUS, ADMIN):
        for options in ({}, {"tags": ["odd", "three"]}, {"text": "ÜBERPRÜFUNG 100%"}, {"visibility": "team"}):
            expected = [s for s in (seeded_script(i) for i in range(count)) if script_visible(caller, s)
                        and set(options.get("tags", ())) <= set(s.tags)
                        and ("text" not in options or options["text"].casefold() in s.description.casefold())
                        and options.get("visibility", s.visibility) == s.visibility]
            for offset in (0, max(len(expected) - 3, 0)):
                with db.counting() as statements:
                    items, total = db.registry.search(caller, limit=20, offset=offset, **options)
                assert len(statements) <= MAX_QUERIES_PER_LIST, statements
                assert total == len(expected), (caller, options)
                assert [item["id"] for item in items] == [s.id for s in expected[offset:offset + 20]], (caller, options)
    # % and _ are literal text, not wildcards ("nightly" is every other description).
    assert db.registry.search(ADMIN, text="n%y", limit=1)[1] == 0
    assert db.registry.search(ADMIN, text="_ightly", limit=1)[1] == 0


def test_lists_page_and_count_in_sql_at_any_size(database):
    seed(database.sessions, 0, FEW)
    check_execution_pages(database, FEW)
    check_script_pages(database, FEW)
    seed(database.sessions, FEW, MANY)
    check_execution_pages(database, MANY)
    check_script_pages(database, MANY)


@pytest.mark.parametrize("limit, offset, fields", [
    (0, 0, ["limit"]), (501, 0, ["limit"]), (-1, -5, ["limit", "offset"]), (50, -5, ["offset"]),
])
def test_one_paging_rule_for_both_managers(database, limit, offset, fields):
    for listing in (database.registry.search, database.executions.list):
        with pytest.raises(ValidationFailed) as refused:
            listing(ALICE, limit=limit, offset=offset)
        assert [error["field"] for error in refused.value.errors] == fields


@pytest.mark.parametrize("path", ["/scripts", "/scripts/executions"])
@pytest.mark.parametrize("query, fields", [
    ("offset=-5", ["offset"]), ("limit=0", ["limit"]), ("limit=501", ["limit"]), ("limit=ten", ["limit"]),
])
def test_bad_pages_are_a_400_on_every_list(server, path, query, fields):
    token = server.token("pager")
    response = server.request("GET", f"{path}?{query}", token=token)
    assert response.status_code == 400, response.text
    assert [error["field"] for error in json_of(response)["errors"]] == fields
    assert server.request("GET", f"{path}?limit=500&offset=0", token=token).status_code == 200


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_the_migration_makes_existing_scripts_searchable(request, tmp_path, dialect):
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path}/before.db"
    else:
        url = request.getfixturevalue("postgres").create_database(f"migrate_{uuid.uuid4().hex[:8]}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "0004")  # a database written before paging moved into SQL
    old = seeded_script(6)  # team "red", tags even; created by alice
    engine = create_engine(url)
    scripts = table("scripts", column("id"), column("name"), column("description"), column("language"), column("visibility"),
                    column("tags", JSON()), column("teams", JSON()), column("latest_version"), column("created_at"),
                    column("created_by"))
    versions = table("script_versions", column("script_id"), column("version"), column("major"), column("minor"),
                     column("patch"), column("content_sha256"), column("entry_point"), column("dependencies", JSON()),
                     column("created_at"), column("created_by"))
    with engine.begin() as connection:
        connection.execute(insert(table("blobs", column("sha256"), column("size"), column("content"))),
                           [{"sha256": SHA, "size": 0, "content": b""}])
        connection.execute(insert(scripts), [{"id": old.id, "name": "Größe", "description": "Überprüfung", "language": "bash",
                                              "visibility": "team", "tags": ["etl", "etl"], "teams": ["red"],
                                              "latest_version": "1.0.0", "created_at": BASE, "created_by": "alice"}])
        connection.execute(insert(versions), [{"script_id": old.id, "version": "1.0.0", "major": 1, "minor": 0, "patch": 0,
                                               "content_sha256": SHA, "entry_point": "script.sh", "dependencies": [],
                                               "created_at": BASE, "created_by": "alice"}])
    engine.dispose()
    sessions = open_database(url)  # migrates to the head
    registry = ScriptRegistry(sessions)
    try:
        for caller, options, found in [
            (CAROL, {"text": "ÜBERPRÜFUNG", "tags": ["etl"]}, 1),  # in team red
            (CAROL, {"text": "größe"}, 1),
            (BOB, {"tags": ["etl"]}, 0),  # team blue
            (ANONYMOUS, {}, 0),
        ]:
            items, total = registry.search(caller, **options)
            assert total == found and [item["id"] for item in items] == [old.id] * found, (caller, options)
    finally:
        sessions.kw["bind"].dispose()
