"""Ranking quality of the matcher on a relevance set: nDCG@10 per reader and mean.

Mirrors ../shared/eval/evaluate.py (weight-1 interests, the default min_score, limit 1000,
same nDCG; the dumps ingested by the project's own reader into a temporary store) but calls
the ranker directly instead of the command line.

``--feedback``: the residual-collection protocol of evaluate.py --feedback: the reader rates
the ten papers of the first ranking (up if judged, down if not), the ranking is asked for
again (:class:`digest.select.feedback.FeedbackRanker`), and both rankings are scored without
those ten papers; the last line is the mean residual nDCG@10 with feedback.
The two means a test reads (nDCG@10, and the residual one with feedback) are printed in full,
so that a bar is held to the figure itself, not to it rounded (0.7695 is not 0.77); the others
to 3 places.
``--readers d1,d2,...``: only these readers (for leave-readers-out checks). Every run also
prints the means of the first and the second half of the readers (in the file's order: d1-d7
and d8-d14 on the 14 dev readers), so a change can be tuned on one half and checked on the
other.

    python benchmarks/ranking_quality.py [RELEVANCE_JSON] [--dumps DIR] [--semantic] [--feedback]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import tempfile
from pathlib import Path

import _path  # noqa: F401  (puts the project on sys.path)
from _dumps import DEFAULT_DUMPS, dump_files

from digest.config import Config
from digest.ingest.dumps import ingest
from digest.models import Interest, Paper, Profile
from digest.select.matcher import PaperIndex
from digest.store import Store

DEFAULT_RELEVANCE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_relevance_14.json"


def norm(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip().casefold()


def ndcg(ranked: list[str], grades: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** grades.get(t, 0) - 1) / math.log2(i + 2) for i, t in enumerate(ranked[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def profile_for(user: dict) -> Profile:
    interests = tuple(Interest(k, 1.0) for k in user["keywords"])
    return Profile(
        user=user["user"],
        email=f"{user['user']}@example.org",
        interests=interests,
        min_score=Config.__dataclass_fields__["min_score"].default,
    )


def stored_papers(folder: Path) -> list[Paper]:
    """The dumps as `digest ingest` stores them (the project's reader and deduplication)."""
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "digest.db") as store:
        ingest(store, dump_files(folder), dt.datetime.now(dt.UTC))
        return store.papers()


def main(argv: list[str] | None = None) -> float:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("relevance", nargs="?", type=Path, default=DEFAULT_RELEVANCE)
    ap.add_argument("--dumps", type=Path, default=DEFAULT_DUMPS)
    ap.add_argument("--semantic", action="store_true", help="blend in embedding similarity")
    ap.add_argument("--feedback", action="store_true", help="score relevance feedback (see above)")
    ap.add_argument("--readers", help="only these readers, comma-separated")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    users = json.loads(a.relevance.read_text())
    if a.readers:
        wanted = a.readers.split(",")
        users = [u for u in users if u["user"] in wanted]
    papers = stored_papers(a.dumps)
    if a.semantic:
        from digest.select.semantic import SemanticIndex

        base = SemanticIndex.build(papers)
    else:
        base = PaperIndex.build(papers)
    scores, precision, before, after = [], [], [], []
    halves: list[list[float]] = [[], [], [], []]  # first ranking, residual with feedback; per half
    for position, u in enumerate(users):
        half = 2 * position // len(users)
        profile = profile_for(u)
        first = base.rank(profile, limit=1000)
        ranked = [norm(m.paper.title) for m in first]
        grades = {norm(t): g for t, g in u["judgments"].items()}
        scores.append(ndcg(ranked, grades))
        halves[half].append(scores[-1])
        precision.append(sum(1 for t in ranked[:10] if grades.get(t, 0) >= 1) / 10)
        line = f"{u['user']:>6}  nDCG@10={scores[-1]:.3f}  P@10={precision[-1]:.2f}"
        if a.feedback:
            shown = first[:10]
            ratings = {m.paper.id: 1 if grades.get(norm(m.paper.title), 0) >= 1 else -1 for m in shown}
            seen = {norm(m.paper.title) for m in shown}
            residual = {t: g for t, g in grades.items() if t not in seen}
            if ndcg(list(residual), residual) == 0.0:
                print(line + "  (nothing relevant left after the first ten)")
                continue
            again = [norm(m.paper.title) for m in learner(base, ratings).rank(profile, limit=1000)]
            before.append(ndcg([t for t in ranked if t not in seen], residual))
            after.append(ndcg([t for t in again if t not in seen], residual))
            halves[2 + half].append(after[-1])
            line += f"  residual nDCG@10: {before[-1]:.3f} -> {after[-1]:.3f} with feedback"
        if not a.quiet:
            print(line)
    mean = sum(scores) / len(scores)
    print(f"mean P@10={sum(precision) / len(precision):.3f}")
    print(f"mean nDCG@10={mean}")  # in full: tests/select/test_quality.py holds it to its bar
    print(f"halves (first / second half of the readers): nDCG@10={_means(halves[0], halves[1])}")
    if a.feedback:
        print(f"mean residual nDCG@10 without feedback={sum(before) / len(before):.3f}")
        print(f"halves: residual nDCG@10 with feedback={_means(halves[2], halves[3])}")
        mean = sum(after) / len(after)
        print(f"mean residual nDCG@10 with feedback={mean}")  # in full, as the one above
    return mean


def _means(first: list[float], second: list[float]) -> str:
    return " / ".join(f"{sum(h) / len(h):.3f}" if h else "-" for h in (first, second))


def learner(base, ratings: dict[int, int]):
    """The ranker with the reader's ratings, as build_index makes it."""
    from digest.select.feedback import FeedbackRanker

    if isinstance(base, PaperIndex):
        return FeedbackRanker(base, lambda user: ratings)
    from digest.select.features import CombinedFeatures, EmbeddingFeatures, TextFeatures

    def lookup(papers):
        raise AssertionError("the evaluation rates only papers of the index")

    def embed_text(text):
        return base.embedder.embed_phrases([text])[0]

    embeddings = EmbeddingFeatures(base.index.papers, base.vectors, lookup, embed_text)
    features = CombinedFeatures(TextFeatures(base.index.papers), embeddings)
    return FeedbackRanker(base, lambda user: ratings, features=features)


if __name__ == "__main__":
    main()
