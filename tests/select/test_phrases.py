"""Phrases that generalize: function words, partial credit, compounds (issue 11)."""

from __future__ import annotations

import datetime as dt

from digest.models import Interest, Paper, Profile
from digest.select.matcher import PaperIndex, rank

DAY = dt.date(2024, 3, 14)

FILLER = (
    "We consider a problem in machine learning and propose a new method for it. Our method "
    "builds on prior work and is simple to implement. Experiments on standard benchmarks "
    "show that our approach improves over strong baselines while using fewer resources. "
) * 3


def paper(pid: int, title: str, abstract: str = "") -> Paper:
    return Paper(pid, title, abstract + " " + FILLER, DAY)


def profile(*phrases: str) -> Profile:
    return Profile(user="ada", email="ada@example.org", interests=tuple(Interest(p) for p in phrases))


def highlighted(match, paper_: Paper) -> list[str]:
    text = {"title": paper_.title, "abstract": paper_.abstract}
    return [text[h.field][h.start : h.end] for h in match.all_hits]


def test_a_function_word_inside_a_phrase_is_never_highlighted_on_its_own():
    speckled = paper(1, "A study of the limits of attention", "The role of memory in the thought of a chain.")
    phrase = paper(2, "Chain-of-thought prompting for arithmetic", "We use chain of thought in this work.")
    matches = {m.paper.id: m for m in rank([speckled, phrase], profile("chain-of-thought"))}
    assert set(highlighted(matches[2], phrase)) == {"Chain-of-thought", "chain of thought"}
    for m in matches.values():
        assert all(word.casefold() not in ("of", "to") for word in highlighted(m, m.paper))


def test_sim_to_real_does_not_highlight_every_to():
    p = paper(1, "Learning to walk in the real world", "Robots learn to adapt to new terrain in real time.")
    for m in rank([p], profile("sim-to-real")):
        assert "to" not in [w.casefold() for w in highlighted(m, p)]


def test_a_phrase_with_a_missing_word_earns_far_less_than_the_phrase():
    bert = paper(1, "Masked language modeling at scale", "Masked language modeling pretrains text encoders.")
    mim = paper(2, "Masked image modeling for vision transformers", "Masked image modeling learns features.")
    got = {m.paper.id: m.score for m in rank([bert, mim], profile("masked image modeling"))}
    assert got.get(1, 0.0) < 0.4 * got[2]


def test_keywords_that_share_words_do_not_stack_partial_credit_above_a_real_match():
    shared = paper(1, "Probing a language model", "A language model and a study of its predictor.")
    real = paper(2, "Language model pretraining revisited", "We revisit language model pretraining.")
    got = {
        m.paper.id: m.score
        for m in rank([shared, real], profile("language model pretraining", "language model alignment"))
    }
    assert got[2] > 1.5 * got[1]


def test_ranking_does_not_match_low_rank():
    lowrank = paper(1, "Low-rank adapters for fine-tuning", "We fine-tune with low-rank updates.")
    ranking = paper(2, "Learning to rank documents", "Ranking documents with neural rankers.")
    got = {m.paper.id for m in rank([lowrank, ranking], profile("ranking"))}
    assert got == {2}


def test_a_compound_still_matches_its_own_phrase_in_related_form():
    p = paper(1, "Dynamic networks", "Early-exiting lets easy inputs leave the network sooner.")
    assert [m.paper.id for m in rank([p], profile("early exit"))] == [1]


def test_a_paper_with_some_words_of_an_interest_is_highlighted_only_on_those_words():
    p = paper(1, "Calibration of uncertainty in deep ensembles", "We measure uncertainty of deep ensembles.")
    index = PaperIndex.build([p])
    (m,) = index.rank(profile("uncertainty quantification"))
    assert {w.casefold() for w in highlighted(m, p)} == {"uncertainty"}
    assert m.keywords == ("uncertainty quantification",)


def test_an_acronym_reaches_its_expansion_and_back():
    expanded = paper(1, "Scaling large language models", "Large language models follow instructions.")
    short = paper(2, "Aligning LLMs with feedback", "We align LLMs.")
    other = paper(3, "Sorting networks", "Comparators.")
    assert {m.paper.id for m in rank([expanded, short, other], profile("LLM"))} == {1, 2}
    assert {m.paper.id for m in rank([expanded, short, other], profile("large language models"))} == {1, 2}


def test_an_acronym_a_paper_defines_links_it_to_its_expansion():
    defines = paper(1, "Quokka nets", "We study quokka transfer networks (QTNs) for marsupials.")
    uses = paper(2, "Faster QTNs", "QTNs run fast.")
    (m,) = [m for m in rank([defines, uses], profile("quokka transfer networks")) if m.paper.id == 2]
    assert highlighted(m, uses) == ["QTNs", "QTNs"]


def test_the_words_of_a_phrase_apart_reach_past_the_default_min_score_as_the_ranking_s_tail():
    # the interests' words as one bag-of-words query (BAG_WEIGHT): a paper with the words
    # of a phrase but not the phrase is found, below one that has the phrase
    day = dt.date(2024, 3, 14)
    papers = [
        Paper(1, "Privacy-preserving federated analytics", "Clients compute statistics together.", day),
        Paper(2, "Federated hospitals", "Analytics on records, preserving the privacy of patients.", day),
        Paper(3, "Sorting networks", "Comparators in parallel.", day),
    ] + [Paper(10 + i, f"Unrelated paper {i}", "About compilers and caches.", day) for i in range(20)]
    profile = Profile(user="a", email="a@b", interests=(Interest("privacy-preserving federated analytics"),))
    scores = {m.paper.id: m.score for m in PaperIndex.build(papers).rank(profile)}
    assert scores[1] > scores[2] >= 0.1
    assert 3 not in scores
