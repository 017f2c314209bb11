"""The languages Stella Script runs. Adding one: write its module, register it
here (docs/adding-a-language.md says what else: its runtime image folder and
template)."""

from __future__ import annotations

from pathlib import PurePath

from .base import Language
from .bash import BASH
from .csharp import CSHARP
from .go import GO
from .java import JAVA
from .python import PYTHON
from .typescript import TYPESCRIPT

# The registry: every table about languages (formatters, language servers,
# images, templates, configuration keys...) is read from these profiles.
LANGUAGES: dict[str, Language] = {language.name: language for language in (CSHARP, PYTHON, JAVA, GO, BASH, TYPESCRIPT)}


class UnknownLanguage(ValueError):
    pass


def get_language(name: str) -> Language:
    key = name.lower()
    if key in LANGUAGES:
        return LANGUAGES[key]
    for language in LANGUAGES.values():
        if key in language.aliases:
            return language
    raise UnknownLanguage(f"unknown language {name!r}; known: {', '.join(LANGUAGES)}")


def language_for_file(path: str | PurePath) -> Language:
    suffix = PurePath(path).suffix.lower()
    for language in LANGUAGES.values():
        if suffix in language.extensions:
            return language
    known = ", ".join(ext for language in LANGUAGES.values() for ext in language.extensions)
    raise UnknownLanguage(f"cannot tell the language of {str(path)!r} from its extension {suffix or '(none)'!r}; known: {known} (or pass --language)")


__all__ = ["LANGUAGES", "Language", "UnknownLanguage", "get_language", "language_for_file"]
