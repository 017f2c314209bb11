"""Which containers may be targets, and for whom.

A target must carry every label of ``c.StellaScript.target_selector`` (default
``io.stellascript.target=true``) and be running; Stella Script's own
containers (runs, warm pool, dependency tools and relays: the managed and
tool labels) never are, whatever labels they carry. Which targets a caller
may use is ``c.StellaScript.allowed_targets``: per team, the container names
(fnmatch patterns) its members may name; the team ``*`` is every
authenticated user. Admins may use any container the selector admits.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from docker.errors import APIError, NotFound

from ..identity import Caller
from .models import TargetDescription

# Stella Script's own containers: a run's or a warm one (execution/sandbox.py), a
# package manager's or its egress relay (dependencies/base.py).
OWN_LABELS = ("io.stellascript.managed", "io.stellascript.dependency-tool")
DEFAULT_SELECTOR = {"io.stellascript.target": "true"}
EVERYONE = "*"


class TargetUnavailable(ValueError):
    """The named container cannot be a target (for this caller); the message names it and says why."""


@dataclass(frozen=True)
class TargetRules:
    selector: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SELECTOR))
    # team -> container name patterns; {"*": ["*"]}: every authenticated user, every selected container.
    allowed: Mapping[str, Sequence[str]] = field(default_factory=lambda: {EVERYONE: ["*"]})

    def check_selected(self, reference: str, target: TargetDescription) -> None:
        """Raise TargetUnavailable unless the container is a target at all (any caller)."""
        own = [label for label in OWN_LABELS if label in target.labels]
        if own:
            raise TargetUnavailable(f"container {reference!r} is one of Stella Script's own ({own[0]}); it cannot be a target")
        missing = [f"{key}={value}" for key, value in self.selector.items() if target.labels.get(key) != value]
        if missing:
            raise TargetUnavailable(f"container {reference!r} is not a target: it lacks the label(s) {', '.join(missing)} "
                                    "(c.StellaScript.target_selector)")
        if target.state != "running":
            raise TargetUnavailable(f"target container {reference!r} is not running (it is {target.state or 'in no known state'})")

    def check_allowed(self, caller: Caller, reference: str, target: TargetDescription) -> None:
        """Raise TargetUnavailable unless ``caller`` may run against this (selected) target."""
        if caller.admin:
            return
        if not caller.authenticated:
            raise TargetUnavailable(f"running against target container {reference!r} needs an authenticated user")
        teams = [EVERYONE, *sorted(caller.teams)]
        for team in teams:
            if any(fnmatch.fnmatchcase(target.name, pattern) for pattern in self.allowed.get(team, ())):
                return
        raise TargetUnavailable(f"target container {reference!r} is not allowed for {caller.label} "
                                f"(teams: {', '.join(sorted(caller.teams)) or 'none'}; c.StellaScript.allowed_targets)")


def find_target(client, reference: str, rules: TargetRules) -> TargetDescription:
    """The container ``reference`` names, if ``rules``' selector makes it a
    target and it is running (for any caller); else TargetUnavailable naming it."""
    target = inspect_target(client, reference)
    rules.check_selected(reference, target)
    return target


def inspect_target(client, reference: str) -> TargetDescription:
    """The container ``reference`` names (a name or an id), as a TargetDescription."""
    try:
        inspected = client.api.inspect_container(reference)
    except NotFound:
        raise TargetUnavailable(f"there is no container {reference!r}") from None
    except APIError as error:
        raise TargetUnavailable(f"container {reference!r} cannot be inspected: {error.explanation or error}") from None
    return TargetDescription.of(inspected)
