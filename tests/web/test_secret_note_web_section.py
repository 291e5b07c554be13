"""The note of `digest send` (and the daemon's, and `digest serve`'s) when $DIGEST_SECRET is exported
and the config names no web.secret_env, for a config that has a `web:` section already (its port,
its host): the line to add goes under it. Before, it said "add `web: {secret_env: DIGEST_SECRET}` to
the config", and a config so added to was refused by every command: "config.yaml: not valid YAML, line
11, column 1: 'web' is given twice (first on line 9)". A config with no `web:` is told that line as
before (tests/cli/test_send_secret_not_named.py, tests/web/test_serve_secret_not_named.py).

Real parts: real `digest send --dry-run` and `digest serve` processes, the config file on disk."""

from __future__ import annotations

import os
import subprocess
import sys

from test_serve_secret_not_named import served_note

SECRET = "x" * 64
UNDER_WEB = "add `secret_env: DIGEST_SECRET` under the config's `web:`"


def dry_run(ws, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "digest", "--config", str(ws.config_path), "send", "--dry-run"]
    environ = {k: v for k, v in os.environ.items() if k != "DIGEST_SECRET"} | env
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=120)


def test_the_line_to_add_goes_under_the_web_section_the_config_has(workspace):
    ws = workspace
    ws.config_path.write_text(
        ws.config_path.read_text() + "base_url: https://digest.example.org\nweb:\n  port: 8081\n"
    )
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    said = dry_run(ws, DIGEST_SECRET=SECRET)
    assert said.returncode == 0, said.stderr
    assert f"web.secret_env: {UNDER_WEB} to sign the links with it).\n" in said.stderr, said.stderr
    assert f"web.secret_env: {UNDER_WEB} to sign them, and the emails' links, with it)." in served_note(
        ws, DIGEST_SECRET=SECRET
    )

    # done as said: the config reads, and the note is not said again
    ws.config_path.write_text(
        ws.config_path.read_text().replace("web:\n", "web:\n  secret_env: DIGEST_SECRET\n")
    )
    done = dry_run(ws, DIGEST_SECRET=SECRET)
    assert done.returncode == 0 and "secret" not in done.stderr, done.stderr  # was: "'web' is given twice"


def test_without_base_url_it_is_named_beside(workspace):
    ws = workspace
    ws.config_path.write_text(ws.config_path.read_text() + "web:\n  port: 8081\n")
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    said = dry_run(ws, DIGEST_SECRET=SECRET).stderr
    beside = (
        ", and base_url (the address `digest serve` is reached at, e.g. "
        "`base_url: https://digest.example.org`) to the config to sign the links"
    )
    assert f"{UNDER_WEB}{beside}" in said, said


def test_a_web_section_that_sets_only_the_defaults_is_added_to_as_well(workspace):
    # Before: `web:` setting only what is the default anyway (port 8025, host 127.0.0.1, `web:` with
    # nothing) was told "add `web: {secret_env: DIGEST_SECRET}` ... to the config", and the config so
    # added to refused: "'web' is given twice"
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()
    for section in ("web:\n  port: 8025\n", "web:\n  host: 127.0.0.1\n", "web:\n"):
        ws.config_path.write_text(plain + "base_url: https://digest.example.org\n" + section)
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {UNDER_WEB} to sign the links with it).\n" in said.stderr, said.stderr
        ws.config_path.write_text(  # done as said
            ws.config_path.read_text().replace("web:\n", "web:\n  secret_env: DIGEST_SECRET\n")
        )
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_each_config_done_as_the_note_says_is_read_and_the_note_goes(workspace):
    """No `web:` (with base_url or without), `web:` of other keys without base_url: each line added
    as the note says (base_url given a value), the config reads and the note is not said again."""
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()
    base_url = "base_url: https://digest.example.org\n"
    for given, said, added in (
        (
            "",
            "add `web: {secret_env: DIGEST_SECRET}` and base_url",
            "web: {secret_env: DIGEST_SECRET}\n" + base_url,
        ),
        (
            base_url,
            "add `web: {secret_env: DIGEST_SECRET}` to the config",
            "web: {secret_env: DIGEST_SECRET}\n",
        ),
        ("web:\n  port: 8081\n", f"{UNDER_WEB}, and base_url", base_url),
    ):
        ws.config_path.write_text(plain + given)
        note = dry_run(ws, DIGEST_SECRET=SECRET)
        assert note.returncode == 0 and f"web.secret_env: {said}" in note.stderr, note.stderr
        text = ws.config_path.read_text()
        if said.startswith(UNDER_WEB):  # the line under the section there
            text = text.replace("web:\n", "web:\n  secret_env: DIGEST_SECRET\n")
        ws.config_path.write_text(text + added)
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_a_web_section_in_braces_is_told_to_take_the_key_inside_them(workspace):
    # Before: `web: {port: 8081}` (and `web: {}`) was told "add `secret_env: DIGEST_SECRET` under the
    # config's `web:`", and the line so added under it made every command refuse the config: "not valid
    # YAML, line 11, column 3: while parsing a block mapping ...: did not find expected key"
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text() + "base_url: https://digest.example.org\n"
    inside = "add `secret_env: DIGEST_SECRET` inside the braces of the config's `web: {...}`"
    for braced, done_so in (
        ("web: {port: 8081}\n", "web: {port: 8081, secret_env: DIGEST_SECRET}\n"),
        ("web: {}\n", "web: {secret_env: DIGEST_SECRET}\n"),
        ("web: {\n  port: 8081\n}\n", "web: {\n  port: 8081, secret_env: DIGEST_SECRET\n}\n"),
    ):
        ws.config_path.write_text(plain + braced)
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {inside} to sign the links with it).\n" in said.stderr, said.stderr
        ws.config_path.write_text(plain + done_so)  # done as said
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr
    ws.config_path.write_text(plain + "web: {host: 127.0.0.1}\n")  # `digest serve` says it so too
    assert f"web.secret_env: {inside} to sign them" in served_note(ws, DIGEST_SECRET=SECRET)


