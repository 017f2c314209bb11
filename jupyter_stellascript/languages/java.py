"""Java scripts: one ``.java`` file whose public class has ``main``.

The file is compiled once with javac (cached on the host) and the class run
with a JVM tuned for short-lived processes.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ..execution.host_runtimes import MINIMUM_JAVA, HostJdk, newest_host_jdk
from ..execution.models import ResourceLimits
from ..lsp.formatters import GOOGLE_JAVA_FORMAT_VERSION, GoogleJavaFormat
from .base import ARTIFACT_DIR, BUILD_OUTPUT_DIR, MIB, Language, PoolDefaults, script_path
from .editor import FileType, LanguageServer

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
# What the editor's project compiles for: the runtime image's fallback
# (Debian's OpenJDK 17), the oldest Java a script may meet.
JAVA_RELEASE = "17"


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

    def editor_project_files(self, entry_point: str, project_name: str) -> dict[str, str]:
        # An Eclipse project whose source folder is the script's folder: JDT LS
        # imports it as a real project (classpath = the JDK) instead of treating
        # the file as a stray one with only syntax checks.
        project = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<projectDescription>\n'
            "\t<name>stellascript-{name}</name>\n\t<comment></comment>\n\t<projects></projects>\n"
            "\t<buildSpec>\n\t\t<buildCommand>\n\t\t\t<name>org.eclipse.jdt.core.javabuilder</name>\n"
            "\t\t\t<arguments></arguments>\n\t\t</buildCommand>\n\t</buildSpec>\n"
            "\t<natures>\n\t\t<nature>org.eclipse.jdt.core.javanature</nature>\n\t</natures>\n"
            "</projectDescription>\n"
        ).format(name=escape(project_name))
        classpath = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<classpath>\n'
            '\t<classpathentry kind="src" path=""/>\n'
            '\t<classpathentry kind="con" path="org.eclipse.jdt.launching.JRE_CONTAINER/'
            f'org.eclipse.jdt.internal.debug.ui.launcher.StandardVMType/JavaSE-{JAVA_RELEASE}"/>\n'
            '\t<classpathentry kind="output" path=".bin"/>\n'
            "</classpath>\n"
        )
        return {".project": project, ".classpath": classpath}

    def host_command(self, entry_point: str, folder: Path, artifact: Path | None) -> tuple[list[str] | None, str]:
        jdk = newest_host_jdk()
        if jdk is None:
            return None, f"no JDK {MINIMUM_JAVA}+ in /usr/lib/jvm"
        classes = folder / "classes"
        subprocess.run([str(jdk / "bin" / "javac"), "-d", str(classes), str(folder / entry_point)], check=True, capture_output=True)
        main = entry_point.removesuffix(".java")
        return [str(jdk / "bin" / "java"), *JVM_OPTIONS, "-cp", str(classes), main], f"{jdk}/bin/java {' '.join(JVM_OPTIONS)}"


JAVA = Java(
    name="java",
    display_name="Java",
    extensions=(".java",),
    default_limits=ResourceLimits(memory_bytes=1024 * MIB, cpus=1.0),
    pool=PoolDefaults(min_containers=1, max_containers=5, idle_timeout_s=300),
    image_extras=(HostJdk(),),
    dependency_ecosystem="maven",
    file_type=FileType(name="java", display_name="Java", mime_types=("text/x-java",)),
    language_server=LanguageServer(language_id="java", server="jdtls"),
    formatter=GoogleJavaFormat("google-java-format", f"google-java-format {GOOGLE_JAVA_FORMAT_VERSION} "
                               "(make setup fetches it from Maven Central) and a JDK 17+"),
    read_arguments="String json = Files.readString(Path.of(\"/scripts/args.json\")); // String[] args stays empty; the JDK has no JSON reader (the template has one)",
    line_comment="//",
    bench_hello='public class Main {\n    public static void main(String[] args) {\n        System.out.println("hi");\n    }\n}\n',
)
