"""Resolution's network: none, with the configured registries as the only way
out (the host-side allow-list proxy of dependencies/egress.py). Real
containers, real pip, real HTTP servers on this host."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from jupyter_stellascript.dependencies import DependencyError, DependencySettings, DerivedImages
from jupyter_stellascript.dependencies.base import ResolveContext, run_tool, scratch
from jupyter_stellascript.dependencies.egress import allowed_endpoints
from tests.dependencies.conftest import BASH_IMAGE, PYTHON_IMAGE
from tests.dependencies.index import unique_name

pytestmark = pytest.mark.slow


class Elsewhere:
    """An HTTP server on every address of this host that is no package source:
    it records each request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the base class's name
                seen.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"secret")

            def log_message(self, format, *args):  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def elsewhere() -> Iterator[Elsewhere]:
    server = Elsewhere()
    yield server
    server.close()


def test_allowed_endpoints_are_the_sources_and_the_extra_hosts():
    assert allowed_endpoints(["https://pypi.org/simple", "http://127.0.0.1:8123/simple"],
                             ["files.pythonhosted.org", "mirror.example:8443"]) == {
        ("pypi.org", 443), ("127.0.0.1", 8123), ("files.pythonhosted.org", 443), ("files.pythonhosted.org", 80),
        ("mirror.example", 8443)}
    assert DependencySettings(network="host").egress("pypi") is None


def test_go_sources_lists_and_checksum_databases_are_endpoints():
    # GOPROXY as the go command takes it, GOSUMDB as a name; "direct", "off" and folder feeds reach nothing.
    assert allowed_endpoints(["https://proxy.golang.org,http://127.0.0.1:9000|direct", "sum.golang.org", "off",
                              "/srv/feeds/nuget"], []) == {
        ("proxy.golang.org", 443), ("127.0.0.1", 9000), ("sum.golang.org", 443)}
    settings = DependencySettings(sources={"goproxy": "https://proxy.golang.org", "gosumdb": "off"}, allowed_hosts=())
    assert settings.egress("goproxy", "gosumdb") == {("proxy.golang.org", 443)}


PROBE = """
import json, socket, sys, urllib.error, urllib.request
results = {}
for name, url in (("source", sys.argv[1]), ("other", sys.argv[2])):
    try:
        results[name] = urllib.request.urlopen(url, timeout=10).status
    except urllib.error.HTTPError as error:
        results[name] = error.code
try:  # straight to the other server, around the proxy: the host's address
    socket.create_connection((sys.argv[3], int(sys.argv[4])), timeout=5)
    results["direct"] = "connected"
except OSError as error:
    results["direct"] = type(error).__name__
print(json.dumps(results))
"""


def host_address() -> str:
    """This host's address on its default route (not loopback)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.254", 9))
        return probe.getsockname()[0]
    finally:
        probe.close()


def test_the_tool_reaches_its_source_and_nothing_else(docker_client, runtime_images, local_index, elsewhere):
    settings = DependencySettings(sources={"pypi": local_index.url}, timeout_s=120, allowed_hosts=())
    context = ResolveContext(docker_client, PYTHON_IMAGE, settings, lambda line: None, threading.Event())
    other = f"http://127.0.0.1:{elsewhere.port}/secret"
    with scratch("stellascript-egress-test-") as workdir:
        run = run_tool(context, ["python3", "-c", PROBE, local_index.url + "/", other, host_address(), str(elsewhere.port)],
                       workdir=workdir, what="egress probe", source=local_index.url, egress=settings.egress("pypi"))
    assert run.exit_code == 0, run.output
    results = json.loads(run.output.strip().splitlines()[-1])
    assert results["source"] == 200  # through the proxy
    assert results["other"] == 403  # refused by the proxy
    assert results["direct"] != "connected"  # network none: no way around it
    assert run.denied == [f"127.0.0.1:{elsewhere.port}"]
    assert elsewhere.requests == []


CURL_PROBE = """
for url in "$1" "$2"; do curl -s -o /dev/null -w '%{http_code} ' --max-time 10 "$url" || printf 'failed '; done
curl -s --noproxy '*' --max-time 5 -o /dev/null "http://$3:$4/secret" && echo connected || echo refused
"""


def test_an_image_without_python_resolves_through_the_relay(docker_client, runtime_images, local_index, elsewhere):
    # The Bash image has no python3: the relay is a container of its own, whose network namespace the tool's shares.
    settings = DependencySettings(sources={"pypi": local_index.url}, timeout_s=120, allowed_hosts=())
    context = ResolveContext(docker_client, BASH_IMAGE, settings, lambda line: None, threading.Event())
    with scratch("stellascript-egress-test-") as workdir:
        run = run_tool(context, ["sh", "-c", CURL_PROBE, "probe", local_index.url + "/",
                                 f"http://127.0.0.1:{elsewhere.port}/secret", host_address(), str(elsewhere.port)],
                       workdir=workdir, what="egress probe", source=local_index.url, egress=settings.egress("pypi"))
    assert run.exit_code == 0, run.output
    assert run.output.split()[-3:] == ["200", "403", "refused"], run.output
    assert run.denied == [f"127.0.0.1:{elsewhere.port}"]
    assert elsewhere.requests == []
    relays = docker_client.containers.list(all=True, filters={"label": "io.stellascript.dependency-tool"})
    assert not [c for c in relays if "egress relay" in c.labels.get("io.stellascript.dependency-tool", "")
                and workdir.name in str(c.attrs.get("Mounts"))]  # removed with the run


def test_pip_cannot_fetch_from_a_host_that_is_not_allowed(docker_client, runtime_images, derived_cleanup,
                                                         local_index, elsewhere):
    name = unique_name("ss-elsewhere")
    local_index.publish_elsewhere(name, "1.0.0", f"http://127.0.0.1:{elsewhere.port}/files")
    images = DerivedImages(docker_client, DependencySettings(sources={"pypi": local_index.url}, timeout_s=300,
                                                             allowed_hosts=()))
    with pytest.raises(DependencyError) as caught:
        images.resolve("python", PYTHON_IMAGE, (name,))
    assert caught.value.kind == "unreachable"
    assert f"127.0.0.1:{elsewhere.port}, which is not an allowed package host" in str(caught.value)
    assert "dependency_allowed_hosts" in str(caught.value)
    assert elsewhere.requests == []
