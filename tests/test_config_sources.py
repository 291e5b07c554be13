"""The config's `sources:`: read with defaults for the real services, each mistake named with its
line, said once."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.config_files import GOOD, status_with, write

from digest.config import load_config
from digest.errors import ConfigError


def test_sources_are_read_with_defaults_for_the_real_services(tmp_path):
    from digest.config import parse_config

    base = {"database": "d.db", "inbox": "in", "profiles": "p", "smtp": {"from": "a@b.org"}}
    config = parse_config(
        {
            **base,
            "sources": [
                {"kind": "hf_daily"},
                {"kind": "arxiv_listing", "categories": ["cs.CL", "cs.LG"], "when": ["05:30"]},
                {"kind": "url", "name": "mine", "url": "https://example.org/feed.xml"},
            ],
        },
        tmp_path / "c.yaml",
    )
    hf, arxiv, mine = config.sources
    assert hf.name == "hf_daily" and hf.resolved_url(dt.date(2026, 11, 27)).endswith(
        "daily_papers?date=2026-11-27"
    )
    assert arxiv.name == "arxiv-cs.CL+cs.LG"
    assert arxiv.resolved_url(dt.date(2026, 11, 27)) == "https://rss.arxiv.org/rss/cs.CL+cs.LG"
    assert arxiv.when == (dt.time(5, 30),)
    assert mine.url == "https://example.org/feed.xml"


def test_bad_sources_are_all_named(tmp_path):
    from digest.config import parse_config

    base = {"database": "d.db", "inbox": "in", "profiles": "p", "smtp": {"from": "a@b.org"}}
    bad = [{"kind": "rss"}, {"kind": "arxiv_listing"}, {"kind": "url"}, {"kind": "hf_daily", "retries": -1}]
    with pytest.raises(ConfigError) as err:
        parse_config({**base, "sources": bad}, tmp_path / "c.yaml")
    message = str(err.value)
    assert "sources[0].kind: 'rss' is not one of hf_daily, arxiv_listing, url" in message
    assert "sources[1].categories: an arxiv_listing needs at least one category" in message
    assert "sources[2].url: required for kind url" in message
    assert "sources[3].retries: must be a whole number from 0 to 10" in message


def test_a_bad_source_in_the_file_is_named_with_its_line(tmp_path):
    """A mistyped kind, a key a kind needs left out, a name used twice: each said at its line
    (a key left out at the line the source begins), as any other mistake in the file is."""
    sources = (
        "sources:\n"
        "  - kind: rss\n"
        "  - kind: arxiv_listing\n"
        "    when: ['06:00']\n"
        "  - name: mine\n"
        "    kind: url\n"
        "  - kind: url\n"
        "    name: a\n"
        "    url: https://example.org/a\n"
        "  - kind: url\n"
        "    url: https://example.org/b\n"
        "    name: a\n"
    )
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + sources))
    message = str(err.value)
    assert "line 11: sources[0].kind: 'rss' is not one of hf_daily, arxiv_listing, url" in message
    assert "line 12: sources[1].categories: an arxiv_listing needs at least one category" in message
    assert "line 14: sources[2].url: required for kind url" in message
    assert "line 21: sources[4].name: 'a' is used by another source; give each a distinct name" in message


def test_a_source_that_is_not_a_mapping_is_named_with_its_line(tmp_path):
    """`- just text` under `sources:` was said with no line, where every other mistake has one."""
    result = status_with(tmp_path, "sources:\n  - kind: hf_daily\n  - just text\n  - [hf_daily]\n")
    assert result.exit_code == 1
    said = "must be a mapping with `kind` (hf_daily, arxiv_listing, url)"
    assert result.output.endswith(f"  - line 6: sources[1]: {said}\n  - line 7: sources[2]: {said}\n")


def test_two_sources_of_one_name_are_said_though_one_has_another_mistake(tmp_path):
    """Before: a source with a mistake was left out of the check of names, so a name used twice
    was not said (the user fixed the url, ran again, and only then heard of the name)."""
    sources = (
        "sources:\n"
        "  - kind: url\n"  # line 5: its url left out
        "    name: feed\n"
        "  - kind: url\n"
        "    name: feed\n"
        "    url: https://example.org/b\n"
        "  - kind: hf_daily\n"  # line 10, its default name hf_daily; a time refused
        "    when: ['25:00']\n"
        "  - kind: hf_daily\n"
        "  - kind: url\n"  # a name refused: it is not compared
        "    name: 'feed x'\n"
        "    url: https://example.org/c\n"
    )
    result = status_with(tmp_path, sources)
    assert result.exit_code == 1
    said = "is used by another source; give each a distinct name"
    assert result.output.endswith(
        "  - line 5: sources[0].url: required for kind url\n"
        f"  - line 8: sources[1].name: 'feed' {said}\n"
        """  - line 11: sources[2].when: '25:00' is not a time of day like "07:30"\n"""
        f"  - line 12: sources[3].name: 'hf_daily' {said}\n"
        "  - line 14: sources[4].name: 'feed x' must be letters, digits, '.', '_', '+' or '-'\n"
    ), result.output


def test_a_refused_value_is_not_said_again_by_a_check_of_several_keys(tmp_path):
    # `categories: [cs LG]` was said twice: refused, then "an arxiv_listing needs at least one
    # category", as if none had been written (the check of the kind saw the refused list as empty)
    sources = "sources:\n  - kind: arxiv_listing\n    categories: [cs LG]\n"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, GOOD + sources))
    assert str(err.value).endswith(
        "\n  - line 12: sources[0].categories: must be arXiv categories like [cs.CL, cs.LG], got ['cs LG']"
    )


def test_a_source_url_with_a_mistyped_placeholder_or_a_space_is_named(tmp_path):
    from digest.config import parse_config

    base = {"database": "d.db", "inbox": "in", "profiles": "p", "smtp": {"from": "a@b.org"}}
    bad = [
        {"kind": "url", "url": "https://example.org/papers?date={data}"},
        {"kind": "url", "url": "https://example.org/my papers.json"},
    ]
    with pytest.raises(ConfigError) as err:
        parse_config({**base, "sources": bad}, tmp_path / "c.yaml")
    message = str(err.value)
    assert "sources[0].url: unknown placeholder {data}: a url may hold {date} and {categories}" in message
    assert "sources[1].url: must be an http(s) URL, got 'https://example.org/my papers.json'" in message
