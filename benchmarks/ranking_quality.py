"""Ranking quality of the matcher on a relevance set: nDCG@10 per reader and mean.

Mirrors ../shared/eval/evaluate.py (weight-1 interests, the default min_score, limit 1000,
same nDCG; the dumps ingested by the project's own reader into a temporary store) but calls
the ranker directly instead of the command line.

    python benchmarks/ranking_quality.py [RELEVANCE_JSON] [--dumps DIR] [--semantic]
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
from _dumps import DEFAULT_DUMPS

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
        ingest(store, sorted(p for p in folder.iterdir() if p.is_file()), dt.datetime.now(dt.UTC))
        return store.papers()


def main(argv: list[str] | None = None) -> float:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("relevance", nargs="?", type=Path, default=DEFAULT_RELEVANCE)
    ap.add_argument("--dumps", type=Path, default=DEFAULT_DUMPS)
    ap.add_argument("--semantic", action="store_true", help="blend in embedding similarity")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    users = json.loads(a.relevance.read_text())
    papers = stored_papers(a.dumps)
    if a.semantic:
        from digest.select.semantic import SemanticIndex

        rank = SemanticIndex.build(papers).rank
    else:
        rank = PaperIndex.build(papers).rank
    scores, precision = [], []
    for u in users:
        ranked = [norm(m.paper.title) for m in rank(profile_for(u), limit=1000)]
        grades = {norm(t): g for t, g in u["judgments"].items()}
        scores.append(ndcg(ranked, grades))
        precision.append(sum(1 for t in ranked[:10] if grades.get(t, 0) >= 1) / 10)
        if not a.quiet:
            print(f"{u['user']:>6}  nDCG@10={scores[-1]:.3f}  P@10={precision[-1]:.2f}")
    mean = sum(scores) / len(scores)
    print(f"mean P@10={sum(precision) / len(precision):.3f}")
    print(f"mean nDCG@10={mean:.3f}")
    return mean


if __name__ == "__main__":
    main()
