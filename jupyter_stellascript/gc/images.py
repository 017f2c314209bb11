"""Collecting derived runtime images (``stella-runtime/<language>:<hash12>``).

Only images that carry the derived label and whose every name is a derived
image's are candidates: never a base runtime image (``...:latest``), a build
in progress (``...:building-...``) or anything else in the engine's store.
An image is in use, and kept, while any container (running or not, warm pool
containers included) was made from it, or while its set is being prepared.
Its size is what it adds to its base image (they share the base's layers).
Its last use is the record ``DerivedImages`` keeps, else its creation.
Images are untagged name by name and never forced, so the engine itself
refuses to remove one a container was made from meanwhile.
"""

from __future__ import annotations

import logging
import time

from docker.errors import APIError, ImageNotFound, NotFound

from ..dependencies.derived import (BASE_LABEL, DERIVED_LABEL, DERIVED_TAG, LOCKED_SET_LABEL, SET_LABEL,
                                    DerivedImages)
from ..execution.container_engine import retried_listing
from .models import Candidate, StoreLimits, StoreReport, collect

log = logging.getLogger(__name__)

STORE = "derived images"


def _listing(client, labels: dict[str, str]) -> list[dict]:
    """Images with the derived label and every one of ``labels``. (The engine
    filters by one label: Podman answers none for several at once.)"""
    wanted = {DERIVED_LABEL: "true", **labels}
    name, value = next(iter(labels.items())) if labels else (DERIVED_LABEL, "true")
    return [image for image in retried_listing(lambda: client.api.images(filters={"label": f"{name}={value}"}))
            if all((image.get("Labels") or {}).get(key) == expected for key, expected in wanted.items())]


def _is_derived(image: dict) -> bool:
    tags = image.get("RepoTags") or []
    return bool(tags) and all(DERIVED_TAG.match(tag) for tag in tags)


def _images_in_use(client) -> set[str]:
    """Ids of the images any container of the engine was made from."""
    return {container.get("ImageID") or "" for container in retried_listing(lambda: client.api.containers(all=True))}


def _base_size(client, base_id: str, sizes: dict[str, int]) -> int:
    if base_id not in sizes:
        try:
            sizes[base_id] = int(client.api.inspect_image(base_id).get("Size") or 0)
        except (ImageNotFound, NotFound):  # the base was rebuilt and removed: the image holds all its layers
            sizes[base_id] = 0
    return sizes[base_id]


def _candidates(derived: DerivedImages, labels: dict[str, str]) -> list[Candidate]:
    client = derived.client
    base_sizes: dict[str, int] = {}
    candidates = []
    for image in _listing(client, labels):
        if not _is_derived(image):
            continue
        base_id = (image.get("Labels") or {}).get(BASE_LABEL, "")
        own = max(0, int(image.get("Size") or 0) - (_base_size(client, base_id, base_sizes) if base_id else 0))
        last_used = derived.last_used(image["Id"]) or float(image.get("Created") or 0)
        name = ", ".join(tag.removeprefix("docker.io/").removeprefix("localhost/") for tag in image["RepoTags"])
        candidates.append(Candidate(name, own, last_used, image))
    return candidates


def _remover(derived: DerivedImages, in_use: set[str], dry_run: bool):
    def remove(candidate: Candidate) -> bool:
        image = candidate.handle
        labels = image.get("Labels") or {}
        keys = [key for key in (labels.get(SET_LABEL), labels.get(LOCKED_SET_LABEL)) if key]
        if image["Id"] in in_use or derived.preparing(keys):
            return False
        if dry_run:
            return True
        for tag in image["RepoTags"]:
            try:
                derived.client.api.remove_image(tag)  # not forced: refused while a container uses it
            except (ImageNotFound, NotFound):
                continue
            except APIError as error:
                log.info("derived image %s kept: %s", tag, error)
                return False
        derived.forget_use(image["Id"])
        return True
    return remove


def collect_images(derived: DerivedImages, limits: StoreLimits, *, grace_s: float, dry_run: bool = False,
                   labels: dict[str, str] | None = None, now: float | None = None) -> StoreReport:
    """Evict derived images by ``limits``; ``labels`` restricts the collection
    to images that also carry these labels (a test's own)."""
    try:
        candidates = _candidates(derived, labels or {})
        in_use = _images_in_use(derived.client)
    except APIError as error:
        report = StoreReport(STORE, dry_run)
        report.error = f"the container engine could not list images or containers: {error}"
        return report
    return collect(STORE, candidates, limits, now=time.time() if now is None else now, grace_s=grace_s,
                   remove=_remover(derived, in_use, dry_run), dry_run=dry_run)
