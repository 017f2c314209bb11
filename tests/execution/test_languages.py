"""Every language, end to end, in real runtime containers.

Each case below is one way to run a script (C# has two: a ``.cs`` program
and a ``.csx`` script, which the engine turns into a program). The snippets are
deliberately tiny; what is under test is the plumbing around them: the
command each language runs, where arguments and environment arrive, how exit
codes, stderr and compile errors come back.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import pytest

from jupyter_stellascript.execution.engine import ExecutionEngine, InvalidRequest
from jupyter_stellascript.execution.models import (
    ExecutionRequest,
    ExecutionResult,
    ExecutionStatus,
    TerminationReason,
)

pytestmark = pytest.mark.slow

ARGUMENTS = {"name": "Ada Lovelace"}
GREETING = "bonjour tout le monde"
UNSET = "<unset>"
SECRET_VARIABLE = "STELLA_TEST_HOST_SECRET"  # not STELLASCRIPT_*: that prefix is reserved


@dataclass(frozen=True)
class Case:
    """How one language (or one flavour of it) says the same few things."""

    language: str
    entry_point: str | None
    compiled: bool
    # Prints "hello, world".
    hello: str
    # Prints the "name" argument from /scripts/args.json.
    argument: str
    # Prints $GREETING then $STELLA_TEST_HOST_SECRET, one a line, "<unset>" for a missing one.
    environment: str
    # Prints "bye", then exits with code 3.
    exit_3: str
    # Writes "to stderr" on stderr and "to stdout" on stdout.
    stderr: str
    # A script with an error on a known line, and the diagnostic text naming it.
    broken: str | None = None
    broken_diagnostic: str | None = None


PYTHON = Case(
    language="python",
    entry_point=None,
    compiled=False,
    hello='print("hello, world")\n',
    argument='import json\nprint(json.load(open("/scripts/args.json"))["name"])\n',
    environment=(
        "import os\n"
        'print(os.environ.get("GREETING", "<unset>"))\n'
        'print(os.environ.get("STELLA_TEST_HOST_SECRET", "<unset>"))\n'
    ),
    exit_3='import sys\nprint("bye")\nsys.exit(3)\n',
    stderr='import sys\nprint("to stderr", file=sys.stderr)\nprint("to stdout")\n',
    broken='x = 1\ny = 2\nprint(x +\nz = 3\n',
    broken_diagnostic='File "/scripts/script.py", line 3',
)

BASH = Case(
    language="bash",
    entry_point=None,
    compiled=False,
    hello='echo "hello, world"\n',
    argument="jq -r .name /scripts/args.json\n",
    environment='echo "${GREETING:-<unset>}"\necho "${STELLA_TEST_HOST_SECRET:-<unset>}"\n',
    exit_3="echo bye\nexit 3\n",
    stderr='echo "to stderr" >&2\necho "to stdout"\n',
    broken="x=1\ny=2\nif then\nfi\n",
    broken_diagnostic="/scripts/script.sh: line 3: syntax error",
)

GO = Case(
    language="go",
    entry_point=None,
    compiled=True,
    hello='package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello, world")\n}\n',
    argument="""package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	data, err := os.ReadFile("/scripts/args.json")
	if err != nil {
		panic(err)
	}
	var args map[string]string
	if err := json.Unmarshal(data, &args); err != nil {
		panic(err)
	}
	fmt.Println(args["name"])
}
""",
    environment="""package main

import (
	"fmt"
	"os"
)

func show(name string) {
	if value, ok := os.LookupEnv(name); ok {
		fmt.Println(value)
	} else {
		fmt.Println("<unset>")
	}
}

