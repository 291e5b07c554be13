"""A keyword and a paper match whatever Unicode form each was written in: a keyword typed on
macOS (NFD: "e" + U+0301) finds the paper written in NFC and the other way round, ligatures
and full-width forms are the letters they stand for, and the highlighted spans are the
characters as written, an accent written as a combining mark included."""

from __future__ import annotations

import datetime as dt
import unicodedata

from digest.compose.highlight import highlight
from digest.models import Interest, Paper, Profile
from digest.select.explain import why
from digest.select.explore import with_keyword
from digest.select.feedback import FeedbackRanker
from digest.select.matcher import PaperIndex, rank
from digest.select.text import tokenize

DAY = dt.date(2024, 3, 14)
ABSTRACT = "We study how people order coffee and what robots can learn from watching them. " * 4
NFC = "Café robots learn latte art"
NFD = unicodedata.normalize("NFD", NFC)  # "Cafe\u0301 robots ..."


def matches(papers: list[Paper], phrase: str):
    return rank(papers, Profile("ada", "ada@example.org", (Interest(phrase),)))


def marked(match, field: str = "title") -> list[str]:
    text = match.paper.title if field == "title" else match.paper.abstract
    return [text[h.start : h.end] for h in match.all_hits if h.field == field]


def test_a_keyword_typed_in_nfd_finds_the_paper_written_in_nfc_and_the_other_way_round():
    assert NFD != NFC and "\u0301" in NFD
    papers = [Paper(1, NFC, ABSTRACT, DAY), Paper(2, NFD, ABSTRACT, DAY)]
    for typed in (unicodedata.normalize("NFD", "café"), "café"):
        found = matches(papers, typed)
        assert sorted(m.paper.id for m in found) == [1, 2]
        assert found[0].score == found[1].score  # the same word, the same score


def test_the_highlight_of_an_nfd_word_takes_its_combining_accent_with_it():
    [m] = matches([Paper(1, NFD, ABSTRACT, DAY)], "café")
    assert marked(m) == ["Cafe\u0301"]  # not "Cafe" with the accent left outside the mark
    title_hits = [h for h in m.all_hits if h.field == "title"]
    assert str(highlight(m.paper.title, title_hits)) == "<mark>Cafe\u0301</mark> robots learn latte art"


def test_a_combining_mark_does_not_split_a_word_in_two():
    assert [t.surface for t in tokenize("Cafe\u0301s re\u0301sume\u0301")] == ["Cafés", "résumé"]
    [t] = tokenize("naïve")
    assert [(t.start, t.end, t.norm) for t in tokenize("nai\u0308ve")] == [(0, 6, t.norm)]


def test_ligatures_and_full_width_letters_are_the_letters_they_stand_for():
    papers = [
        Paper(1, "Ｅｆｆｉｃｉｅｎｔ ﬁne－tuning of ＬＬＭｓ", ABSTRACT, DAY),
        Paper(2, "Efficient fine-tuning of LLMs", ABSTRACT, DAY),
    ]
    for phrase in ("efficient fine-tuning", "LLM", "finetuning"):
        found = matches(papers, phrase)
        assert sorted(m.paper.id for m in found) == [1, 2], phrase
        assert found[0].score == found[1].score, phrase
    [m] = [m for m in matches(papers, "efficient fine-tuning") if m.paper.id == 1]
    assert marked(m) == ["Ｅｆｆｉｃｉｅｎｔ ﬁne－tuning"]  # the span as written


def test_a_full_width_keyword_finds_the_ascii_paper():
    [m] = matches([Paper(1, "Efficient fine-tuning of LLMs", ABSTRACT, DAY)], "ＬＬＭ")
    assert marked(m) == ["LLMs"]


def test_a_liked_title_typed_in_nfd_or_with_a_ligature_finds_the_stored_paper():
    papers = [Paper(1, NFC, ABSTRACT, DAY), Paper(2, "Eﬃcient ﬁne-tuning", ABSTRACT, DAY)]
    papers += [Paper(3 + i, f"Unrelated subject {i}", "Nothing about coffee.", DAY) for i in range(6)]
    ranker = FeedbackRanker(PaperIndex.build(papers), lambda user: {})
    likes = (unicodedata.normalize("NFD", NFC.upper()), "Efficient fine-tuning")
    profile = Profile("ada", "ada@example.org", (Interest("robots"),), likes=likes)
    assert ranker.preferences(profile) == ([1, 2], [])


