"""Garbage collection of derived images, with real images and containers.

The image store is shared (other sessions, CI): every collection here is
restricted to the images this test built (their label)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jupyter_stellascript.dependencies.derived import DerivedImages
from jupyter_stellascript.gc import StoreLimits, collect_images
from jupyter_stellascript.gc.images import _is_derived
from tests.gc.images import OwnImages

pytestmark = pytest.mark.slow

HOUR = 3600.0


@pytest.fixture()
def images(docker_client, runtime_images) -> Iterator[OwnImages]:
    made = OwnImages(docker_client)
    yield made
    made.remove_all()


@pytest.fixture()
def derived(docker_client, tmp_path) -> DerivedImages:
    return DerivedImages(docker_client, lock_dir=tmp_path / "locks")


def test_only_derived_image_names_are_candidates():
    assert _is_derived({"RepoTags": ["docker.io/stella-runtime/python:0123456789ab"]})
    assert _is_derived({"RepoTags": ["localhost/stella-runtime/go:0123456789ab", "stella-runtime/go:ba9876543210"]})
    assert not _is_derived({"RepoTags": ["docker.io/stella-runtime/python:latest"]})
    assert not _is_derived({"RepoTags": ["docker.io/stella-runtime/python:building-0123456789ab"]})
    assert not _is_derived({"RepoTags": ["docker.io/stella-runtime/python:0123456789ab", "docker.io/myapp:1"]})
    assert not _is_derived({"RepoTags": []})


def test_over_the_cap_least_recently_used_go_first_and_an_image_with_a_container_stays(images, derived):
    oldest, older, newer, newest = (images.build() for _ in range(4))
    for tag, ago in ((oldest, 4 * HOUR), (older, 3 * HOUR), (newer, 2 * HOUR), (newest, HOUR)):
        images.used(derived, tag, ago)
    images.start_container(oldest)  # running: in use
    sizes = {tag: images.own_size(tag) for tag in (oldest, older, newer, newest)}
    assert all(size >= 1024 * 1024 for size in sizes.values()), sizes  # what each adds to the base, not the base
    cap = sizes[oldest] + sizes[newest] + sizes[newer] // 2
    limits = StoreLimits(max_bytes=cap, retention_s=None)

    planned = collect_images(derived, limits, grace_s=0, dry_run=True, labels=images.labels)
    assert [item.name for item in planned.evicted] == [f"stella-runtime/python:{t.rsplit(':', 1)[1]}" for t in (older, newer)]
    assert all(images.exists(tag) for tag in sizes)  # a dry run removes nothing

    report = collect_images(derived, limits, grace_s=0, labels=images.labels)
    assert report.error is None and report.in_use == [f"stella-runtime/python:{oldest.rsplit(':', 1)[1]}"]
    assert [item.name for item in report.evicted] == [item.name for item in planned.evicted]
    assert [images.exists(tag) for tag in (oldest, older, newer, newest)] == [True, False, False, True]
    assert report.kept_bytes == sizes[oldest] + sizes[newest]


def test_an_image_whose_set_is_being_prepared_stays(images, derived):
    key = "f" * 64
    tag = images.build(set_key=key)
    image_id = images.client.images.get(tag).id
    images.used(derived, tag, 40 * 24 * HOUR)
    limits = StoreLimits(max_bytes=None, retention_s=30 * 24 * HOUR)
    with derived._locked(key, progress=lambda line: None):
        kept = collect_images(derived, limits, grace_s=0, labels=images.labels)
    assert len(kept.in_use) == 1 and not kept.evicted and images.exists(tag)
    removed = collect_images(derived, limits, grace_s=0, labels=images.labels)
    assert [item.reason for item in removed.evicted] == ["older than the retention"] and not images.exists(tag)
    assert derived.last_used(image_id) is None  # its use record went with it


def test_nothing_without_the_label_is_considered(images, derived, docker_client):
    """The restriction the tests rely on: another label value lists none of ours."""
    images.build()
    report = collect_images(derived, StoreLimits(0, None), grace_s=0, dry_run=True,
                            labels={"io.stellascript.test-gc": "no-such-run"})
    assert report.evicted == [] and report.in_use == []
