"""Ranking quality on the 14 dev readers of ../shared/eval (keywords only, first ranking)."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import ROOT, SHARED

RELEVANCE = SHARED / "eval" / "dev_relevance_14.json"


def test_keyword_ranking_reaches_the_bar_on_the_14_dev_readers():
    if not RELEVANCE.is_file() or not (SHARED / "dumps").is_dir():
        pytest.skip(f"the shared relevance set is not at {RELEVANCE}")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import ranking_quality
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    users = json.loads(RELEVANCE.read_text())
    mean = ranking_quality.main([str(RELEVANCE), "--dumps", str(SHARED / "dumps"), "--quiet"])
    assert len(users) == 14
    assert mean >= 0.77  # plain BM25 0.729; main 0.722; this branch 0.773 (issue 11)
