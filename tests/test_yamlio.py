"""YAML in one place: PyYAML reads (safe, bounded, with lines), ruamel.yaml writes round-trip edits
that PyYAML reads back as written."""

from __future__ import annotations

import pytest
import yaml

from digest import yaml_comments, yaml_edit, yamlio
from digest.errors import ConfigError


def test_a_billion_laughs_document_is_refused_not_expanded():
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        name, prev = chr(ord("a") + i), chr(ord("a") + i - 1)
        levels.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]")
    with pytest.raises(ConfigError, match="aliases expand to more than 100,000 values"):
        yamlio.load("\n".join(levels) + "\n", "bomb.yaml", ConfigError)


def test_a_recursive_alias_is_refused_and_a_few_aliases_are_fine():
    with pytest.raises(ConfigError, match="without end"):
        yamlio.load("a: &a [1, *a]\n", "loop.yaml", ConfigError)
    assert yamlio.load("a: &x [1, 2]\nb: *x\n", "ok.yaml", ConfigError) == {"a": [1, 2], "b": [1, 2]}


def test_syntax_errors_name_the_file_line_and_column():
    with pytest.raises(ConfigError, match=r"^c.yaml: not valid YAML, line 2, column 1: while parsing"):
        yamlio.load("database: [unclosed\n", "c.yaml", ConfigError)


def test_a_tab_is_named_where_the_error_points_at_it_and_only_there():
    tab = "a tab"
    indents = "a tab indents this line; YAML indents with spaces only: replace the tab with spaces"
    with pytest.raises(ConfigError) as info:  # indenting
        yamlio.load("interests:\n\t- a\n", "p.yaml", ConfigError)
    assert str(info.value) == f"p.yaml: not valid YAML, line 2, column 1: {indents}"
    with pytest.raises(ConfigError) as info:  # after a dash
        yamlio.load("interests:\n  - a\n  -\tb\n", "p.yaml", ConfigError)
    said = "line 3, column 4: a tab, where YAML takes only spaces: replace the tab with a space"
    assert str(info.value) == f"p.yaml: not valid YAML, {said}"
    # a tab elsewhere on the line, where nothing is wrong with it, was named as the cause too
    for text in ('title: "a\tb" x: y\n', "k: [a,\tb]]\n", "a: b\t: c\n"):
        with pytest.raises(ConfigError) as info:
            yamlio.load(text, "p.yaml", ConfigError)
        assert tab not in str(info.value), text


def test_a_tab_that_libyaml_names_itself_is_said_plainly():
    # 'email: dan@example.org' then a tab-indented key: libyaml said "while scanning a plain scalar
    # (from line 1, column 8): found a tab character that violates indentation", with no fix, and
    # the fix added after libyaml's words kept them
    cases = {
        "email: dan@example.org\n\tsend_at: '07:00'\n": "line 2, column 1: ",
        "interests:\n  - robots\n\t- drones\n": "line 3, column 1: ",
        "note: |\n  first\n\tsecond\n": "line 3, column 1: ",  # a block scalar's own words
    }
    for text, where in cases.items():
        with pytest.raises(ConfigError) as info:
            yamlio.load(text, "p.yaml", ConfigError)
        assert str(info.value) == (
            f"p.yaml: not valid YAML, {where}a tab indents this line; YAML indents with spaces only: "
            "replace the tab with spaces"
        )


