"""A reader's keywords edited on the preferences page while others are changed elsewhere (the
operator's `digest profile add` and `remove`): the 409's form merges them keyword by keyword, in
Chromium with JavaScript and without, and saving again keeps both sides' changes."""

from __future__ import annotations

import pytest
import yaml

PROFILE = """\
name: Ada Lovelace
email: ada@example.org
interests:
  spiking neural networks: 3
  neuromorphic: 2
  event cameras: 1.5
  quantum memory: 1
"""
BOTH = {"javascript": True, "no-javascript": False}


def conflict(web_workspace, browser, javascript, typed, *elsewhere, removed=None):
    """Ada's page with ``typed`` filled in (a field: its text), the keyword ``removed`` removed
    (by its button, or without JavaScript by clearing it) and "tidal memory" added; her file
    changed meanwhile by the commands ``elsewhere``; Save (the 409). The keywords and weights
    the 409's page shows, its notice, and the file's interests once saved again from it."""
    path = web_workspace.profile("ada", PROFILE)
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 720})
    page = context.new_page()
    with web_workspace.serve():
        url = web_workspace.page_url()
        if javascript:
            with page.expect_response(lambda r: r.url.endswith("/version")):
                page.goto(url)
        else:
            page.goto(url)
        for field, value in typed.items():
            page.fill(field, value)
        if removed and javascript:
            page.click(f"[aria-label='Remove {removed}']")
        elif removed:
            page.fill(f"[name=kw][value='{removed}']", "")
        page.fill("#new-kw", "tidal memory")
        if javascript:
            page.click("#add")
        for command in elsewhere:
            assert web_workspace.cli("profile", *command).exit_code == 0
        if javascript:
            page.locator("#status").filter(has_text="changed elsewhere").wait_for()
        saves = lambda r: r.request.method == "POST" and not r.url.endswith("/preview")  # noqa: E731
        with page.expect_response(saves, timeout=10_000) as answer:
            page.click("#save")
        assert answer.value.status == 409
        page.wait_for_load_state()
        kws, ws = page.locator("#interests [name=kw]").all(), page.locator("#interests [name=weight]").all()
        rows = {kw.input_value(): float(w.input_value()) for kw, w in zip(kws, ws, strict=True)}
        notice = page.text_content(".notice")
        page.click("#save")
        page.locator(".notice").filter(has_text="Saved.").wait_for()
    context.close()
    return rows, notice, yaml.safe_load(path.read_text())["interests"]


NEUROMORPHIC = "[aria-label='Weight of neuromorphic']"


@pytest.mark.parametrize("javascript", BOTH.values(), ids=BOTH.keys())
def test_a_409_merges_the_keywords_row_by_row(web_workspace, browser, javascript):
    # The keywords were one field: the reader's weight of neuromorphic typed, robots added
    # elsewhere, the 409 kept the reader's whole list ("Interests" was changed elsewhere too) and
    # saving again dropped robots, put quantum memory back and spiking neural networks back to 3.
    elsewhere = (
        ("add", "ada", "robots"),
        ("add", "ada", "spiking neural networks", "--weight", "5"),
        ("remove", "ada", "quantum memory"),
    )
    rows, notice, saved = conflict(
        web_workspace, browser, javascript, {NEUROMORPHIC: "4"}, *elsewhere, removed="event cameras"
    )
    wanted = {"spiking neural networks": 5, "neuromorphic": 4, "tidal memory": 1, "robots": 1}
    assert rows == wanted and saved == wanted  # the reader's edits, and the others' too
    assert "changed elsewhere too" not in notice


@pytest.mark.parametrize("javascript", BOTH.values(), ids=BOTH.keys())
def test_a_keyword_changed_on_both_sides_keeps_the_readers(web_workspace, browser, javascript):
    elsewhere = (
        ("add", "ada", "neuromorphic", "--weight", "6"),
        ("add", "ada", "event cameras", "--weight", "7"),
        ("remove", "ada", "quantum memory"),
    )
    typed = {NEUROMORPHIC: "4", "[aria-label='Weight of quantum memory']": "2"}
    rows, notice, saved = conflict(
        web_workspace, browser, javascript, typed, *elsewhere, removed="event cameras"
    )
    wanted = {"spiking neural networks": 3, "neuromorphic": 4, "quantum memory": 2, "tidal memory": 1}
    assert rows == wanted and saved == wanted
    assert (
        'The keyword "neuromorphic" was changed elsewhere too: its weight is now 6; the form keeps' in notice
    )
    assert '"event cameras" was changed elsewhere too: its weight is now 7; the form leaves it out' in notice
    assert 'The keyword "quantum memory" was removed elsewhere; the form keeps what you typed.' in notice
    assert "spiking" not in notice and "tidal" not in notice


@pytest.mark.parametrize("javascript", BOTH.values(), ids=BOTH.keys())
def test_the_same_change_on_both_sides_is_not_said(web_workspace, browser, javascript):
    # '"At" was changed elsewhere too: it is now 09:30; the form keeps what you typed.' was said
    # of the very 09:30 the reader had typed (and so of the excluded terms)
    elsewhere = (
        ("add", "ada", "neuromorphic", "--weight", "4"),
        ("set", "ada", "send_at", "09:30"),
        ("exclude", "ada", "robotics"),
    )
    typed = {NEUROMORPHIC: "4", "#send_at": "09:30", "#exclude": "robotics"}
    rows, notice, saved = conflict(web_workspace, browser, javascript, typed, *elsewhere)
    wanted = {"spiking neural networks": 3, "neuromorphic": 4, "event cameras": 1.5, "quantum memory": 1}
    assert rows == saved == {**wanted, "tidal memory": 1}
    assert "changed elsewhere" not in notice
