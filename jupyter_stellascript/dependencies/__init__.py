"""Per-language dependencies: declared, resolved with the ecosystem's real
package manager, locked, and installed into derived runtime images.

Adding an ecosystem: write its resolver module (see ``base.Resolver``) and
register it here, as languages are registered in ``languages/__init__.py``.
"""

from __future__ import annotations

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

RESOLVERS: dict[str, Resolver] = {resolver.language: resolver for resolver in (PYTHON, TYPESCRIPT, GO, CSHARP, BASH, JAVA)}


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
    "RESOLVERS", "BuildFiles", "DependenciesCancelled", "DependencyError", "DependencySettings", "DerivedImages",
    "Lock", "LockedPackage", "Prepared", "ResolveContext", "Resolver", "UnsupportedEcosystem",
    "derived_image_name", "has_resolver", "resolver_for",
]
