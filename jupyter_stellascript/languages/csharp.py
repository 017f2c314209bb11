"""C# scripts: ``.cs`` (a class with ``Main``) and ``.csx`` (script statements).

The runtime image built here is Mono (Debian bookworm: Mono 6.8 with mcs,
a C# 6-era dialect): ``.cs`` is compiled once by mcs (cached) and run by
mono; ``.csx`` is turned into a program (see csharp_script.py) and handled
the same way. The image is
pluggable: ``c.StellaScript.runtime_images`` can point C# at an image whose
``mcs``/``mono``/``csharp`` commands come from elsewhere.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..execution.models import ResourceLimits
from ..lsp.formatters import Astyle
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer
from .csharp_script import has_package_directives, neutralise_package_directives, script_to_program

ASSEMBLY = "script.exe"
REFERENCES = ["System.Core", "System.Net.Http", "System.Web.Extensions", "System.Xml.Linq", "Microsoft.CSharp"]
# In a derived image with NuGet packages (dependencies/csharp.py): their
# assemblies as mcs response-file lines (-r:/opt/stellascript/nuget/lib/X.dll).
NUGET_REFERENCES = "/opt/stellascript/nuget/references.rsp"
# mcs gets the packages' references when the image has them; the same
# command serves the plain runtime image and every derived one.
_WITH_PACKAGE_REFERENCES = f'if [ -f {NUGET_REFERENCES} ]; then exec "$@" @{NUGET_REFERENCES}; fi; exec "$@"'


@dataclass(frozen=True)
class CSharp(Language):
    def generated_files(self, entry_point: str, source: str) -> dict[str, str]:
        if entry_point.endswith(".csx"):
            return {_program_name(entry_point): script_to_program(source, entry_point)}
        if has_package_directives(source):  # '#r "nuget: ..."' / '#:package' lines are not C# to mcs
            return {_program_name(entry_point): neutralise_package_directives(source, entry_point)}
        return {}

    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        generated = entry_point.endswith(".csx") or has_package_directives(source)
        target = _program_name(entry_point) if generated else entry_point
        references = [f"-r:{name}" for name in REFERENCES]
        mcs = ["mcs", "-nologo", f"-out:{BUILD_OUTPUT_DIR}/{ASSEMBLY}", *references, script_path(target)]
        return ["sh", "-c", _WITH_PACKAGE_REFERENCES, "sh", *mcs]

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["mono", f"{ARTIFACT_DIR}/{ASSEMBLY}"]

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        mono = shutil.which("mono")
        if mono is None or artifact is None:
            return None, "mono not installed on the host"
        return [mono, str(artifact / ASSEMBLY)], f"{mono} on the engine's mcs output"


def _program_name(entry_point: str) -> str:
    return f".{entry_point}.cs"


NO_LANGUAGE_SERVER = (
    "no C# language server runs on this machine: OmniSharp and csharp-ls need the .NET SDK, "
    "which cannot be installed here (NuGet and Microsoft's downloads are unreachable); no "
    "Mono-based server is packaged by Debian, npm or PyPI (npm's omnisharp-client downloads OmniSharp "
    "from GitHub when it runs); C# scripts get highlighting and formatting (astyle) only"
)


CSHARP = CSharp(
    name="csharp",
    display_name="C#",
    extensions=(".cs", ".csx"),
    aliases=("c#", "cs"),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
    dependency_ecosystem="nuget",
    file_type=FileType(name="csharp", display_name="C#", mime_types=("text/x-csharp",)),
    language_server=LanguageServer(language_id="csharp", server=None, missing=NO_LANGUAGE_SERVER),
    formatter=Astyle("astyle", "astyle (apt-get install astyle)"),
    read_arguments="var args = new JavaScriptSerializer().Deserialize<Dictionary<string, string>>(File.ReadAllText(\"/scripts/args.json\"));",
    line_comment="//",
    bench_hello='public class Program {\n    public static void Main() {\n        System.Console.WriteLine("hi");\n    }\n}\n',
)
