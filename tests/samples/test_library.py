"""The library as a whole: every sample file is in the manifest and has tests
that run it; each declares its parameters inline (credentials as secrets),
documents itself, publishes outputs, and keeps the design's dependency
versions where they install."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jupyter_stellascript.languages import LANGUAGES, get_language
from jupyter_stellascript.parameters.inline import inline_parameters
from tests.samples.library import SAMPLES, manifest, sample_path

TESTS = Path(__file__).parent
# The design's sample list: every id must be in the manifest.
DESIGN_IDS = {
    "health-check-http", "smoke-test-api", "database-migration-check", "log-analyzer", "prometheus-query",
    "slack-notification", "jdbc-health-check", "kafka-consumer-check", "tcp-port-check", "container-inspect",
    "disk-space-check", "service-restart", "backup-verify", "api-integration-test", "json-schema-validator", "webhook-sender",
}
# The design's dependency versions, as each sample declares them (inline, or in the manifest).
DESIGN_DEPENDENCIES = {
    "log-analyzer": ['"requests==2.31.0"', '"pandas==2.1.0"'],
    "prometheus-query": ['"prometheus-api-client==0.5.4"'],
    "slack-notification": ['"slack-sdk==3.23.0"'],
    "database-migration-check": ['#r "nuget: Npgsql, 8.0.0"', '#r "nuget: Dapper, 2.1.0"'],
    "api-integration-test": [("axios", "1.6.0"), ("zod", "3.22.0")],
    "json-schema-validator": [("ajv", "8.12.0")],
}
# Samples that cannot run on this installation, and why (README, samples/README.md): their
# test proves the refusal a user here sees instead of a passing and a failing run.
NOT_RUNNABLE_HERE = {"database-migration-check": "Npgsql 8 targets .NET 6+; C# runs on Mono here"}
CREDENTIAL_NAMES = re.compile(r"password|token|secret|webhook_url|api_key", re.IGNORECASE)


def covered() -> dict[str, list[str]]:
    """Sample id -> the test modules that mark a test @covers(id)."""
    found: dict[str, list[str]] = {}
    for module in TESTS.glob("test_*.py"):
        for sample_id in re.findall(r'@covers\("([a-z0-9-]+)"\)', module.read_text(encoding="utf-8")):
            found.setdefault(sample_id, []).append(module.name)
    return found


def test_the_manifest_names_every_file_and_the_designs_ids() -> None:
    entries = manifest()
    assert DESIGN_IDS <= set(entries), sorted(DESIGN_IDS - set(entries))
    named = {f"{e['language']}/{e['file']}" for e in entries.values()}
    files = {p.relative_to(SAMPLES).as_posix() for language in LANGUAGES for p in (SAMPLES / language).glob("*") if p.is_file()}
    assert named == files


def test_every_sample_has_a_passing_and_a_failing_test() -> None:
    found = covered()
    for sample_id in manifest():
        tests = "\n".join((TESTS / module).read_text() for module in set(found.get(sample_id, [])))
        names = re.findall(rf'@covers\("{sample_id}"\)\ndef (test_\w+)', tests)
        if sample_id in NOT_RUNNABLE_HERE:
            assert names, f"{sample_id}: no test shows why it cannot run here"
            continue
        assert len(names) >= 2, f"{sample_id}: {names} (a passing and a failing case, each marked @covers)"


@pytest.mark.parametrize("sample_id", sorted(manifest()))
def test_a_sample_declares_parameters_with_credentials_as_secrets_and_documents_itself(sample_id: str) -> None:
    entry = manifest()[sample_id]
    content = sample_path(entry).read_text(encoding="utf-8")
    declarations = [found.declaration for found in inline_parameters(content, get_language(entry["language"]).line_comment)]
    assert declarations, f"{sample_id} declares no parameters"
    for declaration in declarations:
        if CREDENTIAL_NAMES.search(declaration.name):
            assert declaration.type == "secret", f"{sample_id}: {declaration.name} is a credential, not a secret parameter"
    header = "\n".join(content.splitlines()[:90])
    for topic in ("Arguments", "Output", "Exit codes"):
        assert topic in header, f"{sample_id}: its header does not describe its {topic.lower()}"
    assert "STELLASCRIPT_OUTPUT" in content and "✓" in content and "✗" in content, sample_id


@pytest.mark.parametrize("sample_id", sorted(DESIGN_DEPENDENCIES))
def test_the_designs_dependency_versions_are_kept(sample_id: str) -> None:
    entry = manifest()[sample_id]
    content = sample_path(entry).read_text(encoding="utf-8")
    declared = {(d["name"], d["version"]) for d in entry.get("dependencies", [])}
    for wanted in DESIGN_DEPENDENCIES[sample_id]:
        assert (wanted in declared) if isinstance(wanted, tuple) else (wanted in content), (sample_id, wanted)
