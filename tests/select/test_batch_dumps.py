"""The fast path (rank_many, as `digest send` and the daemon rank every reader) gives exactly
what the straightforward path (PaperIndex.rank: each profile's word query term by term, each
match explained and highlighted one keyword at a time) gives, on the real papers of the
shared dumps and thousands of generated readers: the same papers in the same order, the same
scores bit for bit, the same keywords and the same highlights."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from digest.ingest.sources import read_dump
from digest.models import Interest, Paper, Profile
from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex
from digest.select.queries import gather

from conftest import SHARED

# Keywords readers write, sharing words on purpose ("neural networks", "graph neural
# networks", "spiking neural networks"), with acronyms, hyphens and function words.
_WRITTEN = (
    "large language models|LLM|LLMs|reasoning|chain-of-thought|chain of thought|diffusion models|"
    "video diffusion|text-to-video|sim-to-real|reinforcement learning|deep reinforcement learning|"
    "neural networks|graph neural networks|spiking neural networks|GNN|transformer|vision transformer|"
    "attention|sparse attention|mixture of experts|MoE|low-rank|ranking|LoRA|fine-tuning|"
    "instruction tuning|retrieval|retrieval-augmented generation|RAG|agents|multi-agent|"
    "robot|robot manipulation|world models|3D reconstruction|Gaussian splatting|segmentation|"
    "speech|audio generation|image generation|text-to-image|multimodal|vision-language models|"
    "benchmark|dataset|quantization|pruning|distillation|knowledge distillation|efficient inference|"
    "alignment|RLHF|preference optimization|interpretability|sparse autoencoders|code generation|"
    "mathematical reasoning|math|long context|tokenizer|state space models|Mamba"
)
WRITTEN = _WRITTEN.split("|")
WORD = re.compile(r"[A-Za-z][A-Za-z\-]{2,}")


@pytest.fixture(scope="module")
def dump_papers() -> list[Paper]:
    dumps = sorted((SHARED / "dumps").glob("*")) if (SHARED / "dumps").is_dir() else []
    if not dumps:
        pytest.skip(f"the shared dumps are not at {SHARED / 'dumps'}")
    papers: list[Paper] = []
    for path in dumps:
        listing = read_dump(path)
        for e in listing.entries:
            papers.append(Paper(len(papers) + 1, e.title, e.abstract, listing.day, upvotes=e.upvotes))
    return papers


def generated_readers(papers: list[Paper], n: int, rng: random.Random) -> list[Profile]:
    """Readers with 1-15 interests: written keywords, words and word pairs of the papers
    (drawn so that many readers share phrases and many interests share words), repeats,
    phrases no paper has, exclusions, score floors and limits of every kind."""
    words = [w for p in papers[::3] for w in WORD.findall(f"{p.title} {p.abstract}")]
    vocab = list(WRITTEN)
    for _ in range(600):
        i = rng.randrange(len(words) - 2)
        vocab.append(" ".join(words[i : i + rng.choice((1, 1, 2, 2, 3))]))
    vocab += ["zyzzyva", "--", "of the"]
    ranked = [1.0 / (i + 5) for i in range(len(vocab))]  # a few keywords are everyone's
    readers = []
    for u in range(n):
        phrases = rng.choices(vocab, ranked, k=rng.randint(1, 15))
        interests = tuple(Interest(p, rng.choice((1.0, 1.0, 0.5, 2.0, 1.5))) for p in phrases)
        exclude = tuple(rng.sample(vocab[:80], rng.choice((0, 0, 0, 0, 1, 2))))
        min_score = rng.choice((0.0, 0.0, 0.0, 0.2, 0.6))
        max_papers = rng.choice((10, 10, 10, 3, 25))
        readers.append(
            Profile(
                f"u{u}",
                f"u{u}@example.org",
                interests,
                exclude=exclude,
                min_score=min_score,
                max_papers=max_papers,
            )
        )
    return readers


@pytest.mark.parametrize("seed", [1, 2])
def test_the_fast_path_ranks_scores_and_highlights_the_dump_papers_as_the_straightforward_one(
    dump_papers, seed
):
    rng = random.Random(seed)
    papers = dump_papers if seed == 1 else rng.sample(dump_papers, 300)  # a whole listing, a day of one
    readers = generated_readers(papers, 2500, rng)
    limits = [None if rng.random() < 0.05 else r.max_papers for r in readers]
    straightforward = PaperIndex.build(papers)
    expected = [straightforward.rank(r, limit) for r, limit in zip(readers, limits, strict=True)]
    fast = rank_many(PaperIndex.build(papers), readers, limits)  # a fresh index: nothing shared
    assert sum(len(m) for m in expected) > 10_000
    assert sum(1 for m in expected for match in m if len(match.keywords) > 2) > 1000
    for reader, want, have in zip(readers, expected, fast, strict=True):
        # Match equality: the paper, the score as a float (bit for bit), the keywords in
        # order and every highlight (keyword, field, start, end) in order
        assert have == want, reader


def test_the_fast_path_gives_the_same_when_the_index_was_warmed_by_the_straightforward_one(dump_papers):
    rng = random.Random(3)
    readers = generated_readers(dump_papers, 800, rng)
    index = PaperIndex.build(dump_papers)
    expected = [index.rank(r, r.max_papers) for r in readers]
    assert rank_many(index, readers, [r.max_papers for r in readers]) == expected
    assert [index.rank(r, r.max_papers) for r in readers] == expected


@pytest.mark.parametrize("few", [0, 10_000])
def test_every_readers_query_is_the_one_the_straightforward_path_makes(dump_papers, few):
    """Keyword ids and weights, interest by interest: repeats added up, unmatched phrases
    left out, each word counted for the first interest that has it, the same floats; and
    the same once padded (``few``: every size has fewer readers, all are ranked together),
    the padding weighing nothing."""
    rng = random.Random(4)
    readers = generated_readers(dump_papers, 1500, rng)
    readers += [
        Profile(
            "shared", "s@example.org", tuple(map(Interest, ["neural networks", "graph neural networks"]))
        ),
        Profile(
            "repeat", "r@example.org", (Interest("agents", 0.5), Interest("zyzzyva"), Interest("agents", 2.0))
        ),
        Profile("nothing", "n@example.org", (Interest("zyzzyva"),)),
        Profile("none", "z@example.org", ()),
    ]
    index = PaperIndex.build(dump_papers)
    queries = gather(index, readers, range(len(readers)), few)
    assert len(queries) > 1 if few == 0 else len(queries) == 1
    own = [np.ones(q.ids.shape, dtype=bool) if q.own is None else q.own for q in queries]
    assert all(not q.weights[~mine].any() for q, mine in zip(queries, own, strict=True))
    got = {
        int(i): (ids[mine].tolist(), weights[mine].tolist())
        for q, row_own in zip(queries, own, strict=True)
        for i, ids, weights, mine in zip(q.members, q.ids, q.weights, row_own, strict=True)
    }
    partial = 0
    for i, reader in enumerate(readers):
        used, weights = index.interests(reader)
        want = ([k.id for k in used], weights)
        assert got.get(i, ([], [])) == want, reader
        partial += sum(
            1 for k in used if k.parent is not None and k.match.terms != index.content_words(k.phrase).terms
        )
    assert partial > 50  # readers whose interests share words were among them
    assert len(got[len(readers) - 4][0]) == 4  # two interests, their words: "graph" alone the second


def test_highlights_made_for_many_pairs_at_once_are_those_made_one_pair_at_a_time(dump_papers):
    """rank_many asks for the hits of thousands of (keyword, paper) pairs at once, and the
    words' spans are then gathered with numpy (highlights.WordSpans); one pair at a time
    they are looked up word by word. Every keyword the readers make, in every paper: the
    same hits, in the same order (related forms, words inside hyphenated compounds, joined
    spellings, the words of an interest hidden where the phrase itself is found)."""
    readers = generated_readers(dump_papers, 1500, random.Random(5))
    # interests whose words are forms of one another: each span once
    related = ["optimization optimizer", "training trained models", "learning learned", "robust robustness"]
    readers += [Profile(f"r{i}", f"r{i}@example.org", (Interest(p),)) for i, p in enumerate(related)]
    many = PaperIndex.build(dump_papers)
    rank_many(many, readers, [r.max_papers for r in readers])
    n_keywords, n_papers = len(many.keyword_list), len(dump_papers)
    every = np.arange(n_keywords * n_papers)
    keyword_ids, docs = every // n_papers, every % n_papers
    pairs = zip(keyword_ids.tolist(), docs.tolist(), strict=True)
    rest = np.fromiter((many.hit_slots.get(k, d) is None for k, d in pairs), bool)  # not made by rank_many
    many.fill_hits(keyword_ids[rest], docs[rest])  # the rest of every pair, at once

    one = PaperIndex.build(dump_papers)
    for reader in readers:
        one.interests(reader)  # the same keywords (their ids may differ)
    same = {(k.phrase, k.match.terms, k.parent is None): k for k in one.keyword_list}
    assert len(same) == n_keywords > 500
    words_hits = 0
    for k in many.keyword_list:
        twin = same[(k.phrase, k.match.terms, k.parent is None)]
        for d in range(n_papers):
            assert many.hit_slots.get(k.id, d) == one.hits(twin, d), (k.phrase, d)
            words_hits += k.parent is not None and len(many.hit_slots.get(k.id, d)) > 1
    assert words_hits > 1000
