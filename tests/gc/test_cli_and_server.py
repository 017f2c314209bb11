"""``stellascript gc`` as a user runs it, and the server's periodic collection.

Every command here is restricted (``--label``) to the images this test built,
or collects the compile cache only (``--no-images``): the image store is shared."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_stellascript.execution.compile_cache import COMPLETE_MARKER, CompileCache
from tests.gc.images import TEST_LABEL, OwnImages
from tests.servers import RunningServer
from tests.test_cli import stellascript

pytestmark = pytest.mark.slow


@pytest.fixture()
def images(docker_client, runtime_images) -> Iterator[OwnImages]:
    made = OwnImages(docker_client)
    yield made
    made.remove_all()


def stale_entry(data: Path, name: str, ago_s: float = 3600) -> str:
    cache = CompileCache(data / "compile-cache")
    key = CompileCache.key("go", name, name, "sha256:image")
    build = data / f"build-{name}"
    build.mkdir(parents=True)
    (build / "main").write_bytes(b"x" * 4096)
    entry = cache.store(key, build)
    when = time.time() - ago_s
    os.utime(entry / COMPLETE_MARKER, (when, when))
    return key


def cached(cache: CompileCache, key: str) -> bool:
    return key in {entry.key for entry in cache.entries()}


def test_gc_removes_what_is_over_the_caps_and_a_dry_run_nothing(tmp_path, images):
    data = tmp_path / "data"
    key = stale_entry(data, "one")
    idle, running = images.build(), images.build()
    images.start_container(running)
    label = f"{TEST_LABEL}={images.run_id}"
    common = ["gc", "--data", str(data), "--label", label, "--grace", "0", "--max-bytes", "0", "--image-max-bytes", "0"]

    planned = stellascript(*common, "--dry-run", "--json", cwd=tmp_path)
    assert planned.returncode == 0, planned.stderr
    cache_report, image_report = json.loads(planned.stdout)
    assert [item["name"] for item in cache_report["evicted"]] == [key] and cache_report["dry_run"]
    assert [item["name"] for item in image_report["evicted"]] == [idle.removeprefix("docker.io/")]
    assert image_report["in_use"] == [running]
    assert images.exists(idle) and cached(CompileCache(data / "compile-cache"), key)

    done = stellascript(*common, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"removed compile cache {key}" in done.stdout and f"removed derived images {idle}" in done.stdout
    assert "derived images: 1 removed" in done.stdout and "1 kept in use" in done.stdout
    assert not images.exists(idle) and images.exists(running)
    assert not cached(CompileCache(data / "compile-cache"), key)


@pytest.mark.parametrize("args", [
    ["--max-bytes", "lots"], ["--older-than", "soon"], ["--image-max-bytes", "-1"], ["--label", "no-equals-sign"],
    ["--grace", "never"],
])
def test_bad_input_exits_2(tmp_path, args):
    result = stellascript("gc", "--data", str(tmp_path / "data"), "--no-images", *args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Error" in result.stderr


def test_an_unreachable_engine_exits_125_after_collecting_the_cache(tmp_path):
    data = tmp_path / "data"
    key = stale_entry(data, "two")
    result = stellascript("gc", "--data", str(data), "--grace", "0", "--max-bytes", "0", "--label", f"{TEST_LABEL}=none",
                          cwd=tmp_path, env={"DOCKER_HOST": "unix:///nonexistent.sock"})
    assert result.returncode == 125, (result.stdout, result.stderr)
    assert "no container engine" in result.stderr and f"removed compile cache {key}" in result.stdout


def test_the_server_collects_the_compile_cache_in_the_background(tmp_path, runtime_images):
    data = tmp_path / "data"
    key = stale_entry(data, "three")
    # The image limits are out of reach: a server's collection is not
    # restricted to a test's images, and the image store is shared.
    server = RunningServer(data, settings={"gc_interval": "1s", "cache_max_bytes": "0", "image_max_bytes": "100000g",
                                           "image_retention": "100000d", "pool_enabled": False})
    server.start(wait_for_engine=False)
    try:
        cache = CompileCache(data / "compile-cache")
        deadline = time.monotonic() + 30
        while cached(cache, key) and time.monotonic() < deadline:  # (not lookup: a hit is a use)
            time.sleep(0.5)
        assert not cached(cache, key), server.log_path.read_text()[-2000:]
    finally:
        server.stop()


@pytest.mark.parametrize(("settings", "named"), [
    ({"cache_max_bytes": "lots"}, "StellaScript.cache_max_bytes"),
    ({"image_retention": "forever"}, "StellaScript.image_retention"),
    ({"gc_interval": "sometimes"}, "StellaScript.gc_interval"),
])
def test_invalid_gc_settings_stop_start_up_naming_the_setting(tmp_path, settings, named):
    server = RunningServer(tmp_path / "data", settings=settings)
    with pytest.raises(RuntimeError) as failure:
        server.start(timeout_s=60)
    assert named in str(failure.value)
