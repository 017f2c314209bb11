"""The languages Stella Script runs. Adding one: write its module, register it here."""

from __future__ import annotations

from pathlib import PurePath

from .base import Language
from .bash import BASH
from .csharp import CSHARP
from .go import GO
from .java import JAVA
from .python import PYTHON
from .typescript import TYPESCRIPT

LANGUAGES: dict[str, Language] = {language.name: language for language in (CSHARP, PYTHON, JAVA, GO, BASH, TYPESCRIPT)}

# Names people use for the same language.
_ALIASES = {"c#": "csharp", "cs": "csharp", "py": "python", "sh": "bash", "shell": "bash", "ts": "typescript", "golang": "go"}


class UnknownLanguage(ValueError):
    pass


def get_language(name: str) -> Language:
    key = _ALIASES.get(name.lower(), name.lower())
    try:
        return LANGUAGES[key]
    except KeyError:
        raise UnknownLanguage(f"unknown language {name!r}; known: {', '.join(LANGUAGES)}") from None


def language_for_file(path: str | PurePath) -> Language:
    suffix = PurePath(path).suffix.lower()
    for language in LANGUAGES.values():
        if suffix in language.extensions:
            return language
    known = ", ".join(ext for language in LANGUAGES.values() for ext in language.extensions)
    raise UnknownLanguage(f"cannot tell the language of {str(path)!r} from its extension {suffix or '(none)'!r}; known: {known} (or pass --language)")


__all__ = ["LANGUAGES", "Language", "UnknownLanguage", "get_language", "language_for_file"]
