"""The workflow REST API from a client (the CLI and the magics), and what
both do before a run: read a local definition, make its local script files
registry scripts, type the ``--input k=v`` values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
import yaml

from ..client import ClientError, ServerUnreachable, StellaScriptClient, _reason, _segment, parse_events

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class WorkflowClient:
    def __init__(self, client: StellaScriptClient) -> None:
        self.client = client

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client._json(method, path, **kwargs)

    def create(self, definition: str, name: str | None = None, visibility: str | None = None,
               tags: list[str] | None = None, description: str | None = None) -> dict:
        body = {"definition": definition, "name": name, "visibility": visibility, "tags": tags, "description": description}
        return self._json("POST", "workflows", json_body={k: v for k, v in body.items() if v is not None})

    def update(self, workflow_id: str, definition: str | None = None, version_bump: str | None = None) -> dict:
        body = {"definition": definition, "version_bump": version_bump}
        return self._json("PUT", f"workflows/{_segment(workflow_id)}", json_body={k: v for k, v in body.items() if v is not None})

    def list(self, q: str | None = None, tags: tuple[str, ...] = (), visibility: str | None = None,
             limit: int | None = None, offset: int | None = None) -> dict:
        return self._json("GET", "workflows", params={"q": q, "tag": list(tags) or None, "visibility": visibility,
                                                     "limit": limit, "offset": offset})

    def get(self, workflow_id: str, version: str | None = None) -> dict:
        path = f"workflows/{_segment(workflow_id)}" + (f"/versions/{_segment(version)}" if version else "")
        return self._json("GET", path)

    def delete(self, workflow_id: str) -> None:
        self._json("DELETE", f"workflows/{_segment(workflow_id)}")

    def versions(self, workflow_id: str) -> list[dict]:
        return self._json("GET", f"workflows/{_segment(workflow_id)}/versions")["items"]

    def resolve(self, target: str) -> dict:
        """A saved workflow by id or by its (unambiguous) name."""
        if _UUID.match(target):
            return self.get(target)
        matches = [item for item in self.list(q=target, limit=500)["items"] if item["name"] == target]
        if len(matches) != 1:
            raise ClientError(404, f"no workflow named {target!r} that you can see" if not matches else
                              f"{len(matches)} workflows are named {target!r}: name one by its id")
        return self.get(matches[0]["id"])

    def run(self, workflow_id: str, inputs: dict, version: str | None = None, wait: bool = False) -> dict:
        return self._json("POST", f"workflows/{_segment(workflow_id)}/run", params={"wait": "true" if wait else None},
                          json_body={"inputs": inputs, "version": version}, timeout=None if wait else "default")

    def run_definition(self, definition: str | dict, inputs: dict, wait: bool = False) -> dict:
        return self._json("POST", "workflows/runs", params={"wait": "true" if wait else None},
                          json_body={"definition": definition, "inputs": inputs}, timeout=None if wait else "default")

    def runs(self, workflow_id: str | None = None, status: str | None = None, limit: int | None = None) -> dict:
        return self._json("GET", "workflows/runs", params={"workflow_id": workflow_id, "status": status, "limit": limit})

    def get_run(self, run_id: str) -> dict:
        return self._json("GET", f"workflows/runs/{_segment(run_id)}")

    def cancel(self, run_id: str) -> dict:
        return self._json("POST", f"workflows/runs/{_segment(run_id)}/cancel")

    def rerun(self, run_id: str, from_step: str | None = None, wait: bool = False) -> dict:
        return self._json("POST", f"workflows/runs/{_segment(run_id)}/rerun", params={"wait": "true" if wait else None},
                          json_body={"from_step": from_step}, timeout=None if wait else "default")

    def events(self, run_id: str) -> Iterator[dict]:
        """The run's events as they come (the last: ``end`` with the whole run)."""
        response = self.client.request("GET", f"workflows/runs/{_segment(run_id)}/events",
                                       headers={"Accept": "text/event-stream"}, stream=True,
                                       timeout=(self.client._connect_timeout(), None))
        with response:
            try:
                for _event, data in parse_events(response.iter_content(chunk_size=None)):
                    yield json.loads(data)
            except requests.RequestException as error:
                raise ServerUnreachable(self.client.url, f"the event stream broke off: {_reason(error)}") from None


# -- before a run ----------------------------------------------------------------------------


def read_definition(text: str) -> dict:
    """YAML or JSON text as data (the server checks it; this only needs steps and inputs)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("a workflow definition is an object with steps")
    return data


def upload_local_scripts(client: StellaScriptClient, definition: dict, folder: Path) -> dict:
    """The definition with every step whose ``script:`` names a file (relative to ``folder``)
    pointing at a private registry script of that file's content: created the first
    time, a new version when the file changed, reused when it did not."""
    from ..languages import language_for_file
    from ..magics.scripts import own_script

    me = (client.health().get("caller") or {}).get("name")
    uploaded: dict[Path, str] = {}
    steps = []
    for step in definition.get("steps") or []:
        reference = step.get("script") if isinstance(step, dict) else None
        path = (folder / reference).resolve() if isinstance(reference, str) else None
        if path is None or not path.is_file():
            steps.append(step)
            continue
        if path not in uploaded:
            content = path.read_text(encoding="utf-8")
            mine = own_script(client, me, path.stem) if me else None  # names are unique per owner
            if mine is None:
                script = client.create_script(name=path.stem, language=language_for_file(path).name, content=content)
            else:
                script = client.get_script(mine["id"])
                if script["content"] != content:
                    script = client.update_script(script["id"], content=content)
            uploaded[path] = script["id"]
        steps.append({**step, "script": uploaded[path], "version": None})
    return {**definition, "steps": [{k: v for k, v in step.items() if v is not None} if isinstance(step, dict) else step
                                    for step in steps]}


def typed_inputs(declared: dict, given: dict[str, str]) -> dict:
    """``k=v`` values as the inputs' types want them: text for a string input, JSON otherwise
    (``--input hosts='["a","b"]'``, ``--input retries=3``); text where JSON does not parse."""
    typed = {}
    for key, value in given.items():
        kind = (declared.get(key) or {}).get("type", "string")
        if kind == "string":
            typed[key] = value
            continue
        try:
            typed[key] = json.loads(value)
        except ValueError:
            typed[key] = value
    return typed
