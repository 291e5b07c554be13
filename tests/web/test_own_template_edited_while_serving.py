"""A template of the user's `templates:` folder edited while `digest serve` runs: the reader's
digest page (the email as `send` would send it now) is made with the edited one, as README says
("Your folder is read again as its files change") and as the daemon's next pass and `digest
preview` use it. The real app on a thread, over HTTP."""

from __future__ import annotations

import json
import logging
import urllib.request
from pathlib import Path

from helpers.live_page import edit_reloads, page_text, touch

from digest.compose.render import builtin_templates
from digest.web.versions import email_template_files

from conftest import make_dump

H1 = '<h1 class="title">'


def edition(template, n: str) -> None:
    """The user's digest.html.j2: the built-in one, its heading beginning "Edition ``n``"."""
    edited = template.exists()
    builtin = (builtin_templates() / "digest.html.j2").read_text()
    template.write_text(builtin.replace(H1, f"{H1}Edition {n}: ", 1))
    if edited:
        touch(template)


def own_templates_page(ws) -> tuple[Path, str]:
    """The folder my-templates made and named in the config (``templates:``), ada's paper of Mar 14
    ingested: the user's digest.html.j2 there (not written yet) and the address of ada's digest
    page."""
    template = ws.root / "my-templates" / "digest.html.j2"
    template.parent.mkdir()
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")
    ws.profile("ada", "name: Ada\nemail: ada@example.org\ninterests: [robotics]\n")
    ws.dump("day.txt", make_dump("Mar 14", [("Robotics Study", "Robots.")]))
    assert ws.cli("ingest").exit_code == 0
    return template, ws.page_url() + "/digest"


def test_the_digest_page_shows_the_users_template_as_edited_since_serve_started(web_workspace, caplog):
    # Before: the page kept "Edition one" until `digest serve` was restarted (or its config
    # changed): the site's Renderer had read the email templates once, as it was made
    ws = web_workspace
    caplog.set_level(logging.INFO, logger="digest.web.site")
    template, url = own_templates_page(ws)
    edition(template, "one")
    with ws.serve():
        with urllib.request.urlopen(url) as page:
            assert "Edition one: " in page.read().decode()
        edition(template, "two")
        with urllib.request.urlopen(url) as page:
            shown = page.read().decode()
        heading = shown[shown.find("<h1") :][:160]
        assert "Edition two: " in shown, heading
        assert f"templates in {template.parent} read again: the digest's pages use them now" in caplog.text

        template.write_text("{% if %}half-written\n")  # said, the edition before kept
        touch(template)
        with urllib.request.urlopen(url) as page:
            assert "Edition two: " in page.read().decode()
        said = f"templates not read again: {template}, line 1: "
        assert said in caplog.text and "going on with the one read before" in caplog.text, caplog.text
        edition(template, "three")
        with urllib.request.urlopen(url) as page:
            assert "Edition three: " in page.read().decode()


def test_a_file_the_users_template_includes_is_read_again_as_it_changes(web_workspace):
    # Before: the page kept "Footer one" until digest.html.j2 itself was saved again (or `digest
    # serve` restarted): a file it includes is spliced into it as it is compiled, and only the
    # folder's digest.html.j2, digest.txt.j2 and digest.css were watched
    ws = web_workspace
    template, url = own_templates_page(ws)
    builtin = (builtin_templates() / "digest.html.j2").read_text()
    template.write_text(builtin.replace(H1, H1 + '{% include "footer.html" %}', 1))
    footer = template.parent / "footer.html"
    footer.write_text("Footer one: ")
    with ws.serve():
        assert "Footer one: " in page_text(url)
        # the live page reloads, the page made with it, as `digest preview` and the daemon
        edit_reloads(ws, url, footer, lambda: footer.write_text("Footer two: "), "Footer two: ")
        # another file included since: watched from then on
        (template.parent / "signature.html").write_text("Signed one: ")
        template.write_text(builtin.replace(H1, H1 + '{% include "signature.html" %}', 1))
        touch(template)
        with urllib.request.urlopen(url) as page:
            assert "Signed one: " in page.read().decode()
        (template.parent / "signature.html").write_text("Signed two: ")
        touch(template.parent / "signature.html", 2)
        with urllib.request.urlopen(url) as page:
            assert "Signed two: " in page.read().decode()


