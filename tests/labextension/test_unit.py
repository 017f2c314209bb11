"""The JupyterLab extension's unit tests (Vitest, labextension/tests/*.test.ts):
pure helpers, the generated API types against openapi.json, status badges
against the schema's statuses, the settings schema. `make test` runs them
through this test; its output is Vitest's report."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_labextension_unit_tests() -> None:
    npm = shutil.which("npm")
    assert npm, "npm is missing: make setup installs nodejs and npm"
    assert (REPO / "node_modules" / ".bin" / "vitest").exists(), "Vitest is missing: make setup runs npm ci"
    result = subprocess.run([npm, "test", "--silent"], cwd=REPO, capture_output=True, text=True, timeout=300)
    report = result.stdout[-6000:] + result.stderr[-3000:]
    assert result.returncode == 0, f"npm test failed:\n{report}"
    assert " passed" in result.stdout and "failed" not in result.stdout, report