def test_a_key_given_twice_is_refused_with_both_lines_and_a_merge_key_still_overrides():
    text = 'email: a@x.org\nsend_at: "07:00"\ninterests: [x]\nsend_at: "19:00"\n'
    with pytest.raises(
        ConfigError, match=r"^p.yaml: .* line 4, column 1: 'send_at' is given twice \(first on line 2\)"
    ):
        yamlio.load(text, "p.yaml", ConfigError)
    with pytest.raises(ConfigError, match=r"line 2, column 11: 'c' is given twice"):
        yamlio.load("a: 1\nb: {c: 1, c: 2}\n", "p.yaml", ConfigError)
    merged = yamlio.load("base: &b {x: 1, y: 1}\nd:\n  <<: *b\n  x: 2\n", "m.yaml", ConfigError)
    assert merged["d"] == {"x": 2, "y": 1}
    assert yamlio.load("a: 1\nA: 2\n", "case.yaml", ConfigError) == {"a": 1, "A": 2}
    chain = "defaults: {c: &c {x: 1}, b: &b {<<: *c, x: 2}}\nd: {<<: *b}\ne: {<<: *b}\n"
    assert set(yamlio.load(chain, "chain.yaml", ConfigError)) == {"defaults", "d", "e"}  # merges of merges


def test_mappings_remember_the_line_of_each_key():
    data = yamlio.load("# top\na: 1\nb:\n  c: 2\n", "x.yaml", ConfigError)
    assert (data.line("a"), data.line("b"), data["b"].line("c"), data.line("zz")) == (2, 3, 4, None)


def test_lists_remember_the_line_of_each_item():
    data = yamlio.load("a:\n  - x\n  # note\n  - [y, z]\nb: [1,\n  2]\n", "x.yaml", ConfigError)
    assert data == {"a": ["x", ["y", "z"]], "b": [1, 2]}
    assert (data["a"].line(0), data["a"].line(1), data["b"].line(1), data["a"].line(2)) == (2, 4, 6, None)


def test_times_are_text_and_the_rest_is_yaml_1_1():
    data = yamlio.load("a: 17:30\nb: 07:30\nc: yes\nd: 010\ne: 0o10\nf: 1e-05\ng: 1.5\n", "x", ConfigError)
    assert data == {"a": "17:30", "b": "07:30", "c": True, "d": 8, "e": "0o10", "f": "1e-05", "g": 1.5}


@pytest.mark.parametrize(
    "text", ["yes", "No", "on", "off", "0o10", "010", "1e-05", "17:30", "08:15", " x", "#x", "~"]
)
def test_an_edit_quotes_the_strings_yaml_1_1_would_read_otherwise(text):
    doc = yaml_edit.Document("k: 1\n", "p.yaml", ConfigError)
    doc.data["v"] = yaml_edit.scalar(text)
    new, reread = doc.dump()
    assert reread["v"] == text and yaml.safe_load(new)["v"] == text
    assert new.split("v: ")[1][0] in "'\"", new  # quoted (by scalar(), or by ruamel for YAML 1.2)


def test_plain_strings_stay_plain_and_floats_are_written_as_yaml_1_1_floats():
    doc = yaml_edit.Document("# keep me\nk: 1   # and me\n", "p.yaml", ConfigError)
    doc.data["name"] = yaml_edit.scalar("Europe/Paris")
    doc.data["small"] = 1e-05
    doc.data["weight"] = 2.5
    new, reread = doc.dump()
    assert new == "# keep me\nk: 1   # and me\nname: Europe/Paris\nsmall: 1.0e-05\nweight: 2.5\n"
    assert reread["small"] == 1e-05 and yaml.safe_load(new)["small"] == 1e-05


def test_an_edit_of_an_alias_bomb_is_refused_before_anything_is_changed():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8)
    )
    with pytest.raises(ConfigError, match="aliases expand"):
        yaml_edit.Document(bomb, "p.yaml", ConfigError)


