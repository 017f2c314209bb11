"""An update's syntax check (a container compile of up to two minutes) runs
outside any database transaction: other writes go on meanwhile, and the slow
update then finds the script moved on and answers Conflict (409)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from jupyter_stellascript.db import open_database
from jupyter_stellascript.identity import Caller
from jupyter_stellascript.registry import Conflict, ScriptRegistry, ValidationFailed
from jupyter_stellascript.registry.syntax import SyntaxCheck

ALICE = Caller(name="alice")
V1 = 'public class Hello { public static void main(String[] a) { System.out.println("v1"); } }\n'
V2 = 'public class Hello { public static void main(String[] a) { System.out.println("v2"); } }\n'


class ObservedCheck:
    """The real syntax check (javac in the Java runtime container), and what the
    database connection pool held while it ran."""

    def __init__(self, check: SyntaxCheck, pool) -> None:
        self.check, self.pool = check, pool
        self.started, self.finished = threading.Event(), threading.Event()
        self.connections_held: list[int] = []

    def __call__(self, *args, **kwargs) -> list[dict]:
        self.started.set()
        self.connections_held.append(self.pool.checkedout())
        try:
            return self.check(*args, **kwargs)
        finally:
            self.connections_held.append(self.pool.checkedout())
            self.finished.set()


@pytest.fixture()
def sessions(tmp_path: Path):
    return open_database(f"sqlite:///{tmp_path / 'registry.db'}")


def test_a_write_during_a_compile_goes_through_and_the_compiled_update_gets_a_conflict(sessions, fresh_cache_engine):
    pool = sessions.kw["bind"].pool
    plain = ScriptRegistry(sessions)  # no syntax check: the concurrent writer
    script = plain.create(ALICE, {"name": "hello", "language": "java", "content": V1})
    observed = ObservedCheck(SyntaxCheck(lambda: fresh_cache_engine), pool)
    checked = ScriptRegistry(sessions, syntax_checker=observed)

    outcome: dict = {}

    def slow_update() -> None:
        try:
            outcome["result"] = checked.update(ALICE, script["id"], {"content": V2})
        except Exception as error:  # examined below
            outcome["error"] = error

    worker = threading.Thread(target=slow_update)
    worker.start()
    assert observed.started.wait(60), "the syntax check did not start"
    began = time.monotonic()
    concurrent = plain.update(ALICE, script["id"], {"description": "changed during the compile"})
    write_s = time.monotonic() - began
    compile_was_running = not observed.finished.is_set()
    worker.join(300)

    assert compile_was_running, "the compile ended before the other write; it proves nothing"
    assert write_s < 5, f"the other write waited {write_s:.1f}s: something held the database"
    assert concurrent["version"] == "1.0.1"
    assert observed.connections_held[0] == 0, "a database connection (and transaction) was held during the compile"
    assert isinstance(outcome.get("error"), Conflict), outcome
    after = plain.get(ALICE, script["id"])
    assert (after["version"], after["content"], after["description"]) == ("1.0.1", V1, "changed during the compile")


def test_an_update_without_a_concurrent_one_is_checked_and_written(sessions, fresh_cache_engine):
    registry = ScriptRegistry(sessions, syntax_checker=SyntaxCheck(lambda: fresh_cache_engine))
    script = registry.create(ALICE, {"name": "hello", "language": "java", "content": V1})
    updated = registry.update(ALICE, script["id"], {"content": V2.replace("Hello", "Greeter")})
    assert (updated["version"], updated["entry_point"]) == ("1.0.1", "Greeter.java")
    with pytest.raises(ValidationFailed) as refused:
        registry.update(ALICE, script["id"], {"content": "public class Broken {\n"})
    assert refused.value.errors[0]["field"] == "content"
    assert registry.get(ALICE, script["id"])["version"] == "1.0.1"
