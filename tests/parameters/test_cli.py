"""--arg checked against the parameters: exit 2 listing each problem, for a local file and a registry script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import stellascript
from tests.test_client_cli import cli

pytestmark = pytest.mark.slow

CHECK = '''\
# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# [parameters.expected_status]
# type = "integer"
# default = 200
# [parameters.verbose]
# type = "boolean"
# ///
import json
print(json.dumps(json.load(open("/scripts/args.json")), sort_keys=True))
'''


def test_a_local_file_run_checks_its_inline_parameters(tmp_path: Path, runtime_images) -> None:
    (tmp_path / "check.py").write_text(CHECK)
    refused = stellascript("run", "check.py", "--arg", "expected_status=x", "--arg", "verbose=perhaps", "--arg", "typo=1", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == "", refused.stderr
    assert refused.stderr.splitlines() == [
        "stellascript: check.py: not run: 4 problem(s) with the arguments",
        "  --arg typo: this script has no parameter 'typo' (it takes url, expected_status, verbose)",
        "  --arg url: is required",
        "  --arg expected_status: integer: expected an integer, not 'x'",
        "  --arg verbose: boolean: expected true or false, not 'perhaps'",
    ]
    ran = stellascript("run", "check.py", "--arg", "url=https://x", "--arg", "verbose=YES", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"url": "https://x", "expected_status": "200", "verbose": "true"}

    (tmp_path / "broken.py").write_text(CHECK.replace("# type = \"integer\"", "# type = integer"))
    broken = stellascript("run", "broken.py", "--arg", "url=u", cwd=tmp_path)
    assert broken.returncode == 2
    assert "  broken.py:6: the stellascript block is not valid TOML" in broken.stderr


def test_a_registry_run_lists_the_servers_problems_and_exits_2(sqlite_server, tmp_path: Path) -> None:
    token = sqlite_server.token("params-cli")
    (tmp_path / "check.py").write_text(CHECK)
    created = cli(sqlite_server, "scripts", "create", str(tmp_path / "check.py"), token=token)
    assert created.returncode == 0, created.stderr
    script_id = created.stdout.strip()
    refused = cli(sqlite_server, "scripts", "run", script_id, "--arg", "expected_status=600x", token=token)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.splitlines() == [
        "stellascript: 400 is required; integer: expected an integer, not '600x'",
        "  arguments.url: is required",
        "  arguments.expected_status: integer: expected an integer, not '600x'",
    ]
    executions = cli(sqlite_server, "executions", "list", "--script", script_id, "--json", token=token)
    assert json.loads(executions.stdout)["total"] == 0
    ran = cli(sqlite_server, "scripts", "run", script_id, "--arg", "url=u", "--arg", "expected_status=404", token=token)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == {"url": "u", "expected_status": "404"}

    (tmp_path / "bad.py").write_text(CHECK.replace("# ///\nimport", "import"))
    bad = cli(sqlite_server, "scripts", "create", str(tmp_path / "bad.py"), token=token)
    assert bad.returncode != 0
    assert f"  {tmp_path / 'bad.py'}:10: line 10 is inside the stellascript block" in bad.stderr
