"""A small HTTP client of the Stella Script REST API.

One method per endpoint; failures raise :class:`ClientError` with the HTTP
status and the server's own message (and, for invalid input, its list of
``errors``). The ``stellascript`` CLI is a thin shell over it, and notebook
code can use it as it is::

    client = StellaScriptClient("http://127.0.0.1:8890", token="sst_...")
    script = client.create_script(name="hello", language="python", content="print('hi')\\n")
    accepted = client.execute(script["id"], arguments={"who": "me"})
    adhoc = client.run_adhoc(language="bash", content="echo hi\\n", wait=True)  # not in the registry
    for event, data in client.stream_logs(accepted["execution_id"]):
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

API_PATH = "stellascript/api/v1"
DEFAULT_URL = "http://127.0.0.1:8890"

# (connect, read) seconds. Creating or updating a script waits for its syntax
# check, which compiles Java, Go, TypeScript and C# in their containers.
DEFAULT_TIMEOUT = (10.0, 300.0)


class ClientError(Exception):
    """The server refused a request, or could not be reached (``status`` None)."""

    def __init__(self, status: int | None, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(f"{status} {message}" if status is not None else message)
        self.status = status
        self.message = message
        self.errors = errors or []


class ServerUnreachable(ClientError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(None, f"cannot reach the Stella Script server at {url}: {reason}")
        self.url = url


def api_url(url: str) -> str:
    """The API root for a server URL, with or without the API path already on it."""
    url = url.rstrip("/")
    if url.endswith("/" + API_PATH):
        return url
    return f"{url}/{API_PATH}"


def _reason(error: requests.RequestException) -> str:
    """A short cause without the nested exception reprs requests produces."""
    text = str(error.args[0] if error.args else error)
    for marker in ("Connection refused", "Name or service not known", "timed out", "No route to host",
                   "Temporary failure in name resolution", "Network is unreachable", "Connection reset"):
        if marker in text:
            return marker.lower()
    if isinstance(error, requests.Timeout):
        return "timed out"
    return text.splitlines()[0][:200] if text else type(error).__name__


class StellaScriptClient:
    def __init__(self, url: str = DEFAULT_URL, token: str | None = None, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 session: requests.Session | None = None, trigger: str | None = None) -> None:
        self.url = url
        # Sent with every request as X-StellaScript-Trigger: runs say where they were started from.
        self.trigger = trigger
        self.api = api_url(url)
        self.token = token or None
        self.timeout = timeout
        self.session = session or requests.Session()

    # -- plumbing ------------------------------------------------------------------

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.trigger:
            headers["X-StellaScript-Trigger"] = self.trigger
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, *, params: dict | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None, stream: bool = False, timeout: Any = "default") -> requests.Response:
        """One request; raises ClientError unless the answer is a success."""
        url = f"{self.api}/{path.lstrip('/')}"
        try:
            response = self.session.request(
                method, url, params={k: v for k, v in (params or {}).items() if v is not None},
                json=json_body, headers=self._headers(headers), stream=stream,
                timeout=self.timeout if timeout == "default" else timeout,
            )
        except requests.RequestException as error:
            raise ServerUnreachable(self.url, _reason(error)) from None
        if response.status_code >= 400:
            raise self._error(response)
        return response

    @staticmethod
    def _error(response: requests.Response) -> ClientError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("message"):
            errors = body.get("errors") if isinstance(body.get("errors"), list) else []
            return ClientError(response.status_code, str(body["message"]), errors)
        text = " ".join(response.text.split())[:200] if response.headers.get("Content-Type", "").startswith("text/plain") else ""
        return ClientError(response.status_code, text or response.reason or "request failed")

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ClientError(response.status_code, f"the server answered {path} with something that is not JSON") from None

    # -- service -------------------------------------------------------------------

    def health(self) -> dict:
        return self._json("GET", "health")

    def languages(self) -> list[dict]:
        return self._json("GET", "languages")["items"]

    def openapi(self) -> dict:
        return self._json("GET", "openapi.json")

    def metrics(self) -> str:
        return self.request("GET", "metrics").text

    # -- scripts -------------------------------------------------------------------

    def list_scripts(self, q: str | None = None, language: str | None = None, tags: list[str] | tuple[str, ...] = (),
                     visibility: str | None = None, limit: int | None = None, offset: int | None = None) -> dict:
        """One page of the scripts the caller may see: {items, total}."""
        params: dict[str, Any] = {"q": q, "language": language, "visibility": visibility, "limit": limit, "offset": offset}
        if tags:
            params["tag"] = list(tags)
        return self._json("GET", "scripts", params=params)

    def create_script(self, *, name: str, language: str, content: str, description: str | None = None,
                      visibility: str | None = None, tags: list[str] | tuple[str, ...] | None = None,
                      dependencies: list[dict] | None = None, entry_point: str | None = None,
                      parameters: list[dict] | None = None, retry_on_executor_loss: bool | None = None) -> dict:
        body = {"name": name, "language": language, "content": content, "description": description,
                "visibility": visibility, "tags": list(tags) if tags is not None else None,
                "dependencies": dependencies, "entry_point": entry_point, "parameters": parameters,
                "retry_on_executor_loss": retry_on_executor_loss}
        return self._json("POST", "scripts", json_body={k: v for k, v in body.items() if v is not None})

    def resolve_script(self, reference: str) -> dict:
        """The script (metadata) an id, a name or owner/name names: 404 none, 409 ambiguous (candidates)."""
        return self._json("GET", "scripts/resolve", params={"ref": reference})

    def get_script(self, script_id: str, version: str | None = None) -> dict:
        if version:
            return self._json("GET", f"scripts/{_segment(script_id)}/versions/{_segment(version)}")
        return self._json("GET", f"scripts/{_segment(script_id)}")

    def update_script(self, script_id: str, *, content: str | None = None, version_bump: str | None = None,
                      expected_version: str | None = None, **fields: Any) -> dict:
        """A new version; ``expected_version`` is sent as If-Match (409 if the script moved on).

        Other fields: name, description, visibility, tags, dependencies, parameters, entry_point."""
        body = {"content": content, "version_bump": version_bump, **fields}
        headers = {"If-Match": f'"{expected_version}"'} if expected_version else None
        return self._json("PUT", f"scripts/{_segment(script_id)}", json_body={k: v for k, v in body.items() if v is not None},
                          headers=headers)

    def delete_script(self, script_id: str) -> None:
        self._json("DELETE", f"scripts/{_segment(script_id)}")

    def versions(self, script_id: str) -> list[dict]:
        return self._json("GET", f"scripts/{_segment(script_id)}/versions")["items"]

    def execute(self, script_id: str, *, arguments: dict[str, str] | None = None, environment: dict[str, str] | None = None,
                timeout: float | None = None, network_mode: str | None = None, version: str | None = None,
                wait: bool = False, secrets: dict[str, str] | None = None, placement: dict | None = None) -> dict:
        """Start a run: {execution_id, status} at once, or with wait=True the finished record.
        ``secrets`` maps environment variables to secret names (or owner/name); ``placement`` holds
        the body's target, tags, priority and retry_on_executor_loss."""
        body = {"arguments": arguments, "environment": environment, "timeout": timeout,
                "network_mode": network_mode, "version": version, "secrets": secrets, **(placement or {})}
        return self._json("POST", f"scripts/{_segment(script_id)}/execute", params={"wait": "true" if wait else None},
                          json_body={k: v for k, v in body.items() if v is not None},
                          timeout=(self._connect_timeout(), None) if wait else "default")

    def run_adhoc(self, *, language: str, content: str, entry_point: str | None = None,
                  arguments: dict[str, str] | None = None, environment: dict[str, str] | None = None,
                  timeout: float | None = None, network_mode: str | None = None, wait: bool = False,
                  secrets: dict[str, str] | None = None) -> dict:
        """Run code that is not in the registry (needs an authenticated caller):
        {execution_id, status} at once, or with wait=True the finished record,
        whose script_id and script_version are None."""
        body = {"language": language, "content": content, "entry_point": entry_point, "arguments": arguments,
                "environment": environment, "timeout": timeout, "network_mode": network_mode, "secrets": secrets}
        return self._json("POST", "scripts/executions", params={"wait": "true" if wait else None},
                          json_body={k: v for k, v in body.items() if v is not None},
                          timeout=(self._connect_timeout(), None) if wait else "default")

    # -- secrets ---------------------------------------------------------------------

    def list_secrets(self) -> list[dict]:
        """The secrets the caller may use (metadata only: no value is ever sent back)."""
        return self._json("GET", "secrets")["items"]

    def get_secret(self, name: str) -> dict:
        return self._json("GET", f"secrets/{_segment(name)}")

    def create_secret(self, *, name: str, value: str, visibility: str | None = None, team: str | None = None,
                      description: str | None = None) -> dict:
        body = {"name": name, "value": value, "visibility": visibility, "team": team, "description": description}
        return self._json("POST", "secrets", json_body={k: v for k, v in body.items() if v is not None})

    def replace_secret(self, name: str, *, value: str, visibility: str | None = None, team: str | None = None,
                       description: str | None = None) -> dict:
        """A new value (a new version) for a secret of the caller's."""
        body = {"value": value, "visibility": visibility, "team": team, "description": description}
        return self._json("PUT", f"secrets/{_segment(name)}", json_body={k: v for k, v in body.items() if v is not None})

    def delete_secret(self, name: str) -> None:
        self._json("DELETE", f"secrets/{_segment(name)}")

    # -- executions ------------------------------------------------------------------

    def list_executions(self, script_id: str | None = None, status: str | None = None,
                        limit: int | None = None, offset: int | None = None, **filters: str | None) -> dict:
        """One page, newest first; filters: requested_by, trigger, since, until (ISO 8601)."""
        return self._json("GET", "scripts/executions",
                          params={"script_id": script_id, "status": status, "limit": limit, "offset": offset, **filters})

    def get_execution(self, execution_id: str) -> dict:
        return self._json("GET", f"scripts/executions/{_segment(execution_id)}")

    def cancel_execution(self, execution_id: str) -> dict:
        return self._json("POST", f"scripts/executions/{_segment(execution_id)}/cancel")

    def logs(self, execution_id: str) -> dict:
        """The output stored so far: {stdout, stderr, status}."""
        return self._json("GET", f"scripts/executions/{_segment(execution_id)}/logs", params={"follow": "false"})

    def stream_logs(self, execution_id: str) -> Iterator[tuple[str, str]]:
        """(event, data) as the server sends them: ``stdout`` and ``stderr`` with
        text exactly as written, then ``end`` with JSON {status, exit_code}."""
        response = self.request("GET", f"scripts/executions/{_segment(execution_id)}/logs",
                                headers={"Accept": "text/event-stream"}, stream=True, timeout=(self._connect_timeout(), None))
        with response:
            try:
                yield from parse_events(response.iter_content(chunk_size=None))
            except requests.RequestException as error:
                raise ServerUnreachable(self.url, f"the log stream broke off: {_reason(error)}") from None

    def _connect_timeout(self) -> float:
        return self.timeout[0] if isinstance(self.timeout, tuple) else self.timeout


def parse_events(chunks: Iterator[bytes]) -> Iterator[tuple[str, str]]:
    """Server-sent events from a byte stream.

    Lines end at ``\\n`` only: output may hold carriage returns (progress bars),
    which the server passes through inside data lines."""
    buffer = b""
    event, data = "message", []
    for chunk in chunks:
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            line = raw.decode("utf-8", errors="replace")
            if line == "":
                if data:
                    yield event, "\n".join(data)
                event, data = "message", []
            elif line.startswith(":"):
                continue
            else:
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
    if data:
        yield event, "\n".join(data)


def _segment(value: str) -> str:
    return quote(str(value), safe="")


__all__ = ["ClientError", "ServerUnreachable", "StellaScriptClient", "api_url", "parse_events", "DEFAULT_URL"]
