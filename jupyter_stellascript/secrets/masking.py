"""Masking delivered secret values in what a run writes.

Each value is replaced by ``***``, and so are its JSON-escaped forms (a
script that prints a JSON document holding the value writes ``\"`` for ``"``
and ``\u00fc`` or ``ü`` for ``ü``), its base64 (standard and url-safe, with
and without padding) and URL-encoded forms when the value is 4 characters or
longer (shorter forms would mask ordinary text). Output comes
in chunks, and a value may be split across two: :class:`StreamMasker` holds
back the last ``longest form - 1`` bytes of a stream until the next chunk or
the end, so a value is always seen whole.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_FORM_CHARS = 4


def forms(value: str) -> set[str]:
    """The texts that stand for ``value`` in output."""
    found = {value} if value else set()
    if value:
        # Inside a JSON string: quotes, backslashes and control characters are
        # escaped, and non-ASCII is escaped too unless ensure_ascii is off.
        found |= {json.dumps(value, ensure_ascii=ascii_only)[1:-1] for ascii_only in (True, False)}
    if len(value) >= MIN_FORM_CHARS:
        raw = value.encode("utf-8")
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            found |= {text, text.rstrip("=")}
        found |= {quote(value, safe=""), quote_plus(value, safe=""), quote(value)}
    return {form for form in found if form}


class Masker:
    """Masks the forms of a set of values, in text and in bytes."""

    def __init__(self, values: Iterable[str]) -> None:
        # Longest first: a form that contains a shorter one is masked whole.
        texts = sorted({form for value in values for form in forms(value)}, key=lambda form: (-len(form), form))
        self.longest = max((len(text.encode("utf-8")) for text in texts), default=0)
        self._text = re.compile("|".join(map(re.escape, texts))) if texts else None
        self._bytes = re.compile(b"|".join(re.escape(text.encode("utf-8")) for text in texts)) if texts else None

    def __bool__(self) -> bool:
        return self._text is not None

    def text(self, text: str | None) -> str | None:
        if not text or self._text is None:
            return text
        return self._text.sub(MASK, text)

    def json(self, value: Any) -> Any:
        """``value`` (JSON data: an execution's outputs) with every string, key or value, masked."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(key): self.json(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.json(item) for item in value]
        return value

    def stream(self) -> "StreamMasker":
        return StreamMasker(self)


class StreamMasker:
    """One stream's masking across chunks, keeping at most ``longest - 1`` bytes back."""

    def __init__(self, masker: Masker) -> None:
        self._pattern = masker._bytes
        self._keep = max(masker.longest - 1, 0)
        self._tail = b""

    def feed(self, data: bytes) -> bytes:
        """The masked part of everything so far that can no longer be the start of a value."""
        if self._pattern is None:
            return data
        buffer = self._tail + data
        cut = len(buffer) - self._keep  # a form starting at or after cut may continue in the next chunk
        out, position = [], 0
        for match in self._pattern.finditer(buffer):
            if match.start() >= cut:
                break
            out += [buffer[position:match.start()], MASK.encode()]
            position = match.end()  # a form that starts before cut is wholly in the buffer
        end = max(cut, position)
        out.append(buffer[position:end])
        self._tail = buffer[end:]
        return b"".join(out)

    def flush(self) -> bytes:
        """The rest, at the end of the stream."""
        rest, self._tail = self._tail, b""
        return self._pattern.sub(MASK.encode(), rest) if self._pattern is not None and rest else rest


NO_MASKING = Masker(())


def mask_json(value: Any, values: Iterable[str]) -> Any:
    """``value`` with every form of ``values`` masked (for an execution's outputs)."""
    return Masker(values).json(value)
