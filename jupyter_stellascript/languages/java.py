"""Java scripts: one ``.java`` file whose public class has ``main``.

The file is compiled once with javac (cached on the host) and the class run
with a JVM tuned for short-lived processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..execution.models import ResourceLimits
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, Language, PoolDefaults, script_path

_PUBLIC_CLASS = re.compile(r"^\s*public\s+(?:(?:final|abstract|sealed|strictfp)\s+)*(?:class|record|enum|interface)\s+([A-Za-z_$][\w$]*)", re.M)
_ANY_CLASS = re.compile(r"^\s*(?:(?:final|abstract)\s+)*(?:class|record)\s+([A-Za-z_$][\w$]*)", re.M)
_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
# Fast start for short scripts: one GC thread, C1 only, the JDK's CDS archive.
JVM_OPTIONS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData"]
# The jars of a script's dependencies, in images derived for them
# (dependencies/java.py). Commands run without a shell, so the class path
# names the folder with a wildcard (javac and java expand it to its jars)
# rather than an environment variable; in an image without dependencies the
# folder does not exist and the wildcard adds nothing.
DEPENDENCY_CLASSPATH_DIR = "/opt/stellascript/classpath"
DEPENDENCY_CLASSPATH = f"{DEPENDENCY_CLASSPATH_DIR}/*"


def main_class_name(source: str) -> str | None:
    match = _PUBLIC_CLASS.search(source) or _ANY_CLASS.search(source)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Java(Language):
    def default_entry_point(self, source: str) -> str:
        return f"{main_class_name(source) or 'Main'}.java"

    def compile_argv(self, entry_point: str, source: str) -> list[str] | None:
        return ["javac", "-encoding", "UTF-8", "-cp", DEPENDENCY_CLASSPATH, "-d", BUILD_OUTPUT_DIR, script_path(entry_point)]

    def run_argv(self, entry_point: str, source: str) -> list[str]:
        class_name = entry_point.removesuffix(".java")
        package = _PACKAGE.search(source)
        qualified = f"{package.group(1)}.{class_name}" if package else class_name
        return ["java", *JVM_OPTIONS, "-cp", f"{ARTIFACT_DIR}:{DEPENDENCY_CLASSPATH}", qualified]


JAVA = Java(
    name="java",
    display_name="Java",
    extensions=(".java",),
    default_limits=ResourceLimits(memory_bytes=1024 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=1, max_containers=5, idle_timeout_s=300),
)
