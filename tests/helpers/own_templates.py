"""A `templates:` folder of the user's own, as the web tests make it."""

from __future__ import annotations

from pathlib import Path

from digest.compose.render import builtin_templates


def own_prefs_page(config_path: Path) -> Path:
    """my-templates beside ``config_path`` with its own preferences page (the built-in one, its
    body marked ``data-mine``), named as the config's `templates:`; the folder."""
    mine = config_path.parent / "my-templates"
    (mine / "web").mkdir(parents=True)
    prefs = (builtin_templates() / "web" / "prefs.html.j2").read_text()
    (mine / "web" / "prefs.html.j2").write_text(
        prefs.replace("{% block body_attrs %}", "{% block body_attrs %} data-mine", 1)
    )
    with config_path.open("a") as config:
        config.write("templates: my-templates\n")
    return mine
