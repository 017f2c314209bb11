"""The sample library as the manifest (samples/samples.toml) and the files describe it.

Read on every call: sixteen small files and one TOML table parse in
milliseconds, and an edited sample is seen without a restart. A broken
manifest is an error naming the entry and the key (SampleManifestError), never
a silently shorter list.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from ..errors import ValidationFailed
from ..execution.fields import field_errors
from ..languages import LANGUAGES, UnknownLanguage, get_language, language_for_file
from ..parameters.merge import effective_parameters
from ..parameters.schema import parameters_schema
from .models import Manifest, ManifestEntry, Sample, SampleCategory, SampleList, SampleSummary

MANIFEST = "samples.toml"


class SampleManifestError(RuntimeError):
    """samples/samples.toml or a sample file does not follow samples/README.md."""


def samples_dir() -> Path:
    """``samples/``, in a wheel (``_samples``) or a checkout."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "_samples"
    if packaged.is_dir():
        return packaged
    checkout = package.parent / "samples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the sample scripts (samples/) are missing from this installation")


class SampleCatalog:
    """Every sample of one samples/ folder, checked against the manifest's rules."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or samples_dir()
        self.manifest = self._read_manifest()
        self._check_files()

    def _read_manifest(self) -> Manifest:
        path = self.directory / MANIFEST
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise SampleManifestError(f"{path}: {error}") from None
        try:
            manifest = Manifest.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(f"{p['field']}: {p['message']}" for p in field_errors(error))
            raise SampleManifestError(f"{path}: {problems}") from None
        problems = []
        seen: set[str] = set()
        for index, entry in enumerate(manifest.sample):
            where = f"sample[{index}] ({entry.id})"
            if entry.id in seen:
                problems.append(f"{where}: id {entry.id!r} is used twice")
            seen.add(entry.id)
            if entry.category not in manifest.categories:
                problems.append(f"{where}: category {entry.category!r} is not one of [categories]: {', '.join(manifest.categories)}")
            try:
                by_extension = language_for_file(entry.file).name
            except UnknownLanguage as error:
                problems.append(f"{where}: file: {error}")
            else:
                if by_extension != entry.language:
                    problems.append(f"{where}: file {entry.file!r} is {by_extension}, not {entry.language}")
        if problems:
            raise SampleManifestError(f"{path}: " + "; ".join(problems))
        return manifest

    def _check_files(self) -> None:
        named = {(entry.language, entry.file) for entry in self.manifest.sample}
        present = {(p.parent.name, p.name) for language in LANGUAGES for p in (self.directory / language).glob("*") if p.is_file()}
        missing = sorted(f"{language}/{file}" for language, file in named - present)
        unlisted = sorted(f"{language}/{file}" for language, file in present - named)
        problems = [f"the manifest names {', '.join(missing)}, which do not exist"] if missing else []
        if unlisted:
            problems.append(f"{', '.join(unlisted)} are not in {MANIFEST}")
        if problems:
            raise SampleManifestError(f"{self.directory}: " + "; ".join(problems))

    def path_of(self, entry: ManifestEntry) -> Path:
        return self.directory / entry.language / entry.file

    def entry(self, sample_id: str) -> ManifestEntry | None:
        return next((entry for entry in self.manifest.sample if entry.id == sample_id), None)

    def summaries(self, language: str | None = None, category: str | None = None) -> SampleList:
        problems = []
        if language is not None and language not in LANGUAGES:
            problems.append({"field": "language", "message": f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"})
        if category is not None and category not in self.manifest.categories:
            problems.append({"field": "category", "message": f"category must be one of {', '.join(self.manifest.categories)}, not {category!r}"})
        if problems:
            raise ValidationFailed(problems)
        items = [self.summary(entry) for entry in self.manifest.sample
                 if (language is None or entry.language == language) and (category is None or entry.category == category)]
        return SampleList(items=items, categories=[SampleCategory(name=name, label=label)
                                                   for name, label in self.manifest.categories.items()])

    def summary(self, entry: ManifestEntry) -> SampleSummary:
        return SampleSummary(**self.sample(entry).model_dump(exclude={"content", "parameters_schema"}))

    def sample(self, entry: ManifestEntry) -> Sample:
        content = self.path_of(entry).read_text(encoding="utf-8")
        try:
            parameters = effective_parameters([], content, get_language(entry.language).line_comment)
        except ValidationFailed as error:
            raise SampleManifestError(f"{self.path_of(entry)}: its stellascript block: {error}") from None
        return Sample(
            id=entry.id, title=entry.title, description=entry.description, language=entry.language, file=entry.file,
            category=entry.category, category_label=self.manifest.categories[entry.category], tags=entry.tags,
            dependencies=entry.dependencies, dependency_note=entry.dependency_note, parameters=parameters,
            parameters_schema=parameters_schema(parameters), content=content,
        )
