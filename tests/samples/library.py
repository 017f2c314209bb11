"""The sample library as the tests use it: the manifest, saving a sample to a
real server's registry as a clone would, and running it there.

A sample runs exactly as a user's clone does: the registry script holds the
sample's file as its content, its manifest dependencies and tags, and the
run goes through ``POST scripts/{id}/execute?wait=true`` with network
``host`` (the targets the tests start listen on this machine's loopback)
and the run's secrets by name.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests.servers import RunningServer, json_of

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
MANIFEST = SAMPLES / "samples.toml"
RUN_TIMEOUT_S = 240
# A first save of a compiled sample resolves its dependencies and builds their image.
SAVE_TIMEOUT_S = 900


def manifest() -> dict[str, dict]:
    """The manifest's samples by id."""
    entries = tomllib.loads(MANIFEST.read_text(encoding="utf-8"))["sample"]
    return {entry["id"]: entry for entry in entries}


def sample_path(entry: dict) -> Path:
    return SAMPLES / entry["language"] / entry["file"]


@dataclass
class Run:
    record: dict

    @property
    def exit_code(self) -> int | None:
        return self.record["exit_code"]

    @property
    def outputs(self) -> dict:
        assert isinstance(self.record.get("outputs"), dict), self.describe()
        return self.record["outputs"]

    @property
    def stdout(self) -> str:
        return self.record["stdout"]

    def lines(self, mark: str) -> list[str]:
        """The stdout lines starting with ✓ or ✗."""
        return [line for line in self.stdout.splitlines() if line.startswith(mark)]

    def describe(self) -> str:
        record = self.record
        return (f"{record['status']} exit {record['exit_code']} ({record.get('termination_reason')}, {record.get('error')})\n"
                f"stdout:\n{record['stdout']}\nstderr:\n{record['stderr']}\noutputs: {record.get('outputs')}")


class SampleRunner:
    """One user's clones of the samples on one real server, saved once each."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.user = f"samples-{uuid.uuid4().hex[:6]}"
        self.token = server.token(self.user, teams=("samples",))
        self.scripts: dict[str, str] = {}
        self.secrets: set[str] = set()

    def save(self, sample_id: str) -> str:
        """The sample as a registry script (id), created as a clone is: content, entry point,
        description, tags and the manifest's dependencies."""
        if sample_id not in self.scripts:
            entry = manifest()[sample_id]
            response = self.server.request("POST", "/scripts", token=self.token, timeout=SAVE_TIMEOUT_S, json={
                "name": sample_id, "language": entry["language"], "entry_point": entry["file"],
                "content": sample_path(entry).read_text(encoding="utf-8"), "description": entry["description"],
                "tags": entry["tags"], "dependencies": entry.get("dependencies", []), "visibility": "private",
            })
            assert response.status_code == 201, response.text
            self.scripts[sample_id] = json_of(response)["id"]
        return self.scripts[sample_id]

    def secret(self, name: str, value: str) -> str:
        """A secret of this user's (replaced when it exists); returns its name."""
        if name in self.secrets:
            response = self.server.request("PUT", f"/secrets/{name}", token=self.token, json={"value": value})
            assert response.status_code == 200, response.text
        else:
            response = self.server.request("POST", "/secrets", token=self.token,
                                           json={"name": name, "value": value, "visibility": "private"})
            assert response.status_code == 201, response.text
            self.secrets.add(name)
        return name

    def run(self, sample_id: str, arguments: dict[str, object] | None = None, **body) -> Run:
        """Run the saved sample and wait for its end; the engine must have run it to its end."""
        script_id = self.save(sample_id)
        text_arguments = {name: value if isinstance(value, str) else json.dumps(value)
                          for name, value in (arguments or {}).items()}
        response = self.server.request(
            "POST", f"/scripts/{script_id}/execute?wait=true", token=self.token, timeout=RUN_TIMEOUT_S + 60,
            # A run against a target container has the target's network, no other.
            json={"arguments": text_arguments, "timeout": RUN_TIMEOUT_S,
                  **({} if "target" in body else {"network_mode": "host"}), **body})
        assert response.status_code in (200, 201), response.text
        run = Run(json_of(response))
        # Compile errors, timeouts, engine failures are not a sample's verdict.
        assert run.record["status"] in ("Succeeded", "Failed"), run.describe()
        assert run.record.get("termination_reason") is None, run.describe()
        return run


def covers(sample_id: str):
    """Marks a test as one of a sample's (test_library.py reads these marks from the modules' text)."""
    assert sample_id in manifest(), f"no sample {sample_id!r} in {MANIFEST}"

    def mark(test):
        return test

    return mark
