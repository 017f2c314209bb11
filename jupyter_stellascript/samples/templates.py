"""One small template per language (``templates/<language>/``): the panel's New script starts from it."""

from __future__ import annotations

from pathlib import Path


def templates_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "templates"


def list_templates() -> list[dict]:
    """One template per language: a script that greets ``name`` from its arguments."""
    from ..languages import LANGUAGES

    items = []
    for language in LANGUAGES:
        files = sorted(p for p in (templates_dir() / language).glob("*") if p.is_file())
        if len(files) != 1:
            raise FileNotFoundError(f"the {language} template is missing from {templates_dir() / language}")
        items.append({"language": language, "file": files[0].name, "content": files[0].read_text(encoding="utf-8")})
    return items
