"""An address written inside mailto: or <> (a name before it) with another slip too is told the
address alone mended, or each slip: never an address to write that is as invalid as the one
written (split from test_slip_notes.py)."""

from __future__ import annotations

import pytest
from helpers.profile_refusal import ADDRESS, refused


@pytest.mark.parametrize(
    ("line", "told"),
    [
        # was told "(write the address alone, ada@@example.org; the name goes under name:)"
        (
            'email: "<ada@@example.org>"',
            f"{ADDRESS} (write the address alone, without <>; two @: an address has one: ada@example.org?)",
        ),
        (
            'email: "Ada <ada@example.org@example.org>"',
            f"{ADDRESS} (write the address alone, without <> (the name goes under name:); two @: an address "
            "has one, before its domain)",
        ),
        ('email: "<ada@example>"', f"{ADDRESS} (write the address alone, without <>)"),
        # was told "(two @: an address has one, before its domain)", not a word of the mailto:
        (
            "email: mailto:ada@@example.org",
            f"{ADDRESS} (write the address alone, without mailto:; two @: an address has one: "
            "ada@example.org?)",
        ),
        # was told nothing
        (
            "email: mailto:ada@example,org",
            f"{ADDRESS} (write the address alone, without mailto:; a comma for a point? ada@example.org)",
        ),
        # valid once taken out: as before
        (
            'email: "Ada <ada@example.org>"',
            f"{ADDRESS} (write the address alone, ada@example.org; the name goes under name:)",
        ),
    ],
)
def test_an_address_in_mailto_or_brackets_with_another_slip_is_told_each(workspace, line, told):
    assert refused(workspace, f"{line}\ninterests: [robots]\n").endswith(told)
