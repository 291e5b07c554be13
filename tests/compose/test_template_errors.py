"""A template of the user's `templates:` folder that fails is said as theirs: its file, its line
and what is wrong, by `preview`, `send` and the daemon, not as an internal error to report."""

from __future__ import annotations

from digest.compose.render import builtin_templates

from conftest import make_dump

TOP_PAPER = "Top paper: {{ papers[0].title }}\n"  # fails for a reader with nothing today (send_empty)


def _templates(ws, name: str, first_lines: str) -> None:
    folder = ws.root / "my-templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(first_lines + (builtin_templates() / name).read_text())
    with ws.config_path.open("a") as config:
        config.write("templates: my-templates\n")


def _readers(ws) -> None:
    ws.profile("ada", "email: ada@example.org\ninterests: [spiking neural networks]\n")
    ws.profile("dan", "email: dan@example.org\ninterests: [basket weaving]\nsend_empty: true\n")
    ws.dump("d.txt", make_dump("Mar 14", [("Spiking neural networks at the edge", "Spiking nets.")]))
    assert ws.cli("ingest").exit_code == 0


def test_a_value_the_users_template_asks_for_that_is_not_there_is_said_with_its_file_and_line(
    mail_workspace, smtp_server
):
    """The user saw 'internal error: UndefinedError: list object has no element 0 (set
    DIGEST_DEBUG=1 ... please report it)' from `preview`, and the daemon's log named no file."""
    ws = mail_workspace
    _templates(ws, "digest.txt.j2", "\n\n" + TOP_PAPER)
    _readers(ws)
    where = f"{ws.root / 'my-templates' / 'digest.txt.j2'}, line 3: list object has no element 0"
    preview = ws.cli("preview", "dan", "--text")
    assert preview.exit_code == 1, preview.output
    assert f"error: {where} (a template of your `templates:` folder: fix it" in preview.output
    assert "internal error" not in preview.output
    sent = ws.cli("send")  # ada's digest goes; dan's fails alone, saying why
    assert sent.exit_code == 1
    (dan,) = [line for line in sent.output.splitlines() if line.startswith("dan ")]
    assert f"FAILED: cannot build the message: {where}" in dan
    assert [m.rcpt_tos for m in smtp_server.messages] == [["ada@example.org"]]


def test_a_syntax_error_in_the_users_html_template_is_said_with_its_file_and_line(workspace):
    _templates(workspace, "digest.html.j2", "{% if %}\n")
    _readers(workspace)
    preview = workspace.cli("preview", "ada")
    assert preview.exit_code == 1, preview.output
    where = workspace.root / "my-templates" / "digest.html.j2"
    assert f"error: {where}, line 1: Expected an expression" in preview.output


def test_a_templates_folder_that_is_not_there_is_said_with_its_line_not_passed_over(workspace):
    """`templates: my-templats` (one letter short of the folder of the user's own versions):
    `preview` showed the built-in template, exit 0, and `send` sent it, with not a word."""
    _templates(workspace, "digest.txt.j2", "Mine: ")
    _readers(workspace)
    config = workspace.config_path.read_text().replace("templates: my-templates", "templates: my-templats")
    workspace.config_path.write_text(config)
    line = config.splitlines().index("templates: my-templats") + 1
    for command in (("preview", "ada", "--text"), ("status",)):
        result = workspace.cli(*command)
        assert result.exit_code == 1, result.output
        assert (
            f"line {line}: templates: {workspace.root / 'my-templats'} is not a folder: make it and put "
            "your versions of the built-in templates there (digest.html.j2, digest.txt.j2, digest.css), "
            "or fix the path"
        ) in result.output, result.output
    (workspace.root / "my-templats").write_text("")  # a file of that name is no folder either
    assert "my-templats is not a folder: " in workspace.cli("preview", "ada", "--text").output
