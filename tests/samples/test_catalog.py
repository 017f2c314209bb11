"""The sample manifest (samples/samples.toml) and the files it names: every
sample is listed with its metadata, parameters read from its own file, and a
broken manifest is an error naming the entry and the key."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.languages import LANGUAGES, get_language
from jupyter_stellascript.parameters.inline import inline_parameters
from jupyter_stellascript.samples import SampleCatalog, SampleManifestError, list_templates, samples_dir


def test_every_file_under_samples_is_in_the_manifest_with_its_metadata() -> None:
    catalog = SampleCatalog()
    manifest = tomllib.loads((samples_dir() / "samples.toml").read_text())
    listing = catalog.summaries()
    assert [item.id for item in listing.items] == [entry["id"] for entry in manifest["sample"]]
    files = sorted(p.relative_to(samples_dir()).as_posix() for language in LANGUAGES for p in (samples_dir() / language).glob("*"))
    assert sorted(f"{item.language}/{item.file}" for item in listing.items) == files
    assert [(c.name, c.label) for c in listing.categories] == list(manifest["categories"].items())
    for item, entry in zip(listing.items, manifest["sample"]):
        assert (item.title, item.category, item.tags) == (entry["title"], entry["category"], entry.get("tags", []))
        assert item.description == " ".join(entry["description"].split())
        assert [d.model_dump() for d in item.dependencies] == [{"scope": "runtime", **d} for d in entry.get("dependencies", [])]
        content = (samples_dir() / item.language / item.file).read_text()
        declared = [found.declaration for found in inline_parameters(content, get_language(item.language).line_comment)]
        assert item.parameters == declared, item.id


def test_a_sample_has_its_content_and_the_schema_of_its_parameters() -> None:
    catalog = SampleCatalog()
    sample = catalog.sample(catalog.entry("system-report"))
    assert sample.content == (samples_dir() / "python" / "system_report.py").read_text()
    assert [p.name for p in sample.parameters] == ["title", "expect_network"]
    assert sample.parameters_schema["properties"]["title"] == {"type": "string", "default": "Stella Script system report",
                                                               "description": "A heading for the report"}


def test_filters_by_language_and_category_and_refuses_unknown_ones() -> None:
    catalog = SampleCatalog()
    python = catalog.summaries(language="python").items
    assert python and {item.language for item in python} == {"python"}
    category = python[0].category
    both = catalog.summaries(language="python", category=category).items
    assert both and all(item.category == category and item.language == "python" for item in both)
    with pytest.raises(ValidationFailed) as refused:
        catalog.summaries(language="cobol", category="nope")
    assert [problem["field"] for problem in refused.value.errors] == ["language", "category"]


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "samples"
    shutil.copytree(samples_dir(), target)
    return target


def edit_manifest(directory: Path, old: str, new: str) -> None:
    path = directory / "samples.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(("old", "new", "message"), [
    ('id = "system-report"', 'id = "health-check-http"', "id 'health-check-http' is used twice"),
    ('id = "system-report"', 'id = "System Report"', "sample[6].id: String should match pattern"),
    ('file = "system_report.py"', 'file = "system_report.sh"', "file 'system_report.sh' is bash, not python"),
    ('category = "infrastructure"', 'category = "misc"', "category 'misc' is not one of [categories]"),
    ('title = "System Report"', 'titel = "System Report"', "sample[6].titel: Extra inputs are not permitted"),
    ('language = "python"', 'language = "cobol"', "language must be one of"),
])
def test_a_broken_manifest_is_an_error_naming_the_entry(copy: Path, old: str, new: str, message: str) -> None:
    edit_manifest(copy, old, new)
    with pytest.raises(SampleManifestError, match="samples.toml") as failed:
        SampleCatalog(copy)
    assert message in str(failed.value)


def test_a_file_the_manifest_does_not_name_or_a_missing_one_is_an_error(copy: Path) -> None:
    (copy / "bash" / "stray.sh").write_text("echo hi\n")
    (copy / "python" / "system_report.py").unlink()
    with pytest.raises(SampleManifestError) as failed:
        SampleCatalog(copy)
    assert "python/system_report.py, which do not exist" in str(failed.value)
    assert "bash/stray.sh are not in samples.toml" in str(failed.value)


def test_a_bad_parameter_block_in_a_sample_names_the_file(copy: Path) -> None:
    path = copy / "python" / "system_report.py"
    path.write_text(path.read_text().replace('type = "string"', 'type = "text"'))
    catalog = SampleCatalog(copy)
    with pytest.raises(SampleManifestError, match="system_report.py: its stellascript block"):
        catalog.sample(catalog.entry("system-report"))


def test_there_is_one_template_per_language() -> None:
    templates = {t["language"]: t for t in list_templates()}
    assert set(templates) == set(LANGUAGES)
    assert templates["java"]["file"] == "Main.java" and "public class Main" in templates["java"]["content"]
