"""A worker that does not know the database's schema claims nothing, and says
why; once the schema is one it knows, it claims again (rolling upgrades)."""

from __future__ import annotations

import time
import uuid

from sqlalchemy import create_engine, text

from jupyter_stellascript.queue.workers import known_schema
from tests.queue.conftest import (
    SETTINGS,
    RunningWorker,
    create_script,
    record,
    submit,
    terminal,
)
from tests.servers import RunningServer, wait_for


def test_a_worker_of_an_unknown_schema_version_claims_nothing(tmp_path, postgres, podman_services, runtime_images):
    db_url = postgres.create_database(f"q_{uuid.uuid4().hex[:10]}")
    server = RunningServer(tmp_path / "server", db_url=db_url, settings={**SETTINGS, "execute_locally": False,
                                                                          "placement_timeout": "1h"}).start()
    worker = None
    database = create_engine(db_url)
    try:
        token = server.token("schema-user")
        execution_id = submit(server, token, create_script(server, token, "waits", "echo ran\n"))
        with database.begin() as connection:  # the database as a newer server left it
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        worker = RunningWorker(tmp_path / "worker", db_url, podman_services[0].url, worker_id="worker-old").start()
        wait_for(lambda: "claiming nothing" in worker.log(), 60, "the worker to say it claims nothing")
        assert "'9999_future'" in worker.log() and repr(known_schema()) in worker.log()
        # Several claim polls (every 0.1 s) later it still holds nothing.
        time.sleep(2)
        assert record(server, token, execution_id)["status"] == "Queued"
        with database.begin() as connection:
            claiming = connection.execute(text("SELECT claiming FROM queue_workers WHERE id = 'worker-old'")).scalar()
            connection.execute(text("UPDATE alembic_version SET version_num = :known"), {"known": known_schema()})
        assert claiming is False
        done = terminal(server, token, execution_id, 120)  # it looks again every 10 s
        assert done["status"] == "Succeeded" and done["worker_id"] == "worker-old", done
    finally:
        database.dispose()
        if worker is not None:
            worker.stop()
        server.stop()