def test_a_keyword_typed_in_nfd_on_the_command_line_is_the_one_in_the_profile(workspace):
    path = workspace.profile("ada", "email: ada@example.org\ninterests:\n  - café\n  - robots\n")
    result = workspace.cli("profile", "add", "ada", unicodedata.normalize("NFD", "café"), "--weight", "2")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").endswith("interests:\n  café: 2\n  robots: 1\n")  # not twice
    result = workspace.cli("profile", "remove", "ada", unicodedata.normalize("NFD", "CAFÉ"))
    assert result.exit_code == 0, result.output
    assert "café" not in path.read_text(encoding="utf-8")


def test_trying_a_keyword_typed_in_nfd_reweights_the_one_in_the_profile():
    profile = Profile("ada", "ada@example.org", (Interest("café"), Interest("robots")))
    tried = with_keyword(profile, unicodedata.normalize("NFD", "Café"), 2.0)
    assert [i.phrase for i in tried.interests] == ["robots", unicodedata.normalize("NFD", "Café")]


def test_a_keyword_found_in_another_unicode_form_is_said_to_be_matched_as_written():
    [m] = matches([Paper(1, NFD, ABSTRACT, DAY)], "café")
    assert why(m.paper, m.all_hits, m.keywords).text == "Matched: café"
    [m] = matches([Paper(1, "Ｅｆｆｉｃｉｅｎｔ ﬁne-tuning", ABSTRACT, DAY)], "efficient fine-tuning")
    assert why(m.paper, m.all_hits, m.keywords).matched == ("efficient fine-tuning",)


# Turkish capital dotted I (U+0130): str.casefold gives "i" + U+0307 (a combining dot above), which
# no keyword typed as "istanbul" has. The matcher reads it as "i"; the spans stay those written.
ISTANBUL = "Café traffic in İstanbul and İzmir"


def test_a_turkish_capital_dotted_i_is_the_i_of_a_keyword_and_the_other_way_round():
    plain = "Cafe traffic in Istanbul and Izmir"
    papers = [Paper(1, ISTANBUL, ABSTRACT, DAY), Paper(2, plain, ABSTRACT, DAY)]
    for typed in ("istanbul", "İstanbul", "ISTANBUL", "İSTANBUL", "i\u0307stanbul"):
        found = matches(papers, typed)
        assert sorted(m.paper.id for m in found) == [1, 2], typed
        assert found[0].score == found[1].score, typed  # the same word, the same score
    assert [(t.surface, t.norm) for t in tokenize("İzmir")] == [("İzmir", "izmir")]


def test_the_highlight_of_a_dotted_capital_i_is_the_word_as_written():
    [m] = matches([Paper(1, ISTANBUL, ABSTRACT, DAY)], "istanbul")
    assert marked(m) == ["İstanbul"]
    title_hits = [h for h in m.all_hits if h.field == "title"]
    assert [(h.start, h.end) for h in title_hits] == [(16, 24)]
    assert str(highlight(m.paper.title, title_hits)) == "Café traffic in <mark>İstanbul</mark> and İzmir"
    assert why(m.paper, m.all_hits, m.keywords).text == "Matched: istanbul"


def test_a_keyword_with_a_dotted_capital_i_on_the_command_line_is_the_one_in_the_profile(workspace):
    path = workspace.profile("ada", "email: ada@example.org\ninterests:\n  - istanbul\n  - robots\n")
    result = workspace.cli("profile", "add", "ada", "İstanbul", "--weight", "2")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8").endswith("interests:\n  istanbul: 2\n  robots: 1\n")  # not twice
    result = workspace.cli("profile", "remove", "ada", "İSTANBUL")
    assert result.exit_code == 0, result.output
    assert "istanbul" not in path.read_text(encoding="utf-8")


def test_trying_a_keyword_with_a_dotted_capital_i_reweights_the_one_in_the_profile():
    profile = Profile("ada", "ada@example.org", (Interest("istanbul"), Interest("robots")))
    tried = with_keyword(profile, "İstanbul", 2.0)
    assert [i.phrase for i in tried.interests] == ["robots", "İstanbul"]
