"""A weight the preferences form refuses is said as the reader typed it, as the command line says
it (`digest profile add --weight 1e-400`: "1e-400 is not in the range"), never as the number
Python would read it as: a raw POST (the browser's own min and max stop these first) of 1e-400
was refused as "weight 0", 1e400 as "weight inf", -0 as "weight 0", and the field came back
"0" or "inf"; 1_0 was saved as 10. The form's papers a digest (max_papers) likewise: 1e-400 and -0
were "got 0". The real app on a loopback port, its form token, urllib."""

from __future__ import annotations

import html
import urllib.error
import urllib.parse
import urllib.request

import pytest

from digest.signing import Signer

from conftest import NOW, WebWorkspace

PROFILE = "email: ada@example.org\ninterests:\n  robotics: 2\n"
WANTED = "is not a positive number up to 100"


@pytest.fixture
def ws(web_workspace: WebWorkspace) -> WebWorkspace:
    web_workspace.profile("ada", PROFILE)
    return web_workspace


def save(ws: WebWorkspace, weight: str, **fields: str) -> tuple[int, str]:
    """ada's form sent with robotics's weight typed as ``weight`` (and ``fields``): the answer's
    status and page."""
    signer = Signer.from_config(ws.config)
    token = signer.token("ada", NOW)
    form = {
        "csrf": signer.form_token(token),
        "kw": "robotics",
        "weight": weight,
        "send_at": "07:00",
        **fields,
    }
    data = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(f"{ws.base_url}/u/{token}", data=data, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("1e-400", f"weight 1e-400 {WANTED}"),  # was: weight 0
        ("-0", f"weight -0 {WANTED}"),  # was: weight 0
        ("0", f"weight 0 {WANTED}"),
        ("101", f"weight 101 {WANTED}"),
        ("1e400", f"weight '1e400' {WANTED}"),  # was: weight inf
        ("inf", f"weight 'inf' {WANTED}"),
        ("nan", f"weight 'nan' {WANTED}"),
        ("1_0", f"weight '1_0' {WANTED}"),  # was: saved, as 10
        ("0,5", f"weight '0,5' {WANTED} (write decimals with a point: 0.5)"),
    ],
)
def test_a_refused_weight_is_said_and_shown_back_as_typed(ws, typed, said):
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        status, page = save(ws, typed)
    page = html.unescape(page)
    assert status == 422
    assert f"interests.robotics: {said}" in page
    assert f'name="weight" value="{typed}"' in page  # the field as typed, to mend
    assert path.read_text() == PROFILE


def test_a_weight_in_the_range_written_with_an_exponent_is_saved(ws):
    with ws.serve():
        status, page = save(ws, "2.5e-1")  # its 303 followed: the page again
    assert status == 200 and "Saved." in page
    assert "robotics: 0.25" in (ws.root / "profiles" / "ada.yaml").read_text()


@pytest.mark.parametrize("typed", ["1e-400", "-0", "0", "1001"])
def test_a_refused_number_of_papers_is_said_as_typed(ws, typed):
    """The form's other number field: 1e-400 and -0 were "got 0"."""
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        status, page = save(ws, "2", max_papers=typed)
    page = html.unescape(page)
    assert status == 422
    said = f"max_papers: must be a whole number from 1 to 1000, got {typed}</pre>"  # all of it
    assert said in page
    assert f'value="{typed}"' in page
    assert path.read_text() == PROFILE


@pytest.mark.parametrize(("weight", "papers"), [("1e-400", "5"), ("0,5", "5"), ("2", "-0")])
def test_a_number_said_as_typed_does_not_hide_the_form_s_other_mistakes(ws, weight, papers):
    """Every mistake of the form said at once, in the order of its fields, as before: a weight or a
    number of papers refused as typed was said alone, the time of day refused with it left for
    the next save."""
    path = ws.root / "profiles" / "ada.yaml"
    with ws.serve():
        status, page = save(ws, weight, max_papers=papers, send_at="25:00")
    page = html.unescape(page)
    assert status == 422
    weight_said = {
        "1e-400": f"weight 1e-400 {WANTED}",
        "0,5": f"weight '0,5' {WANTED} (write decimals with a point: 0.5)",
    }
    said = [
        *([f"interests.robotics: {weight_said[weight]}"] if weight != "2" else []),
        "send_at: '25:00' is not a time of day like \"07:30\"",
        *(["max_papers: must be a whole number from 1 to 1000, got -0"] if papers == "-0" else []),
    ]
    assert (
        "ada.yaml: invalid profile:" + "".join(f"\n  - {s}" for s in said) + "</pre>" in page
    )  # all, in order
    assert path.read_text() == PROFILE
