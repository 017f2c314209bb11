"""Searching the registry: filters, ranking and paging in SQL, and each row's last run.

Text search looks in the casefolded name, description and tags
(``scripts.search_text``); every blank-separated word of the text must occur
(literally: ``%`` and ``_`` are characters, not wildcards). Matches rank

0. the name is the text (ignoring case),
1. the name starts with it,
2. the name contains it,
3. the rest (every word is in the name, description or tags),

then by name and id, so pages are stable. Without text, rows are by name.
Each row carries its last run, joined in the same query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import aliased

from ..db import Execution, Script, ScriptTag, iso_utc
from ..identity import Caller
from ..execution.visibility import listed_executions
from .visibility import readable_scripts


def conditions(caller: Caller, text: str | None, language: str | None, tags: list[str] | None,
               visibility: str | None) -> list[ColumnElement[bool]]:
    """What a row must meet (validated filters)."""
    found = [Script.deleted_at.is_(None), readable_scripts(caller)]
    if language:
        found.append(Script.language == language)
    if visibility:
        found.append(Script.visibility == visibility)
    for word in _words(text):
        found.append(Script.search_text.contains(word, autoescape=True))
    for tag in sorted(set(tags or ())):
        found.append(Script.id.in_(select(ScriptTag.script_id).where(ScriptTag.tag == tag)))
    return found


def order(text: str | None) -> list[Any]:
    """Name matches first (see the module's doc), then name and id."""
    wanted = " ".join(_words(text))
    if not wanted:
        return [Script.name, Script.id]
    rank = case(
        (Script.name_folded == wanted, 0),
        (Script.name_folded.startswith(wanted, autoescape=True), 1),
        (Script.name_folded.contains(wanted, autoescape=True), 2),
        else_=3,
    )
    return [rank, Script.name, Script.id]


def _words(text: str | None) -> list[str]:
    return (text or "").casefold().split()


LastRun = aliased(Execution, name="last_run")


def last_run_clause(caller: Caller) -> ColumnElement[bool]:
    """The ON clause joining a script to :data:`LastRun`, its newest execution
    the caller's execution list holds (correlated: in the page's own query, so
    a page stays one query however many scripts it shows)."""
    newest = (select(Execution.id)
              .where(Execution.script_id == Script.id, listed_executions(caller))
              .order_by(Execution.queued_at.desc(), Execution.id.desc())
              .limit(1).correlate(Script).scalar_subquery())
    return LastRun.id == newest


def last_run_view(run: Execution | None) -> dict | None:
    if run is None:
        return None
    return {"id": run.id, "status": run.status, "requested_by": run.requested_by,
            "queued_at": iso_utc(run.queued_at), "completed_at": iso_utc(run.completed_at)}