def test_a_template_the_users_template_extends_or_imports_reloads_the_open_page(web_workspace):
    # Before: an edit of the base template digest.html.j2 extends (or of the macros it imports)
    # was used at the next load of the page, but an open live page (digest?live=1, the preview
    # of the preferences page) did not reload itself: its poll's content version stood for the
    # folder's digest* files and the files digest.html.j2 includes alone
    ws = web_workspace
    template, url = own_templates_page(ws)
    builtin = (builtin_templates() / "digest.html.j2").read_text()
    base = template.parent / "mail-base.html.j2"
    base.write_text(builtin.replace(H1, H1 + "{% block edition %}{% endblock %}{{ m.mark() }}", 1))
    macros = template.parent / "macros.j2"
    macros.write_text("{% macro mark() %}Mark one: {% endmacro %}")
    template.write_text(
        '{% extends "mail-base.html.j2" %}{% import "macros.j2" as m %}'
        "{% block edition %}Edition one: {% endblock %}"
    )
    with ws.serve():
        assert "Mark one: " in page_text(url)
        mark = macros.read_text().replace("Mark one: ", "Mark two: ")
        edit_reloads(ws, url, macros, lambda: macros.write_text(mark), "Mark two: ")
        based = base.read_text().replace(H1, H1 + "Base two: ", 1)
        edit_reloads(ws, url, base, lambda: base.write_text(based), "Base two: ")


def test_macros_in_a_linked_subfolder_reload_the_open_page(web_workspace):
    # Review: before, the folder's files were walked without following a subfolder that is a
    # symbolic link (parts -> ../shared-parts, macros shared by several configs), which Jinja reads
    # through: an edit of parts/macros.j2 was used at the next load, but the open page's poll
    # answered the same content version, as README says it would not
    ws = web_workspace
    template, url = own_templates_page(ws)
    shared = ws.root / "shared-parts"
    shared.mkdir()
    macros = shared / "macros.j2"
    macros.write_text("{% macro mark() %}Mark one: {% endmacro %}")
    (template.parent / "parts").symlink_to(shared, target_is_directory=True)
    (shared / "up").symlink_to(template.parent, target_is_directory=True)  # a loop: walked once
    builtin = (builtin_templates() / "digest.html.j2").read_text()
    template.write_text('{% import "parts/macros.j2" as m %}' + builtin.replace(H1, H1 + "{{ m.mark() }}", 1))
    with ws.serve():
        assert "Mark one: " in page_text(url)
        mark = "{% macro mark() %}Mark two: {% endmacro %}"
        edit_reloads(ws, url, macros, lambda: macros.write_text(mark), "Mark two: ")


def test_the_files_watched_are_each_listed_once_through_a_looping_link(tmp_path):
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "macros.j2").write_text("")
    (tmp_path / "parts" / "up").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "prefs.html.j2").write_text("")
    (tmp_path / "digest.html.j2").write_text("")
    found = email_template_files(tmp_path)
    assert found == [str(tmp_path / "digest.html.j2"), str(tmp_path / "parts" / "macros.j2")]


def test_an_editors_autosave_and_backup_do_not_reload_the_open_page_its_save_does(web_workspace):
    # Before: Emacs's auto-save #digest.html.j2# of an unsaved edit (written again every few
    # hundred keystrokes) and the backup digest.html.j2~ each changed the poll's content version:
    # the open live page reloaded at each auto-save, showing the template as last saved
    ws = web_workspace
    template, url = own_templates_page(ws)
    edition(template, "one")
    with ws.serve():

        def polled() -> str:
            with urllib.request.urlopen(ws.page_url() + "/version") as answer:
                return json.load(answer)["content"]

        before = polled()
        for left in ("#digest.html.j2#", "digest.html.j2~", ".#digest.html.j2", ".digest.html.j2.swp"):
            (template.parent / left).write_text("{% if %}an unsaved edit\n")
            assert polled() == before, left
        edition(template, "two")  # saved
        assert polled() != before
        with urllib.request.urlopen(url) as page:
            assert "Edition two: " in page.read().decode()


def test_vims_probe_file_beside_a_template_it_saves_does_not_reload_the_open_page(web_workspace):
    # vim's `:w` of a template (backupcopy=auto, as it is by default) makes the file 4913 beside
    # it and removes it at once (it tries whether it may make files there; 5036, 5159, ... where
    # that name is taken), then renames the template to digest.html.j2~ and writes it anew
    # (strace of vim 9.0). Before: a poll that met the probe found the content changed and the
    # open page reloaded, the template not yet written: once for nothing, and again once it was.
    # A backup copy someone makes (digest.html.j2.bak) or patch's digest.html.j2.orig is not an
    # editor's: it is a file of the folder as any other (a template may include it)
    ws = web_workspace
    template, _ = own_templates_page(ws)
    edition(template, "one")
    with ws.served():

        def polled() -> str:
            with urllib.request.urlopen(ws.page_url() + "/version", timeout=60) as answer:
                return json.load(answer)["content"]

        before = polled()
        for probe in ("4913", "5036"):
            (template.parent / probe).write_bytes(b"")
            assert polled() == before, probe
            (template.parent / probe).unlink()
        (template.parent / "2024").write_text("")  # a name of digits that is not vim's: a file of the folder
        assert polled() != before