func main() {
	show("GREETING")
	show("STELLA_TEST_HOST_SECRET")
}
""",
    exit_3='package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\nfunc main() {\n\tfmt.Println("bye")\n\tos.Exit(3)\n}\n',
    stderr=(
        'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\n'
        'func main() {\n\tfmt.Fprintln(os.Stderr, "to stderr")\n\tfmt.Println("to stdout")\n}\n'
    ),
    broken='package main\n\nfunc main() {\n\n\tmissingFunction()\n}\n',
    broken_diagnostic="script.go:5:2: undefined: missingFunction",
)

JAVA = Case(
    language="java",
    entry_point=None,
    compiled=True,
    hello="""public class Main {
    public static void main(String[] args) {
        System.out.println("hello, world");
    }
}
""",
    argument="""import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Main {
    public static void main(String[] args) throws Exception {
        String json = Files.readString(Path.of("/scripts/args.json"));
        Matcher m = Pattern.compile("\\"name\\"\\\\s*:\\\\s*\\"([^\\"]*)\\"").matcher(json);
        System.out.println(m.find() ? m.group(1) : "no name in " + json);
    }
}
""",
    environment="""public class Main {
    static void show(String name) {
        String value = System.getenv(name);
        System.out.println(value == null ? "<unset>" : value);
    }

    public static void main(String[] args) {
        show("GREETING");
        show("STELLA_TEST_HOST_SECRET");
    }
}
""",
    exit_3="""public class Main {
    public static void main(String[] args) {
        System.out.println("bye");
        System.exit(3);
    }
}
""",
    stderr="""public class Main {
    public static void main(String[] args) {
        System.err.println("to stderr");
        System.out.println("to stdout");
    }
}
""",
    broken="""public class Main {
    public static void main(String[] args) {
        int x = "not a number";
    }
}
""",
    broken_diagnostic="Main.java:3: error: incompatible types",
)

TYPESCRIPT = Case(
    language="typescript",
    entry_point=None,
    compiled=True,
    hello='console.log("hello, world");\n',
    argument=(
        'import * as fs from "fs";\n'
        'const args: Record<string, string> = JSON.parse(fs.readFileSync("/scripts/args.json", "utf8"));\n'
        "console.log(args.name);\n"
    ),
    environment='console.log(process.env.GREETING ?? "<unset>");\nconsole.log(process.env.STELLA_TEST_HOST_SECRET ?? "<unset>");\n',
    exit_3='console.log("bye");\nprocess.exit(3);\n',
    stderr='console.error("to stderr");\nconsole.log("to stdout");\n',
    # A syntax error: type errors do not stop a run (tests/languages/test_typescript_type_check.py).
    broken='const a: number = 1;\nconst b = (;\nconsole.log(a, b);\n',
    broken_diagnostic="script.ts(2,12): error TS1109: Expression expected",
)

CSHARP = Case(
    language="csharp",
    entry_point=None,
    compiled=True,
    hello="""using System;

class Program
{
    static void Main()
    {
        Console.WriteLine("hello, world");
    }
}
""",
    argument="""using System;
using System.Collections.Generic;
using System.IO;
using System.Web.Script.Serialization;

class Program
{
    static void Main()
    {
        var json = File.ReadAllText("/scripts/args.json");
        var args = new JavaScriptSerializer().Deserialize<Dictionary<string, string>>(json);
        Console.WriteLine(args["name"]);
    }
}
""",
    environment="""using System;

class Program
{
    static void Show(string name)
    {
        Console.WriteLine(Environment.GetEnvironmentVariable(name) ?? "<unset>");
    }

    static void Main()
    {
        Show("GREETING");
        Show("STELLA_TEST_HOST_SECRET");
    }
}
""",
    exit_3="""using System;

class Program
{
    static int Main()
    {
        Console.WriteLine("bye");
        return 3;
    }
}
""",
    stderr="""using System;

class Program
{
    static void Main()
    {
        Console.Error.WriteLine("to stderr");
        Console.WriteLine("to stdout");
    }
}
""",
    broken="""using System;

class Program
{
    static void Main()
    {
        int x = "not a number";
    }
}
""",
    broken_diagnostic="script.cs(7,17): error CS0029",
)

# A .csx script: statements, methods and classes at the top level, compiled
# into a program (written for Mono's `csharp` shell, hence LoadAssembly).
CSHARP_SCRIPT = Case(
    language="csharp",
    entry_point="check.csx",
    compiled=True,
    hello='Console.WriteLine("hello, world");\n',
    argument=(
        'LoadAssembly("System.Web.Extensions");\n'
        "using System.IO;\n"
        "using System.Web.Script.Serialization;\n"
        'var json = File.ReadAllText("/scripts/args.json");\n'
        "var args = new JavaScriptSerializer().Deserialize<Dictionary<string, string>>(json);\n"
        'Console.WriteLine(args["name"]);\n'
    ),
    environment=(
        'Console.WriteLine(Environment.GetEnvironmentVariable("GREETING") ?? "<unset>");\n'
        'Console.WriteLine(Environment.GetEnvironmentVariable("STELLA_TEST_HOST_SECRET") ?? "<unset>");\n'
    ),
    exit_3='Console.WriteLine("bye");\nEnvironment.Exit(3);\n',
    stderr='Console.Error.WriteLine("to stderr");\nConsole.WriteLine("to stdout");\n',
    broken='Console.WriteLine("before");\nint x = "not a number";\nConsole.WriteLine("after");\n',
    broken_diagnostic="check.csx(2,9): error CS0029",
)

CASES = [PYTHON, BASH, GO, JAVA, TYPESCRIPT, CSHARP, CSHARP_SCRIPT]
CASE_IDS = ["python", "bash", "go", "java", "typescript", "csharp-cs", "csharp-csx"]
BROKEN_CASES = [case for case in CASES if case.broken is not None]
BROKEN_IDS = [case_id for case, case_id in zip(CASES, CASE_IDS) if case.broken is not None]

each_case = pytest.mark.parametrize("case", CASES, ids=CASE_IDS)


def run(engine: ExecutionEngine, case: Case, source: str, **request_fields) -> ExecutionResult:
    request = ExecutionRequest(language=case.language, source=source, entry_point=case.entry_point, **request_fields)
    return engine.execute(request)


def describe(result: ExecutionResult) -> str:
    """What to show when an assertion about a result fails."""
    return (
        f"status={result.status} exit_code={result.exit_code} reason={result.termination_reason} "
        f"error={result.error!r}\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )


def test_cases_cover_every_registered_language() -> None:
    from jupyter_stellascript.languages import LANGUAGES

    assert {case.language for case in CASES} == set(LANGUAGES)


# -- the same few things in every language ------------------------------------------


@each_case
def test_hello_world_on_stdout_streams_live(engine: ExecutionEngine, case: Case) -> None:
    chunks: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def on_output(stream: str, data: bytes) -> None:
        with lock:
            chunks.append((stream, data))

    request = ExecutionRequest(language=case.language, source=case.hello, entry_point=case.entry_point)
    result = engine.execute(request, on_output=on_output)

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.exit_code == 0
    assert result.stdout == "hello, world\n"
    assert result.termination_reason is None
    assert result.error is None
    assert not result.stdout_truncated
    assert b"".join(data for stream, data in chunks if stream == "stdout") == b"hello, world\n"
    if case.compiled:
        assert isinstance(result.compile_cache_hit, bool)
    else:
        assert result.compile_cache_hit is None


@each_case
def test_reads_an_argument_from_args_json(engine: ExecutionEngine, case: Case) -> None:
    result = run(engine, case, case.argument, arguments=ARGUMENTS)

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout == "Ada Lovelace\n"


@each_case
def test_reads_an_environment_variable(engine: ExecutionEngine, case: Case) -> None:
    result = run(engine, case, case.environment, environment={"GREETING": GREETING})

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout.splitlines() == [GREETING, UNSET]


@each_case
def test_host_environment_does_not_leak(engine: ExecutionEngine, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, "the host's secret")
    monkeypatch.setenv("GREETING", "the host's greeting")

    result = run(engine, case, case.environment)

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout.splitlines() == [UNSET, UNSET]
    assert "host's" not in result.stdout + result.stderr


@each_case
def test_explicitly_passed_variable_is_seen(engine: ExecutionEngine, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    # The counterpart of the leak test: the same script does see the variable
    # when the request passes it, so "<unset>" above is not a broken script.
    monkeypatch.setenv(SECRET_VARIABLE, "the host's secret")

    result = run(engine, case, case.environment, environment={SECRET_VARIABLE: "passed on purpose"})

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout.splitlines() == [UNSET, "passed on purpose"]


@each_case
def test_non_zero_exit_code_is_a_failure(engine: ExecutionEngine, case: Case) -> None:
    result = run(engine, case, case.exit_3)

    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.exit_code == 3
    assert result.termination_reason is None
    assert result.stdout == "bye\n"


@each_case
def test_stderr_is_kept_apart_from_stdout(engine: ExecutionEngine, case: Case) -> None:
    result = run(engine, case, case.stderr)

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout == "to stdout\n"
    assert result.stderr == "to stderr\n"


@pytest.mark.parametrize("case", BROKEN_CASES, ids=BROKEN_IDS)
def test_error_is_reported_with_its_line_number(engine: ExecutionEngine, case: Case) -> None:
    result = run(engine, case, case.broken)

    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.exit_code not in (0, None)
    assert case.broken_diagnostic in result.stderr, describe(result)
    if case.compiled:
        assert result.termination_reason is TerminationReason.COMPILE_ERROR
        assert result.stdout == ""
    else:
        assert result.termination_reason is None


def test_compile_errors_are_not_cached(fresh_cache_engine: ExecutionEngine) -> None:
    first = run(fresh_cache_engine, GO, GO.broken)
    second = run(fresh_cache_engine, GO, GO.broken)

    assert first.termination_reason is TerminationReason.COMPILE_ERROR, describe(first)
    assert second.termination_reason is TerminationReason.COMPILE_ERROR, describe(second)
    assert first.compile_cache_hit is False
    assert second.compile_cache_hit is False
    assert GO.broken_diagnostic in second.stderr


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('Console.WriteLine("before");\nint x = "not a number";\nConsole.WriteLine("after");\n', id="compile-error"),
        pytest.param('Console.WriteLine("before");\nthrow new Exception("boom");\nConsole.WriteLine("after");\n', id="unhandled-exception"),
    ],
)
def test_broken_csx_script_is_a_failure(engine: ExecutionEngine, source: str) -> None:
    result = run(engine, CSHARP_SCRIPT, source)

    assert result.status is ExecutionStatus.FAILED, describe(result)
    assert result.exit_code not in (0, None)
    assert "after" not in result.stdout


def test_csx_top_level_methods_and_classes(engine: ExecutionEngine) -> None:
    source = (
        "using System.Text;\n"
        "int Twice(int x)\n{\n    return 2 * x;\n}\n"
        "class Counter { public int Count; }\n"
        "var counter = new Counter { Count = Twice(21) };\n"
        "var text = new StringBuilder().Append(\"{\").Append(counter.Count).Append(\"}\");\n"
        "Console.WriteLine(text);\n"
    )
    result = run(engine, CSHARP_SCRIPT, source)

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout == "{42}\n"


# -- language specifics ------------------------------------------------------------


def test_java_entry_point_follows_the_public_class(engine: ExecutionEngine) -> None:
    source = """class Helper {
    static String greet(String who) { return "hello from " + who; }
}

public class Greeter {
    public static void main(String[] args) {
        System.out.println(Helper.greet(Greeter.class.getSimpleName()));
    }
}
"""
    result = engine.execute(ExecutionRequest(language="java", source=source, entry_point=None))

    assert result.status is ExecutionStatus.SUCCEEDED, describe(result)
    assert result.stdout == "hello from Greeter\n"


def test_compile_cache_is_hit_on_the_second_run(fresh_cache_engine: ExecutionEngine) -> None:
    source = 'console.log("cached " + (6 * 7));\n'
    first = run(fresh_cache_engine, TYPESCRIPT, source)
    second = run(fresh_cache_engine, TYPESCRIPT, source)

    assert first.status is ExecutionStatus.SUCCEEDED, describe(first)
    assert second.status is ExecutionStatus.SUCCEEDED, describe(second)
    assert (first.compile_cache_hit, second.compile_cache_hit) == (False, True)
    assert first.stdout == second.stdout == "cached 42\n"


# -- malformed requests are refused before anything runs -----------------------------


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        pytest.param({"language": "cobol", "source": "DISPLAY 'HI'."}, "unknown language 'cobol'", id="unknown-language"),
        pytest.param({"language": "python", "source": "print(1)", "entry_point": "../escape.py"}, "plain file name", id="dotdot-entry-point"),
        pytest.param({"language": "python", "source": "print(1)", "entry_point": "sub/dir.py"}, "plain file name", id="slash-entry-point"),
        pytest.param({"language": "python", "source": "print(1)", "entry_point": "script.sh"}, "must end with .py", id="wrong-extension"),
        pytest.param({"language": "python", "source": "print(1)\0"}, "NUL bytes", id="nul-in-source"),
        pytest.param({"language": "python", "source": "print(1)", "arguments": {"count": 3}}, "argument 'count' must map a string to a string", id="non-string-argument"),
        pytest.param({"language": "python", "source": "print(1)", "environment": {"A=B": "x"}}, "environment variable name 'A=B'", id="equals-in-env-name"),
        pytest.param({"language": "python", "source": "print(1)", "timeout_s": 0}, "timeout must be positive", id="zero-timeout"),
    ],
)
def test_malformed_request_is_refused(engine: ExecutionEngine, request_fields: dict, message: str) -> None:
    with pytest.raises(InvalidRequest, match=re.escape(message)):
        engine.execute(ExecutionRequest(**request_fields))
