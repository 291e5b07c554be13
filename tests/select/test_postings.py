"""The index's answers about single words are what reading every paper's words one by one
gives, on papers written to trip it up: hyphenated compounds, joined and split spellings,
plurals, related forms, acronyms spelled as words too, empty fields, long texts."""

from __future__ import annotations

import random
import zlib
from collections import defaultdict

import numpy as np

from digest.select.evidence import FieldLook, evidence_in
from digest.select.postings import Postings, Term
from digest.select.text import join_norm, join_pair, tokenize

# fmt: off
WORDS = [
    "event", "driven", "event-driven", "eventdriven", "Event-Driven", "rank", "ranking", "ranks",
    "low-rank", "lowrank", "optimization", "optimizer", "optimized", "model", "models", "modeling",
    "LLM", "LLMs", "llms", "DreamFusion", "dreamfusion", "CTs", "cts", "fine-tuning", "finetuning",
    "fine", "tuning", "chain-of-thought", "chain", "of", "thought", "case", "studies", "casestudy",
    "İstanbul", "istanbul", "café", "cafe\u0301s",
]
FILLER = ["we", "propose", "a", "method", "and", "show", "results", "on", "it"]
# fmt: on


def _text(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(n)]
    return "".join(w + rng.choice((" ", " ", "-", ", ", "/")) for w in words)


def _texts(seed: int, n: int = 80) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(_text(rng, rng.randint(0, 8)), _text(rng, rng.randint(0, 60))) for _ in range(n)]


class Reading:
    """The answers read off every paper's words, one by one."""

    def __init__(self, texts: list[tuple[str, str]]) -> None:
        self.fields = [(tokenize(t), tokenize(a)) for t, a in texts]
        self.stem_norms: dict[str, set[str]] = defaultdict(set)
        for fields in self.fields:  # a norm counts under the stem of its first word in a paper
            first: dict[str, str] = {}
            for tok in (*fields[0], *fields[1]):
                first.setdefault(tok.norm, tok.stem)
            for norm, stem in first.items():
                self.stem_norms[stem].add(norm)

    def pairs(self, tokens: tuple) -> list[tuple[int, str]]:
        return [
            (i, join_pair(tokens[i - 1].surface, tokens[i].surface))
            for i in range(1, len(tokens))
            if tokens[i].joined
        ]

    def counts(self, norm: str, compound_only: bool = False, pairs: bool = True) -> np.ndarray:
        counts = np.zeros((2, len(self.fields)))
        for d, fields in enumerate(self.fields):
            for f, tokens in enumerate(fields):
                counts[f, d] += sum(t.norm == norm and (t.compound or not compound_only) for t in tokens)
                if pairs and not compound_only:
                    counts[f, d] += sum(p == norm for _, p in self.pairs(tokens))
        return counts

    def spans(self, term: Term, d: int) -> list[tuple[int, int, int]]:
        found = []
        norms = {term.norm, *self.stem_norms.get(term.stem, ())}
        for f, tokens in enumerate(self.fields[d]):
            found += [
                (f, t.start, t.end)
                for t in tokens
                if t.norm in norms and (t.norm == term.norm or not t.compound)
            ]
            found += [
                (f, tokens[i - 1].start, tokens[i].end) for i, p in self.pairs(tokens) if p == term.norm
            ]
        return sorted(found)


def _terms(texts: list[tuple[str, str]]) -> set[Term]:
    terms = {Term(t.norm, t.stem) for title, abstract in texts for t in tokenize(f"{title} {abstract}")}
    return terms | {
        Term(t.norm, t.stem) for t in tokenize("eventdriven lowrank finetuning casestudy zyzzyva")
    }


def test_word_counts_papers_and_spans_are_those_read_word_by_word():
    for seed in range(3):
        texts = _texts(seed)
        postings, reading = Postings(texts), Reading(texts)
        for term in _terms(texts):
            counts = reading.counts(term.norm)
            assert np.array_equal(postings.word_counts(term.norm), counts), term
            assert postings.df(term.norm) == int(np.count_nonzero(counts.sum(axis=0))), term
            related = np.zeros_like(counts)
            for norm in reading.stem_norms.get(term.stem, ()):
                if norm != term.norm:
                    related += reading.counts(norm) - reading.counts(norm, compound_only=True)
            assert np.array_equal(postings.related_counts(term), np.maximum(related, 0.0)), term
            spans = [reading.spans(term, d) for d in range(len(texts))]
            assert [postings.word_spans(term, d) for d in range(len(texts))] == spans, term
            anywhere = counts + sum(
                map(reading.counts, reading.stem_norms.get(term.stem, ())), np.zeros_like(counts)
            )
            assert postings.docs_with(term).tolist() == np.flatnonzero(anywhere.sum(axis=0)).tolist(), term


def test_a_norm_spelled_as_an_acronym_first_in_every_paper_counts_under_the_acronyms_stem_only():
    texts = [("DreamFusion and dreamfusion", ""), ("", "DreamFusion, then dreamfusion")]
    postings = Postings(texts)
    assert postings.stem_norms("dreamfusion") == {"dreamfusion"}
    assert postings.stem_norms("dreamfus") == ()
    assert Postings([*texts, ("dreamfusion", "")]).stem_norms("dreamfus") == {"dreamfusion"}


def test_characters_past_the_first_65536_are_highlighted_where_they_are():
    abstract = "filler " * 10_000 + "event-driven models"
    postings = Postings([("Event-driven", abstract)])
    start = abstract.index("event-driven")
    assert postings.word_spans(Term("eventdriven", "eventdriven"), 0) == [(0, 0, 12), (1, start, start + 12)]
    assert postings.word_spans(Term("model", "model"), 0) == [(1, start + 13, start + 19)]


