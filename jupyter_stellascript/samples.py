"""The sample scripts shipped with Stella Script (``samples/<language>/``),
offered by the JupyterLab panel as starting points to clone."""

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
        items.append({"language": language.name, "file": path.name, "name": path.stem,
                      "summary": _summary(content), "content": content})
    return items


def _summary(content: str) -> str:
    """The first line of the sample's leading comment or docstring."""
    for line in content.splitlines():
        text = line.strip().lstrip("#/*\"'").strip()
        if not text or text.startswith(("!", "usr/bin", "package ", "using ", "import ")):
            continue
        return text[:200]
    return ""
