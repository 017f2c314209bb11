"""/dependencies/resolve and /dependencies/search: the package managers, asked directly."""

from __future__ import annotations

import asyncio

from tornado import web

from ..dependencies import DependencyError, has_resolver
from ..languages import UnknownLanguage, get_language
from ..registry.errors import Unauthenticated, ValidationFailed
from .base import StellaHandler

# Errors in what was asked (400); the rest are the source's or the engine's (502).
INPUT_ERRORS = ("malformed", "conflict", "unknown_package", "unknown_version", "unsupported")


def _language(name) -> str:
    if not isinstance(name, str) or not name:
        raise ValidationFailed([{"field": "language", "message": "language is required"}])
    try:
        language = get_language(name).name
    except UnknownLanguage as error:
        raise ValidationFailed([{"field": "language", "message": str(error)}]) from None
    return language


def _failed(error: DependencyError) -> Exception:
    if error.kind in INPUT_ERRORS:
        return ValidationFailed([{"field": "dependencies", "message": str(error)}])
    return web.HTTPError(502, "%s", str(error))


class ResolveHandler(StellaHandler):
    async def post(self) -> None:
        # It runs a package manager with network access: not for anonymous callers.
        if not self.caller.authenticated:
            raise Unauthenticated("resolving dependencies needs an authenticated user")
        body = self.json_body()
        language = _language(body.get("language"))
        if not has_resolver(language):
            raise ValidationFailed([{"field": "language", "message": f"dependencies are not supported for {language} yet"}])
        declared = body.get("dependencies", [])
        content = body.get("content", "")
        if not isinstance(declared, list) or not isinstance(content, str):
            raise ValidationFailed([{"field": "dependencies", "message": "dependencies must be a list and content text"}])
        declared = [{"name": item} if isinstance(item, str) else item for item in declared]
        problems = [{"field": f"dependencies[{index}]", "message": "each dependency is a string or {name, version, scope}"}
                    for index, item in enumerate(declared) if not isinstance(item, dict) or not isinstance(item.get("name"), str)]
        if problems:
            raise ValidationFailed(problems)
        try:
            engine = self.stella.engine(wait_s=30)
        except Exception as error:  # EngineNotReady
            raise web.HTTPError(503, "%s", f"the container engine is not available: {error}") from None
        derived = engine.derived_images
        try:
            requirements = derived.requirements(language, content, declared)
            if not requirements:
                raise ValidationFailed([{"field": "dependencies", "message": "no dependencies to resolve"}])
            lock = await asyncio.to_thread(derived.resolve, language, engine.image_for(get_language(language)), requirements)
        except DependencyError as error:
            raise _failed(error) from None
        self.send_json({
            "language": language, "source": lock.source, "command": lock.command, "tool": lock.tool,
            "runtime": lock.runtime, "requested": list(lock.requested),
            "packages": [package.to_dict() for package in lock.packages],
            "lock_file": lock.lock_file, "lock_sha256": lock.sha256,
        })


class SearchHandler(StellaHandler):
    async def get(self) -> None:
        language = _language(self.get_query_argument("language", None))
        query = self.get_query_argument("q", "").strip()
        if not query:
            raise ValidationFailed([{"field": "q", "message": "q (what to search for) is required"}])
        if not has_resolver(language):
            raise ValidationFailed([{"field": "language", "message": f"dependency search is not supported for {language}"}])
        from ..dependencies import resolver_for

        resolver = resolver_for(language)
        settings = self.stella.config.dependency_settings()
        try:
            items = await asyncio.to_thread(resolver.search, query, settings)
        except DependencyError as error:
            if error.kind == "unsupported":
                raise ValidationFailed([{"field": "language", "message": str(error)}]) from None
            raise _failed(error) from None
        self.send_json({"language": language, "query": query, "source": settings.source(resolver.ecosystem), "items": items})
