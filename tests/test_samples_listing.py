"""The samples the JupyterLab panel offers to clone (jupyter_stellascript/samples.py)."""

from __future__ import annotations

from jupyter_stellascript.languages import LANGUAGES
from jupyter_stellascript.samples import list_samples, list_templates, samples_dir


def test_every_sample_file_is_listed_with_its_language_summary_and_content() -> None:
    samples = list_samples()
    files = sorted(p.relative_to(samples_dir()).as_posix() for p in samples_dir().glob("*/*") if p.is_file())
    assert sorted(f"{s['language']}/{s['file']}" for s in samples) == files
    assert {s["language"] for s in samples} == set(LANGUAGES)
    health = next(s for s in samples if s["file"] == "log_analyzer.py")
    assert health["summary"] == "Log analyzer: fetch a service's log over HTTP and judge its error rate."
    assert health["content"] == (samples_dir() / "python" / "log_analyzer.py").read_text()


def test_there_is_one_template_per_language() -> None:
    templates = {t["language"]: t for t in list_templates()}
    assert set(templates) == set(LANGUAGES)
    assert templates["java"]["file"] == "Main.java" and "public class Main" in templates["java"]["content"]


def test_samples_carry_the_description_and_tags_a_clone_keeps() -> None:
    samples = {s["file"]: s for s in list_samples()}
    gate = samples["KafkaLagCheck.java"]
    assert gate["description"] == "Kafka consumer lag check: is a consumer group keeping up with its topics?"
    assert gate["tags"] == ["sample", "java"]
    assert all(s["description"].startswith(s["summary"]) and s["tags"] == ["sample", s["language"]] for s in samples.values())
