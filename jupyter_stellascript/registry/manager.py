"""ScriptRegistry: create, version, search and delete scripts.

Every version's content is stored once as a blob keyed by its SHA-256 and is
verified against that hash whenever it is read back; versions are never
changed after they are written. Deleting a script hides it and blocks new
runs, but keeps its versions so that execution records stay meaningful.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .. import metrics
from ..db import Blob, Script, ScriptVersion, iso_utc, utcnow
from ..identity import Caller
from ..languages import LANGUAGES, get_language
from ..execution.fields import parse, resolve_entry_point
from ..parameters import ParameterDeclaration, declarations_of, effective_parameters, parameters_schema
from .errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from . import search as script_search
from .references import duplicate_name, qualified, resolve_script, same_name_of_owner
from .requests import Dependency, ScriptCreate, ScriptUpdate
from .semver import FIRST_VERSION, Version, parse_version
from ..paging import Page
from .visibility import Visibility, can_read, can_write

# (language, entry point, content, declared dependencies) -> diagnostics [{line, column, message}]
SyntaxChecker = Callable[[str, str, str, list], list[dict]]


class IntegrityFailure(RuntimeError):
    """Stored content no longer matches its hash."""


def _error(field: str, message: str, **extra: Any) -> dict:
    return {"field": field, "message": message, **extra}


class ScriptRegistry:
    def __init__(self, sessions: sessionmaker, syntax_checker: SyntaxChecker | None = None) -> None:
        self.sessions = sessions
        self.syntax_checker = syntax_checker

    # -- validation --------------------------------------------------------------

    def store_content(self, content: str) -> str:
        """Store content as a blob (once per SHA-256); returns the digest."""
        try:
            with self.sessions() as session, session.begin():
                return self._store_blob(session, content)
        except IntegrityError:  # another server stored the same content just now
            return hashlib.sha256(content.encode()).hexdigest()

    def _check_syntax(self, language: str, entry_point: str, content: str, dependencies: list) -> list[dict]:
        """The toolchain's warnings (TypeScript's type errors: the script is saved
        anyway), or ValidationFailed with its errors; compiled languages compile
        against the script's dependencies (declared ones included, for their versions)."""
        if self.syntax_checker is None:
            return []
        errors, warnings = [], []
        for diagnostic in self.syntax_checker(language, entry_point, content, _stored(dependencies)):
            found = _error("content", diagnostic["message"], line=diagnostic.get("line"), column=diagnostic.get("column"))
            (warnings if diagnostic.get("severity") == "warning" else errors).append(found)
        if errors:
            raise ValidationFailed(errors)
        return warnings

    # -- blobs -------------------------------------------------------------------

    @staticmethod
    def _store_blob(session: Session, content: str) -> str:
        data = content.encode()
        digest = hashlib.sha256(data).hexdigest()
        if session.get(Blob, digest) is None:
            session.add(Blob(sha256=digest, size=len(data), content=data))
        return digest

    @staticmethod
    def _read_blob(session: Session, digest: str) -> str:
        blob = session.get(Blob, digest)
        if blob is None or hashlib.sha256(blob.content).hexdigest() != digest:
            raise IntegrityFailure(f"content {digest} is missing or does not match its SHA-256")
        return blob.content.decode()

    # -- reads ---------------------------------------------------------------------

    def _visible_script(self, session: Session, caller: Caller, script_id: str, include_deleted: bool = False) -> Script:
        script = session.get(Script, script_id)
        if script is None or (script.deleted_at is not None and not include_deleted) or not can_read(caller, script):
            raise NotFound(f"no script {script_id}")
        return script

    def _version_row(self, session: Session, script: Script, version: str | None) -> ScriptVersion:
        wanted = version or script.latest_version
        row = session.scalar(select(ScriptVersion).where(ScriptVersion.script_id == script.id, ScriptVersion.version == wanted))
        if row is None:
            raise NotFound(f"script {script.id} has no version {wanted}")
        return row

    def _view(self, session: Session, script: Script, version: ScriptVersion, with_content: bool = True) -> dict:
        view = {
            "id": script.id,
            "name": script.name,
            "description": script.description,
            "language": script.language,
            "entry_point": version.entry_point,
            "version": version.version,
            "latest_version": script.latest_version,
            "content_sha256": version.content_sha256,
            "dependencies": version.dependencies,
            "dependency_lock": version.dependency_lock,
            **_parameters_view(version),
            "visibility": script.visibility,
            "tags": script.tags,
            "retry_on_executor_loss": bool(script.retry_on_executor_loss),
            "created_at": iso_utc(script.created_at),
            "created_by": script.created_by,
            "updated_at": iso_utc(script.updated_at),
            "updated_by": script.updated_by,
            "deleted": script.deleted_at is not None,
        }
        if with_content:
            view["content"] = self._read_blob(session, version.content_sha256)
        return view

    def get(self, caller: Caller, script_id: str, version: str | None = None, include_deleted: bool = False) -> dict:
        with self.sessions() as session:
            script = self._visible_script(session, caller, script_id, include_deleted)
            return self._view(session, script, self._version_row(session, script, version))

    def versions(self, caller: Caller, script_id: str) -> list[dict]:
        with self.sessions() as session:
            script = self._visible_script(session, caller, script_id)
            rows = session.scalars(
                select(ScriptVersion).where(ScriptVersion.script_id == script.id)
                .order_by(ScriptVersion.major.desc(), ScriptVersion.minor.desc(), ScriptVersion.patch.desc())
            )
            return [
                {"version": row.version, "content_sha256": row.content_sha256, "entry_point": row.entry_point,
                 "dependencies": row.dependencies, "dependency_lock": row.dependency_lock, **_parameters_view(row),
                 "created_at": iso_utc(row.created_at), "created_by": row.created_by}
                for row in rows
            ]

    def search(
        self,
        caller: Caller,
        text: str | None = None,
        language: str | None = None,
        tags: list[str] | None = None,
        visibility: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[dict], int]:
        problems = []
        if language and language not in LANGUAGES:
            problems.append(_error("language", f"unknown language {language!r}; known: {', '.join(LANGUAGES)}"))
        if visibility and visibility not in [v.value for v in Visibility]:
            problems.append(_error("visibility", f"visibility must be one of {', '.join(v.value for v in Visibility)}"))
        try:
            page = Page.of(limit, offset)
        except ValidationFailed as error:
            problems += error.errors
        if problems:
            raise ValidationFailed(problems)
        where = script_search.conditions(caller, text, language, tags, visibility)
        rows = (
            select(Script, ScriptVersion, script_search.LastRun)
            .join(ScriptVersion, (ScriptVersion.script_id == Script.id) & (ScriptVersion.version == Script.latest_version))
            .outerjoin(script_search.LastRun, script_search.last_run_clause(caller))
            .where(*where)
            .order_by(*script_search.order(text))
            .limit(page.limit).offset(page.offset)
        )
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(Script).where(*where))
            items = [{**self._view(session, script, version, with_content=False), "last_run": script_search.last_run_view(run)}
                     for script, version, run in session.execute(rows)]
            return items, total

    def resolve(self, caller: Caller, reference: str) -> dict:
        """The script (metadata, no content) an id, ``name`` or ``owner/name`` names
        for ``caller`` (references.py says how); NotFound or AmbiguousName otherwise."""
        with self.sessions() as session:
            script = resolve_script(session, caller, reference)
            view = self._view(session, script, self._version_row(session, script, None), with_content=False)
            view["reference"] = qualified(script)
            return view

    # -- writes --------------------------------------------------------------------

    def create(self, caller: Caller, body: ScriptCreate | dict) -> dict:
        if not caller.authenticated:
            raise Unauthenticated("creating a script needs an authenticated user")
        body = parse(ScriptCreate, body)
        parameters = _effective(body.language, body.parameters, body.content)
        warnings = self._check_syntax(body.language, body.entry_point, body.content, body.dependencies)
        now = utcnow()
        script = Script(
            id=str(uuid.uuid4()),
            name=body.name,
            description=body.description,
            language=body.language,
            visibility=body.visibility.value,
            tags=list(body.tags),
            retry_on_executor_loss=body.retry_on_executor_loss,
            teams=sorted(caller.teams),
            latest_version=FIRST_VERSION,
            created_at=now,
            created_by=caller.name,
        )
        with self.sessions() as session, session.begin():
            self._refuse_duplicate_name(session, caller.name, body.name)
            digest = self._store_blob(session, body.content)
            session.add(script)
            self._flush_name(session, caller.name, body.name)
            session.add(self._new_version(script, parse_version(FIRST_VERSION), digest, body.entry_point,
                                          _stored(body.dependencies), parameters, caller, now))
        metrics.SCRIPTS.labels(script.language, script.visibility).inc()
        metrics.SCRIPT_VERSIONS.labels(script.id).inc()
        return {**self.get(caller, script.id), "warnings": warnings}

    @staticmethod
    def _new_version(script: Script, version: Version, digest: str, entry_point: str, dependencies: list,
                     parameters: "_Parameters", caller: Caller, now) -> ScriptVersion:
        declared, effective = parameters
        return ScriptVersion(
            script_id=script.id, version=str(version), major=version.major, minor=version.minor, patch=version.patch,
            content_sha256=digest, entry_point=entry_point,
            dependencies=dependencies,
            declared_parameters=[p.stored() for p in declared], parameters=[p.stored() for p in effective],
            created_at=now, created_by=caller.label,
        )

    def update(self, caller: Caller, script_id: str, body: ScriptUpdate | dict, expected_version: str | None = None) -> dict:
        """A new version from the latest one and ``body``.

        Validated first, then written: the syntax check (a container compile
        of up to two minutes) runs between two short transactions, so no
        database lock is held meanwhile; the write then checks that the
        script is still at the version the change was made against (another
        update in between: Conflict).
        """
        self._require_authenticated(caller, "change")
        body = parse(ScriptUpdate, body)
        with self.sessions() as session:
            script = self._visible_script(session, caller, script_id)
            self._require_writer(caller, script, "change")
            base_version = script.latest_version
            expected = expected_version or body.expected_version
            if expected and expected != base_version:
                raise Conflict(f"the script is at version {base_version}, not {expected}: reload and apply your change again")
            current = self._version_row(session, script, None)
            current_content = self._read_blob(session, current.content_sha256)
            current_entry_point, current_dependencies = current.entry_point, current.dependencies
            current_parameters = declarations_of(current.declared_parameters)
        language = get_language(script.language)
        content = body.content if body.content is not None else current_content
        dependencies = _stored(body.dependencies) if body.dependencies is not None else current_dependencies
        parameters = _effective(script.language, body.parameters if body.parameters is not None else current_parameters, content)
        entry_point = body.entry_point
        if entry_point is None:
            entry_point = current_entry_point
            if current_entry_point == language.default_entry_point(current_content):
                # A default entry point follows the content (Java's follows the public class).
                entry_point = None
        try:
            entry_point = resolve_entry_point(language, content, entry_point)
        except ValueError as error:
            raise ValidationFailed([{"field": "entry_point", "message": str(error)}]) from None
        warnings = self._check_syntax(script.language, entry_point, content, dependencies) if body.content is not None else []
        with self.sessions() as session, session.begin():
            script = self._visible_script(session, caller, script_id)
            if script.latest_version != base_version:
                raise Conflict(f"the script changed to version {script.latest_version} while this update was checked; "
                               "reload and apply your change again")
            now = utcnow()
            version = parse_version(base_version).bump(body.version_bump.value)
            digest = self._store_blob(session, content)
            session.add(self._new_version(script, version, digest, entry_point, dependencies, parameters, caller, now))
            changes = body.changes()
            if changes.get("name", script.name) != script.name:
                self._refuse_duplicate_name(session, script.created_by, changes["name"], script.id)
            for field, value in changes.items():
                setattr(script, field, value.value if isinstance(value, Visibility) else value)
            script.latest_version = str(version)
            script.updated_at, script.updated_by = now, caller.name
            try:
                with session.begin_nested():
                    session.flush()
            except IntegrityError as error:  # a concurrent update took this version number, or the name
                self._refuse_duplicate_name(session, script.created_by, script.name, script.id)
                raise Conflict(f"version {version} was just created by another update; reload and try again") from error
        metrics.SCRIPT_VERSIONS.labels(script_id).inc()
        return {**self.get(caller, script_id), "warnings": warnings}

    @staticmethod
    def _refuse_duplicate_name(session: Session, owner: str, name: str, other_than: str | None = None) -> None:
        existing = same_name_of_owner(session, owner, name, other_than)
        if existing is not None:
            raise duplicate_name(existing)

    @classmethod
    def _flush_name(cls, session: Session, owner: str, name: str) -> None:
        """Flush a new script; another server creating the same name meanwhile is the same 409."""
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            cls._refuse_duplicate_name(session, owner, name)
            raise

    @staticmethod
    def _require_authenticated(caller: Caller, action: str) -> None:
        # Before any look-up: an anonymous write is refused with 401 whether or
        # not the script exists or is visible, so the answer reveals nothing.
        if not caller.authenticated:
            raise Unauthenticated(f"to {action} a script, authenticate (Authorization: token <t>)")

    @classmethod
    def _require_writer(cls, caller: Caller, script: Script, action: str) -> None:
        cls._require_authenticated(caller, action)
        if not can_write(caller, script):
            raise Forbidden(f"only the script's creator or an admin may {action} it")

    def delete(self, caller: Caller, script_id: str) -> None:
        self._require_authenticated(caller, "delete")
        with self.sessions() as session, session.begin():
            script = self._visible_script(session, caller, script_id)
            self._require_writer(caller, script, "delete")
            script.deleted_at = utcnow()


def _stored(dependencies: list[Dependency] | list[dict]) -> list[dict]:
    """Dependencies as versions store them: [{name, version, scope}]."""
    return [d.model_dump(mode="json") if isinstance(d, Dependency) else d for d in dependencies]


# (the record's declarations, the effective ones with the inline block's)
_Parameters = tuple[list[ParameterDeclaration], list[ParameterDeclaration]]


def _effective(language: str, declared: list[ParameterDeclaration], content: str) -> _Parameters:
    """Checked at save time: a bad inline block or a conflict with the record is a 400 naming the place."""
    return declared, effective_parameters(declared, content, get_language(language).line_comment)


def _parameters_view(version: ScriptVersion) -> dict[str, Any]:
    parameters = version.parameters or []
    return {"parameters": parameters, "parameters_schema": parameters_schema(declarations_of(parameters))}
