"""C# scripts: ``.cs`` (a class with ``Main``) and ``.csx`` (script statements).

The runtime image built here is Mono (Debian bookworm: Mono 6.8 with mcs,
a C# 6-era dialect): ``.cs`` is compiled once by mcs (cached) and run by
mono; ``.csx`` runs in Mono's ``csharp`` script shell. The image is
pluggable: ``c.StellaScript.runtime_images`` can point C# at an image whose
``mcs``/``mono``/``csharp`` commands come from elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, Language, PoolDefaults, script_path

ASSEMBLY = "script.exe"
REFERENCES = ["System.Core", "System.Net.Http", "System.Web.Extensions", "System.Xml.Linq", "Microsoft.CSharp"]


@dataclass(frozen=True)
class CSharp(Language):
    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        if entry_point.endswith(".csx"):
            return None
        references = [f"-r:{name}" for name in REFERENCES]
        return ["mcs", "-nologo", "-langversion:Experimental", f"-out:{BUILD_OUTPUT_DIR}/{ASSEMBLY}", *references, script_path(entry_point)]

    # .csx scripts have no check that does not also run them in Mono's
    # shell, so they are not syntax-checked before they run.

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        if entry_point.endswith(".csx"):
            return ["csharp", script_path(entry_point)]
        return ["mono", f"{ARTIFACT_DIR}/{ASSEMBLY}"]


CSHARP = CSharp(
    name="csharp",
    display_name="C#",
    extensions=(".cs", ".csx"),
    default_limits=ResourceLimits(memory_bytes=512 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=2, max_containers=10, idle_timeout_s=300),
)
