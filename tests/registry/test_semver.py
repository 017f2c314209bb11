"""Version numbers of scripts."""

import pytest

from jupyter_stellascript.registry.semver import Version, parse_version


@pytest.mark.parametrize(
    ("start", "bump", "expected"),
    [("1.0.0", "patch", "1.0.1"), ("1.2.9", "minor", "1.3.0"), ("1.9.9", "major", "2.0.0"), ("0.0.0", "patch", "0.0.1")],
)
def test_bumps(start: str, bump: str, expected: str) -> None:
    assert str(parse_version(start).bump(bump)) == expected


@pytest.mark.parametrize("text", ["1.0", "01.0.0", "1.0.0-beta", "v1.0.0", "", "1..0"])
def test_malformed_versions_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_version(text)


def test_versions_order_numerically_not_as_text() -> None:
    assert parse_version("1.10.0") > parse_version("1.9.0")
    assert Version(2, 0, 0) > Version(1, 99, 99)


def test_unknown_bump_is_refused() -> None:
    with pytest.raises(ValueError, match="version_bump"):
        parse_version("1.0.0").bump("huge")
