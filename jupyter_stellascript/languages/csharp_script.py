"""Turning a ``.csx`` script into a C# program that Mono's ``mcs`` compiles.

Mono's interactive ``csharp`` shell runs scripts, but it reports errors and
carries on, and exits 0 whatever happened — useless for health checks. So a
script is compiled like any program instead: ``using`` directives go to the
top, top-level classes and methods become members of a static class, and the
statements become the body of ``Main``. ``#line`` directives keep the
compiler's diagnostics pointing at the script's own lines.
"""

from __future__ import annotations

import re

# What dotnet-script and Mono's shell import by default.
DEFAULT_USINGS = ("System", "System.IO", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks")
SCRIPT_CLASS = "StellaScriptProgram"

_USING = re.compile(r"^\s*using\s+(?:static\s+)?[\w.]+(?:\s*=\s*[\w.<>, ]+)?\s*;\s*(?://.*)?$")
_DIRECTIVE = re.compile(r"^\s*#(?:(?:r|load)\b|:)")  # #r, #load and .NET 10's #:package, #:sdk...
# What mcs must not see in a .cs file: NuGet references and '#:' directives
# (the packages they name are installed by dependencies/csharp.py).
_PACKAGE_DIRECTIVE = re.compile(r'^\s*(?:#r\s+"\s*nuget\s*:|#:)', re.IGNORECASE)
_MODIFIERS = r"(?:(?:public|private|internal|protected|static|async|sealed|abstract|partial|override|virtual|unsafe|extern|new)\s+)*"
_TYPE_DECLARATION = re.compile(rf"^\s*{_MODIFIERS}(?:class|struct|interface|enum|delegate)\b")
_STATEMENT_START = re.compile(r"^\s*(?:if|for|foreach|while|switch|using|lock|return|new|await|else|try|catch|finally|do|throw|var|yield)\b")
_METHOD_DECLARATION = re.compile(rf"^\s*{_MODIFIERS}[\w<>\[\],.?]+\s+\w+\s*(?:<[^>]*>)?\s*\([^;=]*\)\s*(?:\{{.*)?$")
_STRINGS_AND_COMMENTS = re.compile(r'@"(?:[^"]|"")*"|"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|//.*$')


def _brace_delta(line: str) -> int:
    code = _STRINGS_AND_COMMENTS.sub("", line)
    return code.count("{") - code.count("}")


def _is_member_start(line: str) -> bool:
    if _TYPE_DECLARATION.match(line):
        return True
    return bool(_METHOD_DECLARATION.match(line)) and not _STATEMENT_START.match(line)


def _make_static(line: str) -> str:
    """Top-level methods belong to the static program class."""
    signature = line.split("(", 1)[0]
    if _TYPE_DECLARATION.match(line) or re.search(r"\bstatic\b", signature):
        return line
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}static {line.lstrip()}"


def has_package_directives(source: str) -> bool:
    return any(_PACKAGE_DIRECTIVE.match(line) for line in source.splitlines())


def neutralise_package_directives(source: str, file_name: str) -> str:
    """A .cs file with its package directives commented out, line for line,
    and a #line directive so that diagnostics still name the script's file
    and lines."""
    lines = [f"// {line}" if _PACKAGE_DIRECTIVE.match(line) else line for line in source.split("\n")]
    return "\n".join([f'#line 1 "{file_name}"', *lines])


def script_to_program(source: str, file_name: str) -> str:
    usings: list[str] = []
    members: list[str] = []
    statements: list[str] = []
    depth = 0
    in_member = False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = f'#line {number} "{file_name}"'
        if depth == 0 and not in_member:
            if _USING.match(line):
                usings += [marker, line]
                continue
            if _DIRECTIVE.match(line):
                continue  # packages are installed into the image (dependencies/csharp.py)
            if _is_member_start(line):
                members += [marker, _make_static(line)]
                depth += _brace_delta(line)
                in_member = depth > 0 or not line.rstrip().endswith("}")
                continue
            statements += [marker, line]
            depth += _brace_delta(line)
            continue
        target = members if in_member else statements
        target.append(line)
        depth += _brace_delta(line)
        if in_member and depth == 0 and "}" in line:
            in_member = False
    header = [f"using {name};" for name in DEFAULT_USINGS]
    return "\n".join([
        *header,
        *usings,
        "#line hidden",
        f"public static class {SCRIPT_CLASS}",
        "{",
        "#pragma warning disable 618",
        "    // Mono's csharp shell offers this; scripts written for it keep working.",
        "    static void LoadAssembly(string name) { System.Reflection.Assembly.LoadWithPartialName(name); }",
        "#pragma warning restore 618",
        *members,
        "#line hidden",
        "    public static void Main(string[] Args)",
        "    {",
        *statements,
        "#line hidden",
        "    }",
        "}",
        "",
    ])
