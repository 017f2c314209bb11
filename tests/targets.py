"""Target containers for tests: a real container, started from a runtime
image, serving HTTP on 127.0.0.1 inside its own network namespace only, and
labelled so that Stella Script may run scripts against it (target:
{container: ...}). From the host, or from a run with network bridge or host,
nothing answers; a run that targets it reaches it at localhost.

    with target_container(docker_client, routes={"/health": (200, {"status": "ok"})}) as target:
        ExecutionRequest(..., target=target.name)     # or {"target": {"container": target.name}} in a body

Routes answer with their status and JSON body; any other path is a 404 with
{"error": "not found"}. ``environment`` is set in the target (its names are in
/scripts/target.json, never its values). Every container carries the label
TEST_TARGET_LABEL=<this process's pid>, so a test can find and remove its own
(``remove_test_targets``).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from docker.errors import APIError, NotFound

from jupyter_stellascript.targets.selection import DEFAULT_SELECTOR
from tests.servers import free_port

TEST_TARGET_LABEL = "io.stellascript.test-target"
IMAGE = "stella-runtime/python:latest"
READY_TIMEOUT_S = 30.0
# Serves the routes given as JSON in argv[2] on 127.0.0.1:argv[1], and leaves a
# marker file (argv[3]) in its own filesystem: a run joined to its network must not see it.
SERVER = r"""
import http.server, json, pathlib, sys
port, routes, marker = int(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
pathlib.Path(marker).write_text("the target's own file\n")
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = routes.get(self.path.split("?")[0], (404, {"error": "not found"}))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
"""


@dataclass
class TargetContainer:
    client: object
    id: str
    name: str
    port: int
    image: str
    labels: dict[str, str]
    marker: str
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where a run that targets this container reaches it."""
        return f"http://127.0.0.1:{self.port}"

    def inspect(self) -> dict:
        return self.client.api.inspect_container(self.id)

    def stop(self) -> None:
        self.client.api.stop(self.id, timeout=1)

    def remove(self) -> None:
        with contextlib.suppress(NotFound, APIError):
            self.client.api.remove_container(self.id, force=True, v=True)


def start_target(client, *, routes: dict[str, tuple[int, object]] | None = None, labels: dict[str, str] | None = None,
                 name: str | None = None, environment: dict[str, str] | None = None, network: str = "bridge",
                 image: str = IMAGE) -> TargetContainer:
    """Start a target container and wait until it serves (see the module's docstring).

    ``labels`` default to the server's default target selector; pass {} for an
    unlabelled container (never a target). The port is one free on the host
    too, so "nothing answers there from outside" means something."""
    port = free_port()
    name = name or f"stella-test-target-{uuid.uuid4().hex[:10]}"
    marker = f"/tmp/target-marker-{uuid.uuid4().hex[:8]}"
    all_labels = {**(DEFAULT_SELECTOR if labels is None else labels), TEST_TARGET_LABEL: str(os.getpid())}
    created = client.api.create_container(
        image, command=["python3", "-u", "-c", SERVER, str(port), json.dumps(routes or {}), marker], name=name,
        labels=all_labels, environment=environment or {}, ports=[port],  # exposed (not published): target.json lists it
        host_config=client.api.create_host_config(network_mode=network, mem_limit=128 * 1024 * 1024),
    )
    target = TargetContainer(client, created["Id"], name, port, image, all_labels, marker, dict(environment or {}))
    try:
        client.api.start(target.id)
        deadline = time.monotonic() + READY_TIMEOUT_S
        while b"ready" not in client.api.logs(target.id, stdout=True, stderr=False):
            state = client.api.inspect_container(target.id)["State"]
            if not state.get("Running") or time.monotonic() > deadline:
                logs = client.api.logs(target.id).decode(errors="replace")[-2000:]
                raise RuntimeError(f"target container {name} did not start serving: {state.get('Status')}\n{logs}")
            time.sleep(0.05)
    except BaseException:
        target.remove()
        raise
    return target


@contextlib.contextmanager
def target_container(client, **options) -> Iterator[TargetContainer]:
    """start_target, removed afterwards."""
    target = start_target(client, **options)
    try:
        yield target
    finally:
        target.remove()


def remove_test_targets(client) -> None:
    """Remove the target containers this process started (a test that died half-way)."""
    for info in client.api.containers(all=True, filters={"label": f"{TEST_TARGET_LABEL}={os.getpid()}"}):
        with contextlib.suppress(NotFound, APIError):
            client.api.remove_container(info["Id"], force=True, v=True)
