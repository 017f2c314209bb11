"""Derived-looking images of a test's own: built here, labelled with the
test's label, so that a collection restricted to it touches nothing else of
the shared image store (other sessions', base runtime images)."""

from __future__ import annotations

import io
import os
import time
import uuid

from docker.errors import APIError, NotFound

from jupyter_stellascript.execution.container_engine import retried_listing
from jupyter_stellascript.dependencies.derived import (BASE_LABEL, DERIVED_LABEL, LANGUAGE_LABEL, SET_LABEL,
                                                       DerivedImages)

BASE = "stella-runtime/python:latest"
TEST_LABEL = "io.stellascript.test-gc"
MIB = 1024 * 1024


class OwnImages:
    """Images tagged stella-runtime/python:<12 hex>, each adding ``size`` bytes."""

    def __init__(self, client) -> None:
        self.client = client
        self.run_id = uuid.uuid4().hex[:12]
        self.labels = {TEST_LABEL: self.run_id}
        self.base_id = client.images.get(BASE).id
        self.containers: list = []

    def build(self, size: int = MIB, set_key: str | None = None) -> str:
        tag = f"stella-runtime/python:{uuid.uuid4().hex[:12]}"
        dockerfile = f"FROM {self.base_id.removeprefix('sha256:')}\nRUN head -c {size} /dev/urandom > /blob\n"
        labels = {**self.labels, DERIVED_LABEL: "true", LANGUAGE_LABEL: "python", BASE_LABEL: self.base_id}
        if set_key:
            labels[SET_LABEL] = set_key
        image, _ = self.client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, labels=labels,
                                            network_mode="none", rm=True, forcerm=True, pull=False, nocache=True)
        return tag

    def own_size(self, tag: str) -> int:
        return self.client.images.get(tag).attrs["Size"] - self.client.images.get(BASE).attrs["Size"]

    def used(self, derived: DerivedImages, tag: str, ago_s: float) -> None:
        derived.record_use(tag)
        when = time.time() - ago_s
        os.utime(derived._use_record(self.client.images.get(tag).id), (when, when))

    def exists(self, tag: str) -> bool:
        try:
            self.client.images.get(tag)
            return True
        except NotFound:
            return False

    def start_container(self, tag: str):
        container = self.client.containers.run(tag, ["sleep", "600"], detach=True, network_mode="none",
                                               labels=self.labels)
        self.containers.append(container)
        return container

    def remove_all(self) -> None:
        for container in self.containers:
            try:
                container.remove(force=True)
            except (APIError, NotFound) as error:
                print(f"test container {container.id[:12]} not removed: {error}")
        for image in retried_listing(lambda: self.client.api.images(filters={"label": f"{TEST_LABEL}={self.run_id}"})):
            try:
                self.client.api.remove_image(image["Id"], force=True)
            except (APIError, NotFound) as error:
                print(f"test image {image['Id'][:19]} not removed: {error}")
