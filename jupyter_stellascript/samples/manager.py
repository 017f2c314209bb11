"""SampleLibrary: list, read and clone the samples (GET/POST scripts/samples...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import NotFound
from ..identity import Caller
from ..registry import ScriptRegistry
from ..registry.requests import ScriptCreate
from .catalog import SampleCatalog
from .models import Sample, SampleClone, SampleList


class SampleLibrary:
    def __init__(self, registry: ScriptRegistry, catalog: Callable[[], SampleCatalog] = SampleCatalog) -> None:
        self.registry = registry
        self._catalog = catalog

    def list(self, language: str | None = None, category: str | None = None) -> SampleList:
        return self._catalog().summaries(language=language, category=category)

    def get(self, sample_id: str) -> Sample:
        catalog = self._catalog()
        entry = catalog.entry(sample_id)
        if entry is None:
            raise NotFound(f"no sample {sample_id!r}; GET scripts/samples lists them")
        return catalog.sample(entry)

    def clone(self, caller: Caller, sample_id: str, body: SampleClone) -> dict[str, Any]:
        """A new script of the caller's (1.0.0): the sample's content, entry point,
        description, tags and dependencies; its parameters come with the content's inline block."""
        sample = self.get(sample_id)
        return self.registry.create(caller, ScriptCreate(
            name=body.name or sample.id, language=sample.language, content=sample.content, entry_point=sample.file,
            description=sample.description, visibility=body.visibility, tags=sample.tags,
            dependencies=sample.dependencies,
        ))
