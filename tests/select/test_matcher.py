"""The matcher's keyword rules, each pinned by a small listing written here."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from digest.models import Interest, Match, Paper, Profile
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex, keyword_matches, rank

DAY = dt.date(2024, 3, 14)

FILLER = (
    "We consider a problem in machine learning and propose a new method for it. Our method "
    "builds on prior work and is simple to implement. Experiments on standard benchmarks "
    "show that our approach improves over strong baselines while using fewer resources. "
) * 4  # a realistic abstract length, about a hundred words


def paper(pid: int, title: str, abstract: str = FILLER) -> Paper:
    return Paper(pid, title, abstract, DAY)


def profile(*interests: str | tuple[str, float], exclude=(), min_score: float = 0.0) -> Profile:
    parsed = tuple(Interest(i, 1.0) if isinstance(i, str) else Interest(i[0], i[1]) for i in interests)
    return Profile(
        user="ada",
        email="ada@example.org",
        interests=parsed,
        exclude=tuple(exclude),
        min_score=min_score,
    )


def scores(papers: list[Paper], *interests, **kw) -> dict[int, float]:
    return {m.paper.id: m.score for m in rank(papers, profile(*interests, **kw))}


def surface(m: Match, h) -> str:
    text = m.paper.title if h.field == "title" else m.paper.abstract
    return text[h.start : h.end]


# -- keyword semantics ----------------------------------------------------------------------


def test_matching_is_case_insensitive():
    got = scores([paper(1, "GROKKING in Transformers"), paper(2, "grokking in transformers")], "Grokking")
    assert got[1] == pytest.approx(got[2])
    assert got[1] > 0


def test_unrelated_paper_is_not_returned():
    assert scores([paper(1, "Image segmentation with transformers")], "grokking") == {}


def test_phrase_scores_more_than_its_words_apart_which_still_earn_credit():
    papers = [
        paper(1, "Loss landscape of deep networks"),
        paper(2, "The landscape of deep networks", "We compare the loss of many models. " * 3),
        paper(3, "Deep networks"),
    ]
    got = scores(papers, "loss landscape")
    assert got[1] > got[2] > 0
    assert 3 not in got


def test_phrase_words_near_each_other_score_more_than_far_apart():
    near = paper(1, "Spiking models", "A landscape view of the loss in spiking models.")
    far = paper(2, "Spiking models", "A landscape view. " + FILLER + " We report the loss.")
    got = scores([near, far], "loss landscape")
    assert got[1] > got[2] > 0


def test_hyphenated_and_joined_forms_are_the_same():
    papers = [
        paper(1, "Event-driven vision sensors"),
        paper(2, "Event driven vision sensors"),
        paper(3, "Eventdriven vision sensors"),
    ]
    for keyword in ("event-driven", "event driven", "eventdriven"):
        got = scores(papers, keyword)
        assert set(got) == {1, 2, 3}, keyword
        # the same up to the title's length ("event driven" is one word more)
        assert got[1] == pytest.approx(got[2], rel=0.02), keyword
        assert got[1] == pytest.approx(got[3], rel=0.02), keyword


def test_plural_and_singular_forms_match():
    papers = [
        paper(1, "Graph neural networks"),
        paper(2, "A graph neural network"),
        paper(3, "Studies of agents"),
    ]
    assert set(scores(papers, "graph neural network")) == {1, 2}
    assert set(scores(papers, "graph neural networks")) == {1, 2}
    assert set(scores(papers, "study")) == {3}
    assert set(scores(papers, "agent")) == {3}


def test_acronym_does_not_match_inside_words():
    papers = [
        paper(1, "Low-dose CT reconstruction"),
        paper(2, "Factorized action models", "Contrastive learning for CTC decoding."),
    ]
    assert set(scores(papers, "CT")) == {1}


def test_acronym_matches_its_plural():
    papers = [
        paper(1, "Training deep SNNs"),
        paper(2, "An SNN for audio"),
        paper(3, "Sensing with snnet"),
    ]
    assert set(scores(papers, "SNN")) == {1, 2}
    assert set(scores(papers, "SNNs")) == {1, 2}


def test_related_word_forms_earn_partial_credit():
    papers = [paper(1, "Optimization of deep networks"), paper(2, "A new optimizer for networks")]
    got = scores(papers, "optimization")
    assert got[1] > got[2] > 0


def test_different_words_with_a_common_prefix_do_not_match():
    papers = [
        paper(1, "A general recipe", "Generally, this works."),
        paper(2, "Normal priors for the normal case"),
    ]
    assert scores(papers, "generalization") == {}
    assert scores(papers, "normalization") == {}


def test_title_hit_counts_more_than_abstract_hit():
    papers = [
        paper(1, "Grokking in small transformers"),
        paper(2, "Small transformers", "We observe grokking in small transformers. " + FILLER),
    ]
    got = scores(papers, "grokking")
    assert got[1] > got[2] > 0


def test_rare_specific_terms_count_more_than_common_ones():
    papers = [paper(1, "Grokking of small models"), paper(2, "Learning of small models")]
    got = scores(papers, "grokking", "learning")
    assert got[1] > 2 * got[2]


def test_repeating_one_keyword_does_not_drown_several_interests():
    spam = paper(1, "Pruning pruning pruning", "Pruning " * 20 + FILLER)
    broad = paper(
        2,
        "Pruning meets distillation",
        "We combine pruning, distillation and quantization of networks. " + FILLER,
    )
    got = scores([spam, broad], "pruning", "distillation", "quantization")
    assert got[2] > got[1]


def test_repetition_saturates():
    once = paper(1, "Pruning networks", "We prune. " + FILLER)
    many = paper(2, "Pruning networks", "Pruning pruning pruning pruning pruning. " + FILLER)
    got = scores([once, many], "pruning")
    assert got[1] < got[2] < 1.5 * got[1]


def test_weights_multiply():
    papers = [paper(1, "Grokking in transformers")]
    single = scores(papers, ("grokking", 1.0))[1]
    assert scores(papers, ("grokking", 2.5))[1] == pytest.approx(2.5 * single)


def test_heavier_interest_ranks_its_papers_first():
    papers = [paper(1, "Grokking in transformers"), paper(2, "Lottery tickets in transformers")]
    ranked = rank(papers, profile(("grokking", 1.0), ("lottery ticket", 3.0)))
    assert [m.paper.id for m in ranked] == [2, 1]


def test_exclusions_remove_papers_with_the_same_semantics():
    papers = [
        paper(1, "A Survey of Graph Neural Networks"),
        paper(2, "Graph neural networks for chemistry"),
        paper(3, "Graph neural networks", "Surveys and re-ranking of graph neural networks."),
        paper(4, "Graph neural networks for re-ranking"),
    ]
    got = scores(papers, "graph neural network", exclude=("survey", "reranking"))
    assert set(got) == {2}


def test_min_score_drops_weak_matches():
    papers = [
        paper(1, "Grokking in transformers"),
        paper(2, "Transformers", "We mention grokking once. " + FILLER),
    ]
    all_scores = scores(papers, "grokking")
    cut = (all_scores[1] + all_scores[2]) / 2
    assert set(scores(papers, "grokking", min_score=cut)) == {1}


# -- scale ----------------------------------------------------------------------------------


def test_one_specific_interest_in_title_and_abstract_scores_about_one():
    p = paper(1, "Grokking in small transformers", "We study grokking. " + FILLER)
    assert scores([p], "grokking")[1] == pytest.approx(1.0, abs=0.1)


def test_score_does_not_depend_on_the_size_of_the_listing():
    target = paper(1, "Grokking in small transformers", "We study grokking. " + FILLER)
    others = [paper(i, f"Unrelated paper number {i} on vision") for i in range(2, 300)]
    alone = scores([target], "grokking")[1]
    assert scores([target, *others[:20]], "grokking")[1] == pytest.approx(alone, rel=0.05)
    assert scores([target, *others], "grokking")[1] == pytest.approx(alone, rel=0.05)


def test_common_words_stay_common_in_a_small_listing():
    papers = [paper(1, "Learning to see"), paper(2, "Grokking to see")]
    got = scores(papers, "learning", "grokking")
    assert got[2] > 2 * got[1]


# -- explanations ---------------------------------------------------------------------------


def test_hits_are_exact_spans_of_the_original_text():
    papers = [
        paper(
            1,
            "Event-Driven SNNs: a Loss-Landscape study",
            "Spiking networks (SNNs) are event driven; their loss  landscapes are rough.",
        ),
    ]
    [m] = rank(papers, profile("SNN", "eventdriven", "loss landscape"))
    seen = {(h.keyword, h.field, surface(m, h)) for h in m.all_hits}
    assert ("SNN", "title", "SNNs") in seen
    assert ("SNN", "abstract", "SNNs") in seen
    assert ("eventdriven", "title", "Event-Driven") in seen
    assert ("eventdriven", "abstract", "event driven") in seen
    assert ("loss landscape", "title", "Loss-Landscape") in seen
    assert ("loss landscape", "abstract", "loss  landscapes") in seen


def test_match_names_contributing_keywords_most_important_first():
    papers = [paper(1, "Grokking in transformers", "We also use some pruning. " + FILLER)]
    [m] = rank(papers, profile("pruning", "grokking", "quantum"))
    assert m.keywords == ("grokking", "pruning")
    assert {h.keyword for h in m.all_hits} == {"grokking", "pruning"}
    assert [h.keyword for h in m.all_hits] == ["grokking", "pruning"]
    assert m.all_hits[0].field == "title"


# -- ranking mechanics ----------------------------------------------------------------------


def test_ties_are_broken_by_paper_id_and_ranking_is_deterministic():
    papers = [paper(pid, "Grokking in transformers") for pid in (7, 3, 5)]
    first = [m.paper.id for m in rank(papers, profile("grokking"))]
    assert first == [3, 5, 7]
    index = PaperIndex.build(list(reversed(papers)))
    assert [m.paper.id for m in index.rank(profile("grokking"))] == first


def test_limit_keeps_the_best_and_respects_ties():
    papers = [paper(pid, "Grokking in transformers") for pid in range(1, 6)]
    papers.append(paper(6, "Grokking grokking", "Grokking. " + FILLER))
    index = PaperIndex.build(papers)
    top = index.rank(profile("grokking"), limit=3)
    full = index.rank(profile("grokking"))
    assert [m.paper.id for m in top] == [m.paper.id for m in full[:3]]
    assert index.rank(profile("grokking"), limit=0) == []


def test_index_is_reused_across_profiles():
    index = PaperIndex.build([paper(1, "Grokking in transformers"), paper(2, "Quantum PDE")])
    assert [m.paper.id for m in index.rank(profile("grokking"))] == [1]
    assert [m.paper.id for m in index.rank(profile("PDE"))] == [2]
    assert [m.paper.id for m in index.rank(profile("grokking"))] == [1]


def test_empty_inputs():
    assert rank([], profile("grokking")) == []
    assert rank([paper(1, "Grokking")], profile()) == []
    assert rank([paper(1, "Grokking")], profile("--")) == []


def test_keyword_matches_lists_what_one_keyword_would_match():
    papers = [paper(1, "Pruned networks"), paper(2, "Pruning networks"), paper(3, "Vision")]
    got = keyword_matches(papers, "pruning")
    assert [m.paper.id for m in got] == [2, 1]
    assert all(m.keywords == ("pruning",) for m in got)
    assert surface(got[1], got[1].all_hits[0]) == "Pruned"
    assert keyword_matches(PaperIndex.build(papers), "quantum") == []


def test_documented_scale_for_title_only_and_abstract_only():
    papers = [
        paper(1, "Grokking in small transformers"),
        paper(2, "Small transformers", "We study grokking. " + FILLER),
    ]
    got = scores(papers, "grokking")
    assert got[1] == pytest.approx(0.95, abs=0.1)
    assert got[2] == pytest.approx(0.6, abs=0.15)


def test_equal_scores_are_broken_by_upvotes_then_by_paper_id():
    papers = [
        paper(1, "Spiking networks"),
        dataclasses.replace(paper(2, "Spiking networks!"), upvotes=5),
        dataclasses.replace(paper(3, "Spiking networks?"), upvotes=40),
        paper(4, "Spiking networks."),
    ]
    index = PaperIndex.build(papers)
    reader = profile("spiking networks")
    ranked = index.rank(reader)
    assert len({m.score for m in ranked}) == 1
    assert [m.paper.id for m in ranked] == [3, 2, 1, 4]
    assert [m.paper.id for m in rank_many(index, [reader])[0]] == [3, 2, 1, 4]


def test_a_reader_ranks_the_same_whatever_other_readers_asked_the_index_before():
    """One index ranks every reader of a send: "TRAINING" (capitals: an acronym, its own word
    only) and "Training" (every form of the word) share their words' norm, not their match,
    so either ranks as on an index of its own, asked first or second ("CT" and "ct" too)."""
    day = dt.date(2026, 12, 1)
    papers = [
        Paper(1, "TRAINING at scale", "We study TRAINING.", day),
        Paper(2, "Training robots", "Trained policies and training data.", day),
        Paper(3, "CT scans", "Computed tomography (CT) of the chest.", day),
        Paper(4, "Cut times", "A ct of six.", day),
    ]
    for first, second in (("TRAINING", "Training"), ("Training", "TRAINING"), ("CT", "ct"), ("ct", "CT")):
        index = PaperIndex.build(papers)
        one, two = (Profile(p, f"{p}@example.org", (Interest(p),)) for p in (first, second))
        assert index.rank(one) == PaperIndex.build(papers).rank(one)
        assert index.rank(two) == PaperIndex.build(papers).rank(two), (first, second)
