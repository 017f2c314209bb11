"""The ${{ }} evaluator: its vocabulary, GitHub's semantics, and nothing beyond."""

from __future__ import annotations

import pytest

from jupyter_stellascript.workflows.expressions import (
    Context,
    ExpressionError,
    condition,
    evaluate,
    parse,
    references,
    render,
)

CONTEXT = Context(
    inputs={"base_url": "https://example.test", "hosts": ["a", "b"], "threshold": "90", "flag": False},
    steps={"smoke": {"outputs": {"summary": "ok", "count": 3, "nested": {"k": [1, 2]}}, "status": "Succeeded"},
           "disk": {"outputs": {}, "status": "Failed"}},
    item="a", has_item=True,
)


@pytest.mark.parametrize(("expression", "value"), [
    ("inputs.base_url", "https://example.test"),
    ("inputs.hosts", ["a", "b"]),
    ("inputs.hosts[1]", "b"),
    ("inputs['hosts'][0]", "a"),
    ("steps.smoke.outputs.summary", "ok"),
    ("steps.smoke.outputs.nested.k[1]", 2),
    ("steps.smoke.outputs.missing", None),
    ("steps.absent.outputs.x", None),
    ("item", "a"),
    ("steps.smoke.status == 'succeeded'", True),  # text compares without case, as GitHub's
    ("steps.disk.status != 'Succeeded'", True),
    ("inputs.threshold == 90", True),  # different types compare as numbers
    ("inputs.threshold > 100", False),
    ("steps.smoke.outputs.count >= 3 && steps.smoke.outputs.count < 4", True),
    ("inputs.flag || 'fallback'", "fallback"),  # || and && give an operand
    ("inputs.base_url && steps.smoke.outputs.count", 3),
    ("!inputs.flag", True),
    ("!(1 == 1)", False),
    ("'it''s'", "it's"),
    ('"double \\"quoted\\""', 'double "quoted"'),
    ("-1.5 < 0", True),
    ("null == inputs.missing", True),
    ("true && !false", True),
    ("always()", True),
])
def test_values(expression, value):
    assert evaluate(expression, CONTEXT) == value


def test_status_functions_follow_the_needed_steps_and_the_cancel():
    failed = Context(needs_succeeded=False, needs_failed=True)
    assert evaluate("failure()", failed) is True and evaluate("success()", failed) is False
    assert condition("${{ failure() }}", failed) and not condition("${{ success() }}", failed)
    # Without a status function a condition also needs the needed steps to have succeeded.
    assert not condition("1 == 1", failed) and condition("1 == 1", Context())
    cancelled = Context(cancelled=True)
    assert condition("${{ always() }}", cancelled) and condition("cancelled()", cancelled)
    assert not condition("success()", cancelled) and not condition("true", cancelled)


def test_templates_keep_a_whole_expression_typed_and_write_text_within_text():
    assert render("${{ inputs.hosts }}", CONTEXT) == ["a", "b"]
    assert render("  ${{ steps.smoke.outputs.count }} ", CONTEXT) == 3
    assert render("smoke: ${{ steps.smoke.outputs.summary }} of ${{ inputs.hosts }}, "
                  "${{ inputs.flag }} ${{ inputs.missing }}.", CONTEXT) == 'smoke: ok of ["a", "b"], false .'
    assert render("no expressions", CONTEXT) == "no expressions"


@pytest.mark.parametrize("expression", [
    "__import__('os').system('true')",   # a call of anything but the status functions
    "inputs.base_url.upper()",           # a method
    "open('/etc/passwd')",
    "inputs.__class__.__mro__",          # attribute names are keys of JSON data: not found, null
    "lambda: 1",
    "[x for x in inputs]",
    "1 + 1",                             # no arithmetic
    "inputs.hosts[0:1]",
    "os.environ",                        # names outside inputs, steps and item
    "item.x",
])
def test_it_refuses_or_finds_nothing_outside_its_vocabulary(expression):
    context = Context(inputs={"hosts": ["a"]})
    try:
        value = evaluate(expression, context)
    except ExpressionError:
        return
    assert value is None, f"{expression!r} gave {value!r}"


def test_unknown_functions_and_syntax_errors_name_the_problem():
    with pytest.raises(ExpressionError, match=r"unknown function system\(\)"):
        evaluate("system()", CONTEXT)
    with pytest.raises(ExpressionError, match="cannot parse .* at column"):
        parse("inputs.a ==")
    with pytest.raises(ExpressionError, match="unknown name 'env'"):
        evaluate("env.HOME", CONTEXT)


def test_references_list_what_an_expression_reads():
    assert [str(r) for r in references(parse("steps.smoke.outputs.summary == inputs.x || item"))] == [
        "steps.smoke.outputs.summary", "inputs.x", "item"]


def test_two_expressions_side_by_side_are_text():
    assert render("${{ inputs.threshold }}/${{ steps.smoke.status }}", CONTEXT) == "90/Succeeded"