def test_an_index_of_no_paper_and_of_papers_without_words_answers_nothing():
    for texts in ([], [("", ""), ("", "...")]):
        postings = Postings(texts)
        assert postings.lengths.shape == (2, len(texts))
        assert postings.df("model") == 0
        assert postings.word_counts("model").shape == (2, len(texts))
        assert postings.docs_with(Term("model", "model")).tolist() == []
        assert (
            evidence_in(postings, (Term("event", "event"), Term("driven", "driven")), "eventdriven", []) == []
        )


def test_a_joined_spelling_is_not_found_for_another_with_the_same_crc32():
    """'pdyn-aubku' and 'ifui-rpqwp' join to spellings with one CRC-32: each finds its own only."""
    assert zlib.crc32(b"pdynaubku") == zlib.crc32(b"ifuirpqwp")
    postings = Postings([("pdyn-aubku", ""), ("", "ifui-rpqwp ifui-rpqwp")])
    assert postings.word_counts("pdynaubku").tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert postings.word_counts("ifuirpqwp").tolist() == [[0.0, 0.0], [0.0, 2.0]]
    assert postings.df("ifuirpqwp") == 1
    assert postings.word_spans(Term("ifuirpqwp", "ifuirpqwp"), 0) == []
    assert postings.docs_with(Term("pdynaubku", "pdynaubku")).tolist() == [0]


def test_a_norm_counts_under_the_stem_of_its_first_word_in_the_paper_not_in_each_field():
    lower_first = Postings([("dreamfusion", "DreamFusion")])
    assert lower_first.stem_norms("dreamfus") == {"dreamfusion"}
    acronym_first = Postings([("DreamFusion", "dreamfusion")])
    assert acronym_first.stem_norms("dreamfus") == ()


def _evidence(text: str, phrase: str):
    tokens = tokenize(phrase)
    terms = tuple(Term(t.norm, t.stem) for t in tokens)
    return evidence_in(Postings([("", text)]), terms, join_norm([t.surface for t in tokens]), [0])[0][1]


def test_a_phrase_is_its_words_one_after_the_other_and_a_comma_breaks_it():
    assert _evidence("event driven", "event driven").exact == 1
    broken = _evidence("event, driven", "event driven")
    assert (broken.exact, broken.related, broken.near, broken.apart) == (0, 0, True, 1.0)


def test_a_related_form_inside_a_hyphenated_compound_does_not_count_apart():
    """'rank' in 'low-rank' is no 'ranking' on its own: 'ranking model' is not there apart."""
    ev = _evidence("model with low-rank", "ranking model")
    assert (ev.exact, ev.related, ev.apart, ev.spans) == (0, 0, 0.0, ())
    assert _evidence("a low-rank model", "ranking model").related == 1  # inside the phrase it counts


def test_papers_asked_about_together_have_the_evidence_each_has_alone():
    texts = _texts(7, 40)
    postings = Postings(texts)
    for phrase in ("event driven", "chain of thought", "low rank", "fine tuning models", "case study"):
        tokens = tokenize(phrase)
        terms = tuple(Term(t.norm, t.stem) for t in tokens)
        joined = join_norm([t.surface for t in tokens])
        together = evidence_in(postings, terms, joined, range(len(texts)))
        assert together == [evidence_in(postings, terms, joined, [d])[0] for d in range(len(texts))], phrase


def test_asking_for_a_words_spans_in_papers_without_it_keeps_nothing():
    """Most words of an interest are not in a given paper: the answer (none) is not kept for
    each (word, paper) pair asked about (kept, 10,000 pairs would hold a megabyte or more:
    the figures are the benchmarks'); the answers with spans are (asked again, the same list)."""
    postings = Postings([(f"paper {d}", "a method for graphs") for d in range(200)])
    absent = [Term(f"absent{k}", f"absent{k}") for k in range(50)]
    assert all(postings.word_spans(term, d) == [] for term in absent for d in range(200))
    assert postings.spans_kept == 0
    graph = Term("graph", "graph")
    assert postings.word_spans(graph, 7) == [(1, 13, 19)]
    assert postings.word_spans(graph, 7) is postings.word_spans(graph, 7)
    assert postings.spans_kept == 1


def test_the_evidence_in_a_few_papers_of_many_reads_those_papers_words_only():
    """A phrase's words are cut into the papers asked about, not turned whole into lists: of
    "event" (40,000 words in 20,000 papers, "event" and "events" in each abstract) the look at
    two papers keeps their four words, the papers in order or not, and the evidence there is
    the evidence in that paper alone."""
    postings = Postings([("", "event driven models, driven by events") for _ in range(20_000)])
    terms, joined = (Term("event", "event"), Term("driven", "driven")), "eventdriven"
    alone = evidence_in(Postings([("", "event driven models, driven by events")]), terms, joined, [0])[0]
    assert (alone[1].exact, alone[1].spans) == (1, ((0, 12),))
    for docs in ([12_345, 12_346], [19_999, 3], [3, 19_999]):
        fields = (2 * np.asarray(docs)[:, None] + np.arange(2)).ravel()
        look = FieldLook(postings, fields)
        assert [len(look.at("words", "event", i)) for i in range(4)] == [0, 2, 0, 2]
        assert look.words_kept == 4, f"{look.words_kept:,} words kept to read two papers of 20,000"
        assert evidence_in(postings, terms, joined, docs) == [alone, alone]
