"""container-inspect (Go) against a real target container (target:
{container: ...}): a runtime image's container serving HTTP on its own
loopback only, labelled as a target; the run joins its network and reads
/scripts/target.json. Needs the target-container feature (tests/targets.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.samples.library import SampleRunner, covers
from tests.targets import TargetContainer, remove_test_targets, target_container

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def deployed(docker_client, runtime_images) -> Iterator[TargetContainer]:
    try:
        with target_container(docker_client, routes={"/health": (200, {"status": "ok"})},
                              labels={"io.stellascript.target": "true", "app": "checkout", "tier": "web"},
                              environment={"DATABASE_URL": "postgres://checkout:s3cret@db/checkout", "LOG_LEVEL": "info"}) as target:
            yield target
    finally:
        remove_test_targets(docker_client)


@covers("container-inspect")
def test_container_inspect_passes_for_the_deployed_container(samples: SampleRunner, deployed: TargetContainer) -> None:
    run = samples.run("container-inspect", {"image": deployed.image.split(":")[0], "required_labels": "app=checkout, tier",
                                            "required_env": "DATABASE_URL,LOG_LEVEL"}, target={"container": deployed.name})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["container"], out["id"], out["state"], out["healthy"]) == (deployed.name, deployed.id, "running", True)
    assert [c["name"] for c in out["checks"]] == ["state", "image", "label app", "label tier", "env DATABASE_URL",
                                                  "env LOG_LEVEL", f"port {deployed.port}"]
    assert run.lines("✓")[-1].startswith(f"✓ port {deployed.port}/tcp accepts connections")  # its loopback, from the run
    assert "s3cret" not in run.stdout  # target.json has the variables' names, never their values
    # From the host, nothing listens there: the service is on the target's own loopback.
    assert run.record["target"]["id"] == deployed.id


@covers("container-inspect")
def test_container_inspect_fails_on_wrong_labels_env_and_image_and_without_a_target(samples: SampleRunner,
                                                                                     deployed: TargetContainer) -> None:
    run = samples.run("container-inspect", {"image": "registry.example/checkout", "required_labels": "app=payments,owner",
                                            "required_env": "SENTRY_DSN"}, target={"container": deployed.name})
    assert run.exit_code == 1, run.describe()
    failed = [c["name"] for c in run.outputs["checks"] if not c["ok"]]
    assert failed == ["image", "label app", "label owner", "env SENTRY_DSN"]
    image = run.outputs["image"]  # as the engine names it (Podman: docker.io/stella-runtime/python:latest)
    assert image.endswith(deployed.image)
    assert run.lines("✗") == [f"✗ image {image} (expected registry.example/checkout)", '✗ label app is "checkout"',
                              "✗ label owner is missing", "✗ environment variable SENTRY_DSN is not set"]

    run = samples.run("container-inspect", {})  # no target
    assert run.exit_code == 2 and "has no target container" in run.stdout, run.describe()
