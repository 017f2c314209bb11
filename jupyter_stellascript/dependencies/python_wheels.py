"""Python: wheels only, unless a script allows source distributions.

Building a source distribution runs its code (setup.py, a build backend), so
pip is given ``--only-binary :all:`` in resolution and install alike, and a
script opts in in its own block::

    # /// script
    # dependencies = ["docopt"]
    # [tool.stellascript]
    # allow-sdist = true
    # ///

The opt-in is part of the set (``ALLOW_SDIST`` among the requirements), so a
set that may build sources has its own key, lock and image.
"""

from __future__ import annotations

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from .models import DependencyError, DependencySettings
from .pypi_index import index_versions

# The set's entry that allows building source distributions (never a valid requirement).
ALLOW_SDIST = "allow-sdist"
ALLOW_SDIST_HOW = "set 'allow-sdist = true' under [tool.stellascript] in the script's '# /// script' block"


def format_options(requirements: tuple[str, ...]) -> list[str]:
    """pip's choice of files for a set: wheels only, unless it allows sdists."""
    return ["--prefer-binary"] if ALLOW_SDIST in requirements else ["--only-binary", ":all:"]


def allows_sdist(metadata: dict | None, origin: str) -> bool:
    """The block's ``[tool.stellascript] allow-sdist`` (false when absent)."""
    tool = (metadata or {}).get("tool", {})
    settings = tool.get("stellascript", {}) if isinstance(tool, dict) else {}
    if not isinstance(settings, dict):
        raise DependencyError(f"{origin}: [tool.stellascript] must be a table", kind="malformed")
    unknown = sorted(set(settings) - {"allow-sdist"})
    if unknown:
        raise DependencyError(f"{origin}: unknown [tool.stellascript] key(s) {', '.join(unknown)} (known: allow-sdist)",
                              kind="malformed")
    value = settings.get("allow-sdist", False)
    if not isinstance(value, bool):
        raise DependencyError(f"{origin}: [tool.stellascript] allow-sdist must be true or false, not {value!r}",
                              kind="malformed")
    return value


def no_wheel(failure: DependencyError, wanted: list[str], settings: DependencySettings,
             source: str) -> DependencyError | None:
    """When pip (wheels only) found no release of a package that the index
    does have as a source distribution: the error saying so and how to allow
    it; None when that is not why pip failed."""
    if failure.kind not in ("unknown_package", "unknown_version") or not failure.package:
        return None
    name = canonicalize_name(failure.package)
    specifier = next((Requirement(r).specifier for r in wanted if canonicalize_name(Requirement(r).name) == name),
                     SpecifierSet())
    try:
        listed = index_versions(name, settings, source)
    except DependencyError:  # the index cannot be asked: pip's own reason stands
        return None
    matching = [v for v in (listed[0]["versions"] if listed else []) if specifier.contains(v, prereleases=True)]
    if not matching:
        return None
    shown = ", ".join(matching[:5]) + (", ..." if len(matching) > 5 else "")
    return DependencyError(f"package {name!r} has no wheel for this platform at {source} (only source distributions "
                           f"of {shown}); {ALLOW_SDIST_HOW} to allow building it from source",
                           kind="unsupported", package=name, source=source)
