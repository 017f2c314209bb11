"""Removing derived images in tests, the way Podman allows it.

Right after a run, Podman may still be deleting the run's container: removing
its image then fails (500, "container ... does not exist in database") for a
moment. The tests that drop an image to prove a rebuild from a lock retry."""

from __future__ import annotations

import time

from docker.errors import APIError, NotFound

from jupyter_stellascript.dependencies.derived import BUILD_LABEL, LOCK_SHA_LABEL
from jupyter_stellascript.execution.container_engine import retried_listing


def remove_image(docker_client, reference: str, attempts: int = 10) -> None:
    for attempt in range(attempts):
        try:
            docker_client.api.remove_image(reference, force=True)
            return
        except NotFound:
            return
        except APIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


def remove_images_of_lock(docker_client, lock_sha256: str) -> None:
    """Every image built from this lock, so that a rerun cannot reuse one."""
    for image in retried_listing(lambda: docker_client.api.images(filters={"label": f"{LOCK_SHA_LABEL}={lock_sha256}"})):
        remove_image(docker_client, image["Id"])


def images_of(docker_client, language: str) -> set[tuple[str, str]]:
    """(id, tag) of every image named stella-runtime/<language>:*, finished
    (derived) or not (a build in progress is tagged building-...). Only this
    language's: other tests may build other languages' images meanwhile.
    (The low-level listing: another build may remove an image between a
    listing and a look at each one.)"""
    prefix = f"stella-runtime/{language}:"
    return {(image["Id"], tag) for image in retried_listing(docker_client.api.images)
            for tag in image.get("RepoTags") or [] if tag.removeprefix("docker.io/").startswith(prefix)}


def unnamed_build_images(docker_client, label: str) -> set[str]:
    """Ids of the images with ``label`` that a build left behind (intermediate
    or unfinished: a build label and no name). One label in the filter (Podman
    4.3 answers none for two), the build label checked here; retried: Podman
    fails a listing when another process removes an image meanwhile."""
    images = retried_listing(lambda: docker_client.api.images(all=True, filters={"label": label}))
    return {image["Id"] for image in images if BUILD_LABEL in (image.get("Labels") or {})
            and not [tag for tag in image.get("RepoTags") or [] if tag != "<none>:<none>"]}


def unfinished_builds(docker_client, language: str) -> set[str]:
    """Tags of this language's builds in progress (stella-runtime/<language>:building-*)."""
    return {tag for _id, tag in images_of(docker_client, language) if f"{language}:building-" in tag}
