"""The JupyterLab extension in a real browser: Playwright drives Debian's
Chromium against a JupyterLab this test starts (own port, root dir and data
dir) with the real server extension, database and containers.

The browser steps are in labextension/ui-tests/*.spec.ts (library.spec.ts:
the panel, versions, diffs and runs; lsp-editing.spec.ts: completions and
diagnostics from the real language servers, formatting; timed-out.spec.ts: a
run that hits its timeout; parameters.spec.ts: the Run form generated from a
script's parameters; secrets.spec.ts: the Secrets section; workers.spec.ts: the Workers section;
outputs.spec.ts: a run's outputs in the run view; workflows.spec.ts: a workflow run;
schedules.spec.ts: the Schedules view, webhook creation, notification settings; everyday.spec.ts: names, search, one view per
script, live output, Preparing, notifications); this test fails when
any of them fails, and its output is Playwright's report. Screenshots go to
labextension/ui-tests/test-results/screenshots, or to docs/screenshots with
STELLASCRIPT_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jupyter_stellascript.languages import LANGUAGES
from tests.dependencies.conftest import derived_cleanup, local_index  # noqa: F401 (fixtures)
from tests.dependencies.index import unique_name
from tests.servers import STELLASCRIPT, free_port, stop_process_group

REPO = Path(__file__).resolve().parents[2]
JUPYTER = str(Path(sys.executable).with_name("jupyter"))
CHROMIUM = "/usr/bin/chromium"

# A Playwright spec drives a whole JupyterLab: minutes when the machine is busy.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class RunningLab:
    """JupyterLab with Jupyter's own token, or (``token_user``) with identities
    from Stella Script API tokens, as a team's shared server would be."""

    def __init__(self, root: Path, token_user: str | None = None, extra_config: str = "") -> None:
        self.root = root
        self.extra_config = extra_config
        self.port = free_port()
        self.token_user = token_user
        self.token = secrets.token_hex(16)
        self.log_path = root.parent / "lab.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, data_dir: Path, timeout_s: float = 180) -> "RunningLab":
        config = self.root.parent / "jupyter_server_config.py"
        # Only Python keeps a warm container: the test runs Python alone.
        pools = {name: {"min_containers": 1 if name == "python" else 0} for name in LANGUAGES}
        # No "get notified about Jupyter news?" toast over the screenshots.
        settings = self.root.parent / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
        config.write_text(f"c.StellaScript.data_dir = {str(data_dir)!r}\nc.StellaScript.pool_sizes = {pools!r}\n{self.extra_config}")
        identity = [f"--IdentityProvider.token={self.token}"]
        if self.token_user:
            identity = ["--ServerApp.identity_provider_class=jupyter_stellascript.auth.TokenIdentityProvider"]
            self.token = subprocess.run([STELLASCRIPT, "token", "create", "--user", self.token_user, "--data", str(data_dir)],
                                        check=True, capture_output=True, text=True).stdout.strip()
        env = {**os.environ, "STELLASCRIPT_DATA": str(data_dir), "JUPYTER_CONFIG_DIR": str(self.root.parent / "config"),
               "JUPYTER_RUNTIME_DIR": str(self.root.parent / "runtime")}
        self.process = subprocess.Popen(
            [JUPYTER, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
             *identity, f"--ServerApp.root_dir={self.root}", f"--config={config}",
             f"--LabApp.user_settings_dir={self.root.parent / 'user-settings'}",
             f"--LabApp.workspaces_dir={self.root.parent / 'lab-workspaces'}",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log_path.read_text()[-4000:]}")
            try:
                health = requests.get(f"{self.url}stellascript/api/v1/health", params={"token": self.token}, timeout=2).json()
                if health.get("engine") == "ready":
                    return self
                if health.get("engine") == "unavailable":
                    raise RuntimeError(f"container engine unavailable: {health}")
            except requests.ConnectionError:
                pass  # not listening yet
            time.sleep(0.3)
        raise TimeoutError(f"JupyterLab did not become ready:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        stop_process_group(self.process)


@pytest.fixture()
def lab(tmp_path: Path, runtime_images) -> Iterator[RunningLab]:
    root = tmp_path / "root"
    root.mkdir()
    server = RunningLab(root).start(tmp_path / "data")
    yield server
    server.stop()


def run_playwright(lab: RunningLab, *specs: str, env: dict[str, str] | None = None) -> None:
    """Run these spec files against the lab; fail with Playwright's report."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: make setup installs Debian's chromium"
    playwright = REPO / "node_modules" / ".bin" / "playwright"
    assert playwright.exists(), "Playwright is missing: make setup runs npm ci"
    # The extension under test is the one this JupyterLab serves.
    extensions = requests.get(f"{lab.url}lab/api/extensions", params={"token": lab.token}, timeout=10).json()
    assert any(ext["name"] == "jupyter-stellascript" and ext["enabled"] for ext in extensions), extensions
    # docs/screenshots only when asked, so that a test run leaves the git tree as it was.
    if os.environ.get("STELLASCRIPT_UPDATE_SCREENSHOTS") == "1":
        screenshots = REPO / "docs" / "screenshots"
    else:
        screenshots = REPO / "labextension" / "ui-tests" / "test-results" / "screenshots"
    screenshots.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JUPYTER_URL": lab.url, "JUPYTER_TOKEN": lab.token, "CHROMIUM": CHROMIUM,
           "SCREENSHOT_DIR": str(screenshots), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", **(env or {})}
    result = subprocess.run(
        [str(playwright), "test", "-c", "labextension/ui-tests/playwright.config.ts", *specs],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=840,
    )
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"Playwright failed:\n{report}\n--- JupyterLab log ---\n{lab.log_path.read_text()[-3000:]}"
    assert " passed" in result.stdout and "skipped" not in result.stdout, report


def test_library_panel_in_chromium(lab: RunningLab) -> None:
    run_playwright(lab, "library.spec.ts", "lsp-editing.spec.ts")


def test_timed_out_run_in_chromium(lab: RunningLab) -> None:
    # Its own JupyterLab: the spec above already takes most of this test timeout.
    run_playwright(lab, "timed-out.spec.ts")


def test_parameters_run_form_in_chromium(lab: RunningLab) -> None:
    run_playwright(lab, "parameters.spec.ts")


def test_secrets_section_in_chromium(lab: RunningLab) -> None:
    run_playwright(lab, "secrets.spec.ts", "workers.spec.ts")


def test_run_outputs_and_workflows_in_chromium(lab: RunningLab) -> None:
    run_playwright(lab, "outputs.spec.ts", "workflows.spec.ts")


def test_schedules_view_in_chromium(tmp_path: Path, runtime_images) -> None:
    # Bash keeps a warm container here: the schedule runs a bash script every two seconds.
    root = tmp_path / "root"
    root.mkdir()
    pools = {name: {"min_containers": 1 if name == "bash" else 0} for name in LANGUAGES}
    lab = RunningLab(root, extra_config=f"c.StellaScript.pool_sizes = {pools!r}\n").start(tmp_path / "data")
    try:
        run_playwright(lab, "schedules.spec.ts")
    finally:
        lab.stop()


def test_library_panel_with_api_token_identities(tmp_path: Path, runtime_images) -> None:
    root = tmp_path / "root"
    root.mkdir()
    lab = RunningLab(root, token_user="ana").start(tmp_path / "data")
    try:
        run_playwright(lab, "token-identity.spec.ts", env={"STELLA_USER": "ana"})
    finally:
        lab.stop()


@pytest.mark.timeout(900)  # nine flows, one of them a dependency build
def test_everyday_flows_in_chromium(tmp_path: Path, runtime_images, local_index, derived_cleanup) -> None:  # noqa: F811
    """Its own JupyterLab, whose Python packages come from a local index (the Preparing section's build)."""
    package = unique_name("ss-ui")
    local_index.publish(package, "1.0.0")
    root = tmp_path / "root"
    root.mkdir()
    # Bash's pool holds one container: the Preparing section's pool wait (everyday.spec.ts).
    pools = {name: {"min_containers": 1 if name == "python" else 0} for name in LANGUAGES}
    pools["bash"] = {"min_containers": 0, "max_containers": 1}
    lab = RunningLab(root, extra_config=f"c.StellaScript.pypi_source = {local_index.url!r}\n"
                                        f"c.StellaScript.pool_sizes = {pools!r}\n").start(tmp_path / "data")
    try:
        run_playwright(lab, "everyday.spec.ts", env={"PREP_PACKAGE": package})
    finally:
        lab.stop()