@pytest.mark.parametrize(
    ("before", "name", "item", "after"),
    [
        # the last item: the empty list or mapping goes on its key's line, with the key's comment
        ("e: 1\nexclude:   # mine\n  - survey\nz: 1\n", "exclude", 0, "e: 1\nexclude: [] # mine\nz: 1\n"),
        ("e: 1\ni:   # kw\n  a: 2\n# about z\nz: 1\n", "i", "a", "e: 1\ni: {} # kw\n# about z\nz: 1\n"),
        ("e: 1\ni: [a]\nx: 1\n", "i", 0, "e: 1\ni: []\nx: 1\n"),
        # the comment lines and blank lines after an item stay where they were
        ("i:\n  - a  # a\n  - b  # b\n# about z\n\nz: 1\n", "i", 1, "i:\n  - a  # a\n# about z\n\nz: 1\n"),
        ("i:\n  a: 1  # a\n  b: 2  # b\n# about z\nz: 1\n", "i", "b", "i:\n  a: 1  # a\n# about z\nz: 1\n"),
        ("i:  # kw\n  - a\n  # about b\n  - b\n", "i", 0, "i:  # kw\n  # about b\n  - b\n"),
        ("i:\n  a: 1\n  # about b\n  b: 2\n", "i", "a", "i:\n  # about b\n  b: 2\n"),
        # an item's own comment goes with it; the others keep theirs
        ("i:\n  - a  # a\n  - b  # b\n  - c  # c\n", "i", 1, "i:\n  - a  # a\n  - c  # c\n"),
    ],
)
def test_removing_an_item_keeps_every_other_line_and_the_file_parses(before, name, item, after):
    doc = yaml_edit.Document(before, "p.yaml", ConfigError)
    yaml_comments.remove(doc.data, name, item)
    new, reread = doc.dump()  # dump() re-reads it: a file that does not parse would raise here
    assert new == after


@pytest.mark.parametrize(
    ("before", "key", "after"),
    [
        ("e: 1\nweekday: fri  # x\n# about z\nz: 1\n", "weekday", "e: 1\n# about z\nz: 1\n"),
        ("# head\nweekday: fri\n# about e\ne: 1\n", "weekday", "# head\n# about e\ne: 1\n"),
        (
            "i:\n  - a\n  - b\nweekday: fri\n# about z\nz: 1\n",
            "weekday",
            "i:\n  - a\n  - b\n# about z\nz: 1\n",
        ),
    ],
)
def test_removing_a_key_keeps_the_comment_lines_after_it(before, key, after):
    doc = yaml_edit.Document(before, "p.yaml", ConfigError)
    yaml_comments.drop(doc.data, key)
    assert doc.dump()[0] == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a: 1\n# k: 2   # help\nb: 2\n", "a: 1\nk: 5     # help\nb: 2\n"),
        ('a: 1\n# k: ["C#"]      # help\n', "a: 1\nk: 5             # help\n"),  # a # in the value
        ("a: 1\n# k: set it on holiday\nb: 2\n", "a: 1\n# k: set it on holiday\nb: 2\nk: 5\n"),  # prose
        (
            "a:\n  x: 1\n# k: 2   # help\n  y: 2\n",
            "a:\n  x: 1\n# k: 2   # help\n  y: 2\nk: 5\n",
        ),  # in a block
        ("a: 1\n# k: 2  # one\n# k: 3  # two\n", "a: 1\n# k: 2  # one\n# k: 3  # two\nk: 5\n"),  # which one?
        ("a: 1\n", "a: 1\nk: 5\n"),  # nothing to replace
    ],
)
def test_a_key_an_edit_adds_takes_the_place_of_the_comment_line_that_shows_it(before, after):
    doc = yaml_edit.Document(before, "p.yaml", ConfigError)
    doc.data["k"] = 5
    assert doc.dump(uncomment=["k"])[0] == after


def test_the_help_of_a_commented_setting_is_the_last_comment_on_its_line():
    doc = yaml_edit.Document('a: 1\n# k: "x  # y"   # help\n', "p.yaml", ConfigError)
    doc.data["k"] = 5
    assert doc.dump(uncomment=["k"])[0] == "a: 1\nk: 5" + " " * 12 + "# help\n"  # at the help's column
    tabbed = yaml_edit.Document("a: 1\n# k: 2\t# help\n", "p.yaml", ConfigError)
    tabbed.data["k"] = 5
    assert tabbed.dump(uncomment=["k"])[0] == "a: 1\nk: 5   # help\n"
