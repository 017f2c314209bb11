"""The masker on its own: every form of a value, and values split across chunks."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import quote

import pytest

from jupyter_stellascript.secrets.masking import MASK, Masker, mask_json

VALUE = "p@ss w/rd+Ünï"


@pytest.mark.parametrize("form", [
    VALUE,
    base64.b64encode(VALUE.encode()).decode(),
    base64.b64encode(VALUE.encode()).decode().rstrip("="),
    base64.urlsafe_b64encode(VALUE.encode()).decode(),
    quote(VALUE, safe=""),
    quote(VALUE, safe="").replace("%20", "+"),
    json.dumps(VALUE)[1:-1],  # ensure_ascii: \u00dc for Ü
])
def test_each_form_is_masked(form: str) -> None:
    assert Masker([VALUE]).text(f"before {form} after") == f"before {MASK} after"


def test_a_value_with_quotes_is_masked_inside_printed_json() -> None:
    value = 'ab"c\\d\n'
    printed = json.dumps({"password": value}) + " " + json.dumps({"password": value}, ensure_ascii=False)
    assert value not in printed  # the printed document holds only the escaped form
    assert Masker([value]).text(printed) == f'{{"password": "{MASK}"}} {{"password": "{MASK}"}}'


def test_short_values_mask_only_themselves() -> None:
    masker = Masker(["abc"])
    assert masker.text("xabcx YWJj") == f"x{MASK}x YWJj"  # YWJj is base64 of abc: too short to mask


def test_json_masks_keys_and_values() -> None:
    assert mask_json({"token": ["a s3cret b", 1, None], "s3cret": True}, ["s3cret"]) == {
        "token": [f"a {MASK} b", 1, None], MASK: True}


def _streamed(masker: Masker, text: bytes, sizes: list[int]) -> bytes:
    stream, out, position = masker.stream(), [], 0
    for size in sizes:
        out.append(stream.feed(text[position:position + size]))
        position += size
    out.append(stream.feed(text[position:]))
    out.append(stream.flush())
    return b"".join(out)


def test_a_value_split_across_two_chunks_is_masked() -> None:
    masker = Masker(["hunter2-secret"])
    text = b"line one hunter2-secret and again hunter2-secret\n"
    for split in range(1, len(text)):
        assert _streamed(masker, text, [split]) == b"line one *** and again ***\n", split


def test_random_chunking_never_leaks_and_keeps_the_rest() -> None:
    values = ["s3cr3t-value", "another one!"]
    masker = Masker(values)
    rng = random.Random(13)
    for _ in range(300):
        pieces = [rng.choice([values[0], values[1], "x", "yy\n", "s3cr3t", "another", "é"]) for _ in range(20)]
        text = "".join(pieces).encode()
        sizes = [rng.randint(0, 7) for _ in range(rng.randint(0, 30))]
        assert _streamed(masker, text, sizes) == masker.text(text.decode()).encode()


def test_the_stream_holds_back_at_most_the_longest_form() -> None:
    masker = Masker(["abcdefgh"])
    stream = masker.stream()
    emitted = stream.feed(b"z" * 100)
    assert len(emitted) >= 100 - masker.longest + 1