def test_a_web_section_written_null_is_told_to_replace_that_line(workspace):
    # Before: `web: ~` (and `web: null`) was told "add `secret_env: DIGEST_SECRET` under the config's
    # `web:`", and the line so added under it made every command refuse the config: "not valid YAML,
    # line 12, column 13: mapping values are not allowed in this context"
    # `web: !!null ''` and `web: !!null` (a null written by its tag) were told that line too, and
    # following it was refused alike: "line 12, column 3: while parsing a block mapping ...: did not
    # find expected key", "line 11, column 6: expected a scalar node, but found mapping"
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()
    for null in ("~", "null", "Null", "NULL", "!!null ''", '!!null ""', "!!null", "!!null ~"):
        ws.config_path.write_text(plain + f"web: {null}\n")
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        replace = f"replace the config's `web: {null}` with `web: {{secret_env: DIGEST_SECRET}}`"
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {replace}, and add base_url (" in said.stderr, said.stderr
        # done as said
        text = plain + "web: {secret_env: DIGEST_SECRET}\nbase_url: https://digest.example.org\n"
        ws.config_path.write_text(text)
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr
    ws.config_path.write_text(plain + "base_url: https://digest.example.org\nweb: ~\n")  # `digest serve` too
    replace = "replace the config's `web: ~` with `web: {secret_env: DIGEST_SECRET}` to sign them"
    assert f"web.secret_env: {replace}" in served_note(ws, DIGEST_SECRET=SECRET)


def test_a_written_null_is_told_alike_in_a_config_saved_with_a_byte_order_mark(workspace):
    # Before (a config saved by an editor with a byte-order mark, e.g. Notepad's "UTF-8 with BOM"):
    # `web: ~` was told "add `secret_env: DIGEST_SECRET` under the config's `web:`" (libyaml's marks
    # do not count the mark, and the null's text was taken one character early: " "), `web: null`
    # "replace the config's `web: nul`", `web: !!null ''` "replace the config's `web: !!null '`"
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()
    for null in ("~", "null", "!!null ''", "!!null"):
        ws.config_path.write_text("\ufeff" + plain + f"web: {null}\n", encoding="utf-8")
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        replace = f"replace the config's `web: {null}` with `web: {{secret_env: DIGEST_SECRET}}`"
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {replace}, and add base_url (" in said.stderr, said.stderr
        # done as said
        text = "\ufeff" + plain + "web: {secret_env: DIGEST_SECRET}\nbase_url: https://digest.example.org\n"
        ws.config_path.write_text(text, encoding="utf-8")
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_a_web_section_null_by_an_alias_is_told_to_replace_the_alias_it_is_written_as(workspace):
    # Before: `templates: &n ~` ... `web: *n` was told "replace the config's `web: &n ~`", a line
    # the config does not hold (the null's text was taken where it is anchored); `web: *a` of an
    # anchor alone (`templates: &a`) was told "add `secret_env: DIGEST_SECRET` under the config's
    # `web:`", a line under an alias YAML refuses
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()
    aliased = (("&n ~", "*n"), ("&n null", "*n"), ("&empty", "*empty"), ("&n ~", "*n  # no web"))
    for anchored, alias in aliased:
        ws.config_path.write_text(f"templates: {anchored}\n" + plain + f"web: {alias}\n")
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        written = alias.split()[0]
        replace = f"replace the config's `web: {written}` with `web: {{secret_env: DIGEST_SECRET}}`"
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {replace}, and add base_url (" in said.stderr, said.stderr
        # done as said
        text = f"templates: {anchored}\n" + plain + "web: {secret_env: DIGEST_SECRET}\n"
        ws.config_path.write_text(text + "base_url: https://digest.example.org\n")
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_an_anchored_null_web_section_names_the_aliases_of_its_anchor_to_write_as_null(workspace):
    # Before: `web: &a !!null` with `templates: *a` below was told "replace the config's `web: &a
    # !!null` with `web: {secret_env: DIGEST_SECRET}`", and the config so mended was refused by every
    # command: "not valid YAML, line 10, column 12: found undefined alias" (the anchor went with the
    # line). Now the aliases are named, with the null they stood for; with none, the line alone.
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()  # 8 lines: `web:` on line 9
    for null, aliases, where in (
        ("&a !!null", "templates: *a\n", " and `*a` (line 10) with `~`"),
        ('!!null &a ""', "templates: *a  # *a\nbase_url: *a\n", " and `*a` (lines 10, 11) with `~`"),
        ("&a ~", "# templates: *a\n", ""),
    ):
        ws.config_path.write_text(plain + f"web: {null}\n" + aliases)
        said = dry_run(ws, DIGEST_SECRET=SECRET)
        replace = f"replace the config's `web: {null}` with `web: {{secret_env: DIGEST_SECRET}}`{where}"
        assert said.returncode == 0, said.stderr
        assert f"web.secret_env: {replace}, and " in said.stderr, said.stderr
        # done as said
        text = plain + "web: {secret_env: DIGEST_SECRET}\n" + aliases.replace("*a", "~")
        ws.config_path.write_text(
            text + ("" if "base_url" in aliases else "base_url: https://digest.example.org\n")
        )
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_a_base_url_written_null_is_told_to_be_replaced_not_added(workspace):
    # Before: `base_url: ~` (or `base_url: *a` of a null anchored elsewhere, or `base_url:` with
    # nothing) was told "add `web: {secret_env: DIGEST_SECRET}` and base_url (...) to the config",
    # and the config so added to was refused by every command: "'base_url' is given twice"
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text()  # 8 lines
    address = "the address `digest serve` is reached at (e.g. `base_url: https://digest.example.org`)"
    url = "https://digest.example.org"
    for given, said, done_so in (
        ("base_url: ~\n", f"replace the config's `base_url: ~` with {address}", f"base_url: {url}\n"),
        (
            "templates: &a ~\nbase_url: *a\n",
            f"replace the config's `base_url: *a` with {address}",
            f"templates: &a ~\nbase_url: {url}\n",
        ),
        (
            "base_url: &a ~\ntemplates: *a\n",
            f"replace the config's `base_url: &a ~` with {address} and `*a` (line 10) with `~`",
            f"base_url: {url}\ntemplates: ~\n",
        ),
        (
            "base_url:\n",
            "write the address `digest serve` is reached at after the config's `base_url:` "
            "(e.g. `base_url: https://digest.example.org`)",
            f"base_url: {url}\n",
        ),
    ):
        ws.config_path.write_text(plain + given)
        note = dry_run(ws, DIGEST_SECRET=SECRET)
        add = "add `web: {secret_env: DIGEST_SECRET}` to the config"
        assert note.returncode == 0, note.stderr
        assert f"web.secret_env: {add}, and {said} to sign the links with it).\n" in note.stderr, note.stderr
        # done as said
        text = plain + "web: {secret_env: DIGEST_SECRET}\n" + done_so
        ws.config_path.write_text(text)
        done = dry_run(ws, DIGEST_SECRET=SECRET)
        assert done.returncode == 0 and "secret" not in done.stderr, done.stderr


def test_a_web_section_anchored_alone_that_an_alias_names_is_told_to_replace_the_line(workspace):
    # Before: `web: &a` (nothing after the anchor) with `templates: *a` below was told "add
    # `secret_env: DIGEST_SECRET` under the config's `web:`", and the config so mended made
    # `templates: *a` the web mapping: refused, "templates: must be a folder ...". Now it is told as
    # `web: &a ~` is; with no alias naming it, the line under it as before.
    ws = workspace
    ws.profile("ada", "email: ada@example.org\ninterests: [neuromorphic]\n")
    plain = ws.config_path.read_text() + "base_url: https://digest.example.org\n"  # `web:` on line 10
    ws.config_path.write_text(plain + "web: &a\ntemplates: *a\n")
    said = dry_run(ws, DIGEST_SECRET=SECRET)
    replace = (
        "replace the config's `web: &a` with `web: {secret_env: DIGEST_SECRET}` and `*a` (line 11) with `~`"
    )
    assert said.returncode == 0, said.stderr
    assert f"web.secret_env: {replace} to sign the links with it).\n" in said.stderr, said.stderr
    ws.config_path.write_text(plain + "web: {secret_env: DIGEST_SECRET}\ntemplates: ~\n")  # done as said
    done = dry_run(ws, DIGEST_SECRET=SECRET)
    assert done.returncode == 0 and "secret" not in done.stderr, done.stderr
    ws.config_path.write_text(plain + "web: &a\n")  # no alias: the line under it, as before
    assert f"web.secret_env: {UNDER_WEB} to sign the links" in dry_run(ws, DIGEST_SECRET=SECRET).stderr
