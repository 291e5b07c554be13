"""A value mistyped among a setting's choices (`kind: hf_dialy`, `frequency: weekley`) is told the
choice it is close to, as a mistyped key is told the key (`did you mean max_papers?`); one close
to none is told the choices alone."""

from __future__ import annotations

from click.testing import CliRunner

from digest.cli import main

SOURCES = "sources:\n  - kind: hf_dialy\n  - kind: hf_daily\n    day: yesterdy\n  - kind: arxiv_listing\n"
SOURCES += "    categories: [cs.CL]\n    feed: xml\n"


def digest(tmp_path, config: str, *args: str):
    for folder in ("inbox", "profiles"):
        (tmp_path / folder).mkdir(exist_ok=True)
    path = tmp_path / "config.yaml"
    path.write_text("database: d.db\ninbox: inbox\nprofiles: profiles\n" + config)
    return CliRunner().invoke(main, ["--config", str(path), *args])


def test_a_mistyped_choice_in_the_config_is_told_the_choice_it_is_close_to(tmp_path):
    result = digest(tmp_path, SOURCES + "smtp:\n  from: a@example.org\n  security: startls\n", "status")
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        "  - line 5: sources[0].kind: 'hf_dialy' is not one of hf_daily, arxiv_listing, url "
        "(did you mean hf_daily?)",
        "  - line 7: sources[1].day: 'yesterdy' is not one of yesterday, today (did you mean yesterday?)",
        "  - line 10: sources[2].feed: 'xml' is not one of rss, atom",
        "  - line 13: smtp.security: 'startls' is not one of none, starttls, ssl (did you mean starttls?)",
    ]


def test_a_mistyped_choice_in_a_profile_is_told_the_choice_it_is_close_to(tmp_path):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "ada.yaml").write_text(
        "email: ada@example.org\nfrequency: weekley\ninterests: [robots]\n"
    )
    result = digest(tmp_path, "", "profile", "show", "ada")
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "  - line 2: frequency: 'weekley' is not one of daily, weekdays, weekly (did you mean weekly?)"
    )
