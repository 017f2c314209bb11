"""C# scripts: ``.cs`` (a class with ``Main``) and ``.csx`` (script statements).

The runtime image built here is Mono (Debian bookworm: Mono 6.8 with mcs,
a C# 6-era dialect): ``.cs`` is compiled once by mcs (cached) and run by
mono; ``.csx`` is turned into a program (see csharp_script.py) and handled
the same way. The image is
pluggable: ``c.StellaScript.runtime_images`` can point C# at an image whose
``mcs``/``mono``/``csharp`` commands come from elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .csharp_script import script_to_program
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, Language, PoolDefaults, script_path

ASSEMBLY = "script.exe"
REFERENCES = ["System.Core", "System.Net.Http", "System.Web.Extensions", "System.Xml.Linq", "Microsoft.CSharp"]


@dataclass(frozen=True)
class CSharp(Language):
    def generated_files(self, entry_point: str, source: str) -> dict[str, str]:
        if entry_point.endswith(".csx"):
            return {_program_name(entry_point): script_to_program(source, entry_point)}
        return {}

    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        target = _program_name(entry_point) if entry_point.endswith(".csx") else entry_point
        references = [f"-r:{name}" for name in REFERENCES]
        return ["mcs", "-nologo", f"-out:{BUILD_OUTPUT_DIR}/{ASSEMBLY}", *references, script_path(target)]

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["mono", f"{ARTIFACT_DIR}/{ASSEMBLY}"]


def _program_name(entry_point: str) -> str:
    return f".{entry_point}.cs"


CSHARP = CSharp(
    name="csharp",
    display_name="C#",
    extensions=(".cs", ".csx"),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
)
