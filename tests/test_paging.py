"""The one paging rule: limit 1..500, offset 0..2**63-1 (the databases' integers); else a 400 naming the field."""

from __future__ import annotations

import pytest

from jupyter_stellascript.errors import ValidationFailed
from jupyter_stellascript.paging import MAX_OFFSET, Page


def test_a_page_within_the_rule():
    assert Page.of(500, MAX_OFFSET) == Page(500, MAX_OFFSET)


@pytest.mark.parametrize(("limit", "offset", "field"), [(0, 0, "limit"), (501, 0, "limit"), (50, -1, "offset"),
                                                       (50, MAX_OFFSET + 1, "offset")])
def test_a_page_outside_the_rule_names_its_field(limit, offset, field):
    with pytest.raises(ValidationFailed) as refused:
        Page.of(limit, offset)
    assert [problem["field"] for problem in refused.value.errors] == [field]
