"""Reading line and column out of each toolchain's diagnostics (the text is
what the real tools print; the end-to-end checks live in tests/handlers)."""

import pytest

from jupyter_stellascript.languages import get_language


@pytest.mark.parametrize(
    ("language", "output", "line", "column"),
    [
        ("typescript", "bad.ts(2,5): error TS2322: Type 'string' is not assignable to type 'number'.", 2, 5),
        ("csharp", "/scripts/x.cs(3,5): error CS1002: ; expected", 3, 5),
        ("go", "./x.go:3:5: undefined: foo", 3, 5),
        ("java", "/scripts/H.java:3: error: ';' expected\n    int x = 1\n             ^", 3, 14),
        ("python", "/scripts/x.py:4:7: invalid syntax", 4, 7),
        ("bash", "/scripts/x.sh: line 3: syntax error near unexpected token `fi'\n/scripts/x.sh: line 3: `fi'", 3, None),
    ],
)
def test_one_diagnostic_with_position(language: str, output: str, line: int, column: int | None) -> None:
    diagnostics = get_language(language).parse_diagnostics(output)
    assert len(diagnostics) == 1, diagnostics
    assert (diagnostics[0]["line"], diagnostics[0]["column"]) == (line, column)
    assert diagnostics[0]["message"]


def test_summary_lines_are_not_diagnostics() -> None:
    assert get_language("csharp").parse_diagnostics("Compilation failed: 1 error(s), 0 warnings") == []
