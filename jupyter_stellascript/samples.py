"""Starting points the JupyterLab panel offers: the sample scripts
(``samples/<language>/``) to clone, and one small template per language
(``templates/<language>/``) for a new script."""

from __future__ import annotations

from pathlib import Path

from .languages import LANGUAGES, UnknownLanguage, language_for_file


def samples_dir() -> Path:
    """``samples/``, in a wheel (``_samples``) or a checkout."""
    packaged = Path(__file__).parent / "_samples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "samples"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("the sample scripts (samples/) are missing from this installation")


def list_samples() -> list[dict]:
    """Every sample: language, file name, a one-line summary and its content."""
    items = []
    for path in sorted(samples_dir().glob("*/*")):
        if not path.is_file() or path.parent.name not in LANGUAGES:
            continue
        try:
            language = language_for_file(path.name)
        except UnknownLanguage:
            continue  # a README or data file beside the samples, not a script
        if language.name != path.parent.name:
            continue
        content = path.read_text(encoding="utf-8")
        # A clone keeps description and tags (the panel creates it with them).
        items.append({"language": language.name, "file": path.name, "name": path.stem,
                      "summary": _summary(content), "description": _description(content),
                      "tags": ["sample", language.name], "content": content})
    return items


def templates_dir() -> Path:
    return Path(__file__).parent / "templates"


def list_templates() -> list[dict]:
    """One template per language: a script that greets ``name`` from its arguments."""
    items = []
    for language in LANGUAGES:
        files = sorted(p for p in (templates_dir() / language).glob("*") if p.is_file())
        if len(files) != 1:
            raise FileNotFoundError(f"the {language} template is missing from {templates_dir() / language}")
        items.append({"language": language, "file": files[0].name, "content": files[0].read_text(encoding="utf-8")})
    return items


def _description(content: str) -> str:
    """The first paragraph of the sample's leading comment or docstring, as one line."""
    lines = []
    for line in content.splitlines():
        text = line.strip().lstrip("#/*\"'").strip()
        if text.startswith(("!", "usr/bin", "package ", "using ", "import ")):
            continue
        if not text:
            if lines:
                break
            continue
        lines.append(text)
    return " ".join(lines)[:1000]


def _summary(content: str) -> str:
    """The first line of the sample's leading comment or docstring."""
    for line in content.splitlines():
        text = line.strip().lstrip("#/*\"'").strip()
        if not text or text.startswith(("!", "usr/bin", "package ", "using ", "import ")):
            continue
        return text[:200]
    return ""
