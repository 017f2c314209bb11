"""%stellascript run validates arguments against the parameters (one short line), %stellascript params shows them."""

from __future__ import annotations

import json

import pytest

from jupyter_stellascript.magics import parse_command
from tests.test_magics import api, env, frame_json, one_error_line, run_notebook, server, stream, token, unique  # noqa: F401

pytestmark = pytest.mark.slow

CHECK = '''\
# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# description = "Endpoint to check"
# [parameters.expected_status]
# type = "integer"
# default = 200
# minimum = 100
# maximum = 599
# ///
import json
print(json.dumps(json.load(open("/scripts/args.json")), sort_keys=True))
'''


def test_params_is_a_line_magic() -> None:
    assert parse_command("params check --version 1.0.0", None).command == "params"
    with pytest.raises(Exception, match="params is a line magic"):
        parse_command("params check", "cell")


def test_run_validates_and_params_shows_a_dataframe(api, env):  # noqa: F811
    name = unique("check")
    api.create_script(name=name, language="python", content=CHECK,
                      parameters=[{"name": "mode", "type": "enum", "values": ["fast", "slow"], "default": "fast"}])
    cells = run_notebook([
        f"%stellascript run {name} --arg expected_status=abc --arg typo=1",
        f"ok = %stellascript run {name} --arg url=https://example.org --arg expected_status=404",
        "print(ok.loc[0, 'stdout'], end='')",
        f"p = %stellascript params {name}",
        frame_json("p"),
        "%%stellascript run --language python --arg n=x\n# /// stellascript\n# [parameters.n]\n# type = \"integer\"\n# ///\nprint(1)\n",
    ], env)
    assert one_error_line(cells[0]) == (
        f"stellascript: {name!r} was not run: typo: this script has no parameter 'typo' (it takes mode, url, expected_status); "
        "url is required (Endpoint to check); expected_status: integer: expected an integer, not 'abc'")
    assert json.loads(stream(cells[2], "stdout")) == {"url": "https://example.org", "expected_status": "404", "mode": "fast"}
    frame = json.loads(stream(cells[4], "stdout"))
    assert (frame["type"], frame["columns"]) == ("DataFrame", ["name", "type", "required", "default", "description", "allowed"])
    assert frame["rows"] == [
        {"name": "mode", "type": "enum", "required": False, "default": "fast", "description": "", "allowed": "fast, slow"},
        {"name": "url", "type": "string", "required": True, "default": None, "description": "Endpoint to check", "allowed": ""},
        {"name": "expected_status", "type": "integer", "required": False, "default": 200, "description": "", "allowed": "100 .. 599"},
    ]
    assert one_error_line(cells[5]) == "stellascript: the cell was not run: n: integer: expected an integer, not 'x'"
