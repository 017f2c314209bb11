"""Per-language dependencies: declared, resolved with the ecosystem's real
package manager, locked, and installed into derived runtime images.

Adding an ecosystem: write its resolver module (see ``base.Resolver``),
register it in ``ECOSYSTEMS`` here and its package source in
``models.PACKAGE_SOURCES``, and name the ecosystem in the language's profile
(``Language.dependency_ecosystem``).
"""

from __future__ import annotations

from ..languages import LANGUAGES
from .base import BuildFiles, ResolveContext, Resolver
from .derived import DerivedImages, Prepared, derived_image_name
from .models import (
    DependenciesCancelled,
    DependencyError,
    DependencySettings,
    Lock,
    LockedPackage,
    UnsupportedEcosystem,
)
from .bash import BASH
from .csharp import CSHARP
from .java import JAVA
from .go import GO
from .python import PYTHON
from .typescript import TYPESCRIPT

# By ecosystem (the key of its package source in DependencySettings.sources).
ECOSYSTEMS: dict[str, Resolver] = {resolver.ecosystem: resolver for resolver in (PYTHON, TYPESCRIPT, GO, CSHARP, BASH, JAVA)}


def _by_language() -> dict[str, Resolver]:
    unknown = {name: language.dependency_ecosystem for name, language in LANGUAGES.items()
               if language.dependency_ecosystem and language.dependency_ecosystem not in ECOSYSTEMS}
    if unknown:
        raise LookupError(f"languages name dependency ecosystems that have no resolver: {unknown}; known: {', '.join(ECOSYSTEMS)}")
    return {name: ECOSYSTEMS[language.dependency_ecosystem] for name, language in LANGUAGES.items() if language.dependency_ecosystem}


# By language, as each profile names its ecosystem.
RESOLVERS: dict[str, Resolver] = _by_language()


def resolver_for(language: str) -> Resolver:
    """The language's resolver; UnsupportedEcosystem when it has none yet."""
    try:
        return RESOLVERS[language]
    except KeyError:
        raise UnsupportedEcosystem(
            f"dependencies are not supported for {language} yet (supported: {', '.join(RESOLVERS)})") from None


def has_resolver(language: str) -> bool:
    return language in RESOLVERS


__all__ = [
    "ECOSYSTEMS", "RESOLVERS", "BuildFiles", "DependenciesCancelled", "DependencyError", "DependencySettings", "DerivedImages",
    "Lock", "LockedPackage", "Prepared", "ResolveContext", "Resolver", "UnsupportedEcosystem",
    "derived_image_name", "has_resolver", "resolver_for",
]
