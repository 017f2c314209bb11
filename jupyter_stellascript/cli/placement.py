"""Where and in which order a remote run is taken: the options ``scripts run`` and
``schedule create`` share (the REST body's target, tags, priority and retry_on_executor_loss)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from .common import parse_pairs

PRIORITIES = click.Choice(["low", "normal", "high"])


def placement_options(command: Callable) -> Callable:
    """Add --target, --worker-tag, --priority and --retry-on-executor-loss to a command; it receives them
    as one ``placement`` dict holding only what was given (the server's defaults apply to the rest)."""
    options = [
        click.option("--target", metavar="CONTAINER",
                     help="A target container (name or id): the run joins its network namespace (localhost is the target)."),
        click.option("--worker-tag", "worker_tags", multiple=True, metavar="KEY=VALUE",
                     help="Only a worker with this tag runs it (repeatable: all must match)."),
        click.option("--priority", type=PRIORITIES, help="Queue priority (default normal): high runs first."),
        click.option("--retry-on-executor-loss", "retry_on_executor_loss", is_flag=True, default=None,
                     help="If its executor dies mid-run, queue it again once instead of ending it Error executor_lost."),
    ]

    def collect(*args: Any, target: str | None, worker_tags: tuple[str, ...], priority: str | None,
                retry_on_executor_loss: bool | None, **kwargs: Any) -> Any:
        placement = {"target": {"container": target} if target else None,
                     "tags": parse_pairs(worker_tags, "worker-tag") or None,
                     "priority": priority, "retry_on_executor_loss": retry_on_executor_loss}
        return command(*args, placement={key: value for key, value in placement.items() if value is not None}, **kwargs)

    functools.update_wrapper(collect, command)  # keeps the options the command already has (__click_params__)
    for option in reversed(options):
        collect = option(collect)
    return collect


__all__ = ["placement_options"]
