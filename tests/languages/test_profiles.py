"""Every registered language's profile covers every table the product has,
and the generic code (formatting, language-server status, project files,
image builds, templates, configuration, the benchmark) works for each of
them by reading the profile: a language added the way
docs/adding-a-language.md says shows up everywhere.

Real things only: the real formatters (make setup installs them; point
STELLASCRIPT_LSP_TOOLS at a checkout's lsp-servers/ when this worktree has
none) and the real runtime definitions under runtimes/.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_stellascript import samples
from jupyter_stellascript.samples import templates as sample_templates
from jupyter_stellascript.config import StellaScript
from jupyter_stellascript.dependencies import ECOSYSTEMS, RESOLVERS, UnsupportedEcosystem, resolver_for
from jupyter_stellascript.dependencies.models import PACKAGE_SOURCES, DependencySettings
from jupyter_stellascript.execution.images import RuntimeImageBuilder
from jupyter_stellascript.execution.models import ResourceLimits
from jupyter_stellascript.languages import LANGUAGES, Language, get_language, language_for_file
from jupyter_stellascript.languages.base import MIB, script_path
from jupyter_stellascript.languages.editor import FileType, LanguageServer
from jupyter_stellascript.lsp import servers
from jupyter_stellascript.lsp.formatting import FormatterMissing, format_source
from jupyter_stellascript.lsp.project import project_files
from jupyter_stellascript.paths import repository_runtimes_dir
from tests.servers import json_of

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "bench"))
import run_bench  # noqa: E402  (bench/ is a folder of scripts, not a package)

NAMES = sorted(LANGUAGES)


@pytest.mark.parametrize("name", NAMES)
def test_each_language_has_a_runtime_image_definition_and_a_template(name: str) -> None:
    assert (repository_runtimes_dir() / name / "Dockerfile").is_file()
    template = next(t for t in samples.list_templates() if t["language"] == name)
    assert language_for_file(template["file"]) is LANGUAGES[name]


@pytest.mark.parametrize("name", NAMES)
def test_each_language_states_its_editor_profile(name: str) -> None:
    language = LANGUAGES[name]
    assert language.file_type.name and language.file_type.mime_types
    file_type = language.file_type.to_dict(language.extensions)
    assert file_type["extensions"] == list(language.extensions)
    server = language.language_server
    assert server.language_id and (server.server or server.missing)
    assert language.formatter is not None or language.formatter_missing
    assert get_language(name) is language and all(get_language(alias) is language for alias in language.aliases)


@pytest.mark.parametrize("name", NAMES)
def test_each_language_names_an_ecosystem_with_a_resolver_for_it(name: str) -> None:
    language = LANGUAGES[name]
    if language.dependency_ecosystem is None:
        with pytest.raises(UnsupportedEcosystem, match=name):
            resolver_for(name)
        return
    resolver = ECOSYSTEMS[language.dependency_ecosystem]
    assert resolver.language == name and RESOLVERS[name] is resolver
    assert resolver.ecosystem in DependencySettings().sources
    assert resolver.ecosystem in {source.key for source in PACKAGE_SOURCES}


@pytest.mark.parametrize("name", NAMES)
def test_each_languages_bench_hello_is_formatted_by_its_real_formatter(name: str) -> None:
    language = LANGUAGES[name]
    assert language.formatter is not None, f"{name}: {language.formatter_missing}"
    formatted = format_source(name, language.bench_hello)
    assert "hi" in formatted
    assert format_source(name, formatted) == formatted


@pytest.mark.parametrize("name", NAMES)
def test_generic_code_paths_work_for_each_language(name: str) -> None:
    language = LANGUAGES[name]
    entry_point = language.default_entry_point(language.bench_hello)
    assert isinstance(project_files(name, entry_point), dict)
    entry = servers.status(None, None)["languages"][name]
    assert entry["language_id"] == language.language_server.language_id
    assert entry["server"] == language.language_server.server
    assert entry["missing"]  # no jupyter-lsp here: the entry says what is missing
    builder = RuntimeImageBuilder(None, progress=lambda message: None)
    assert len(builder.definition_hash(name)) == 16
    config = Config()
    config.StellaScript.resource_limits = {name: {"memory": "300m"}}
    config.StellaScript.pool_sizes = {name: {"max_containers": 3}}
    config.StellaScript.default_timeouts = {name: "2m"}
    settings = StellaScript(config=config)
    settings.check()
    engine_settings = settings.engine_settings()
    assert engine_settings.policy.limits_for(language).memory_bytes == 300 * MIB
    assert engine_settings.policy.timeout_for(language) == 120
    assert engine_settings.pool_sizes[name].max_containers == 3
    assert run_bench.parse_args(["--languages", name]).languages == [name]


def test_the_languages_endpoint_gives_the_editor_each_file_type(sqlite_server) -> None:
    items = {item["name"]: item for item in json_of(sqlite_server.request("GET", "/languages"))["items"]}
    assert set(items) == set(LANGUAGES)
    for name, language in LANGUAGES.items():
        assert items[name]["file_type"] == language.file_type.to_dict(language.extensions)


def test_a_language_must_state_its_profile() -> None:
    with pytest.raises(ValueError, match="file_type, language_server, bench_hello, formatter"):
        Language(name="cobol", display_name="COBOL", extensions=(".cob",),
                 default_limits=ResourceLimits(memory_bytes=256 * MIB, cpus=0.5))
    with pytest.raises(ValueError, match="say why there is none"):
        LanguageServer(language_id="cobol", server=None)


# -- a language registered at runtime shows up in every table -------------------------


@dataclasses.dataclass(frozen=True)
class Ruby(Language):
    def run_argv(self, entry_point: str, source: str) -> list[str]:
        return ["ruby", script_path(entry_point)]


RUBY = Ruby(
    name="ruby", display_name="Ruby", extensions=(".rb",), aliases=("rb",),
    default_limits=ResourceLimits(memory_bytes=256 * MIB, cpus=0.5),
    file_type=FileType(name="ruby", display_name="Ruby", mime_types=("text/x-ruby",)),
    language_server=LanguageServer(language_id="ruby", server=None, missing="no Ruby language server in this test"),
    formatter=None, formatter_missing="no Ruby formatter in this test",
    bench_hello='puts "hi"\n',
    line_comment="#",
    read_arguments="args = JSON.parse(File.read(\"/scripts/args.json\"))",
)


@pytest.fixture()
def ruby(monkeypatch, tmp_path: Path) -> Path:
    """Ruby registered, with a runtime definition and a template beside copies of the real ones."""
    monkeypatch.setitem(LANGUAGES, "ruby", RUBY)
    runtimes = tmp_path / "runtimes"
    shutil.copytree(repository_runtimes_dir(), runtimes)
    (runtimes / "ruby").mkdir()
    (runtimes / "ruby" / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\nRUN apt-get install -y ruby\n")
    templates = tmp_path / "templates"
    shutil.copytree(samples.templates_dir(), templates)
    (templates / "ruby").mkdir()
    (templates / "ruby" / "hello.rb").write_text('puts "Hello, #{ARGV[0] || "world"}"\n')
    monkeypatch.setattr(sample_templates, "templates_dir", lambda: templates)
    return runtimes


def test_a_language_registered_at_runtime_is_in_every_table(ruby: Path) -> None:
    assert get_language("rb") is RUBY and language_for_file("job.rb") is RUBY
    assert servers.status(None, None)["languages"]["ruby"]["missing"] == "no Ruby language server in this test"
    assert project_files("ruby", "job.rb") == {}
    assert {t["language"]: t["file"] for t in samples.list_templates()}["ruby"] == "hello.rb"
    builder = RuntimeImageBuilder(None, runtimes_dir=ruby, progress=lambda message: None)
    assert len(builder.definition_hash("ruby")) == 16
    with pytest.raises(UnsupportedEcosystem, match="not supported for ruby"):
        resolver_for("ruby")
    config = Config()
    config.StellaScript.resource_limits = {"ruby": {"cpu": "0.25"}}
    assert StellaScript(config=config).engine_settings().policy.limits_for(RUBY).cpus == 0.25
    assert run_bench.parse_args(["--languages", "ruby"]).languages == ["ruby"]


def test_a_language_without_a_formatter_is_refused_by_name_not_a_crash(ruby: Path) -> None:
    with pytest.raises(FormatterMissing, match=r"cannot format Ruby: it has no formatter \(no Ruby formatter in this test\)"):
        format_source("ruby", 'puts "hi"\n')
