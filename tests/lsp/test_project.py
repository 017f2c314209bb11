"""project_files(): what each language's server needs beside a checked-out
script. That the servers work with these files is proven by the per-language
tests (test_python.py, test_go.py, ...); here: their content and bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest

from jupyter_stellascript.languages import UnknownLanguage
from jupyter_stellascript.lsp.project import project_files
from jupyter_stellascript.lsp.tools import node_types_dir


def test_each_language_gets_its_project_files():
    assert set(project_files("python", "main.py")) == {"pyrightconfig.json"}
    assert project_files("go", "main.go")["go.mod"].startswith("module ")
    assert project_files("bash", "main.sh") == {}
    assert project_files("csharp", "main.csx") == {}  # no C# language server on these machines


def test_the_typescript_project_finds_nodes_types_and_matches_the_runtime():
    config = json.loads(project_files("ts", "job.ts")["tsconfig.json"])
    assert config["files"] == ["job.ts"]
    assert config["compilerOptions"]["types"] == ["node"]
    assert config["compilerOptions"]["typeRoots"] == [str(node_types_dir())]
    assert (node_types_dir() / "node" / "index.d.ts").exists(), "make setup installs @types/node into lsp-servers"


def test_the_java_project_is_an_eclipse_project_compiling_for_java_17():
    files = project_files("java", "Report.java")
    description = ElementTree.fromstring(files[".project"])
    assert description.findtext("name") == "stellascript-Report"
    assert "org.eclipse.jdt.core.javanature" in [n.text for n in description.iter("nature")]
    entries = {entry.get("kind"): entry.get("path") for entry in ElementTree.fromstring(files[".classpath"])}
    assert entries["src"] == "" and entries["con"].endswith("JavaSE-17")


def test_the_java_project_is_named_after_its_folder_when_given():
    description = ElementTree.fromstring(project_files("java", "Main.java", "report@1.2.0")[".project"])
    assert description.findtext("name") == "stellascript-report@1.2.0"


def test_bad_input_is_refused_with_what_was_wrong():
    with pytest.raises(UnknownLanguage, match="cobol"):
        project_files("cobol", "x.cob")
    with pytest.raises(ValueError, match="must end with .go"):
        project_files("go", "main.py")
    with pytest.raises(ValueError, match="plain file name"):
        project_files("python", "../escape.py")
    with pytest.raises(ValueError, match="plain folder name"):
        project_files("java", "Main.java", "a/b")
