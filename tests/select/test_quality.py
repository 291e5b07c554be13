"""Ranking quality on the 14 dev readers of ../shared/eval: the first ranking (keywords only,
and with semantic matching when its extra is installed) and the residual ranking after the
reader rated the first ten papers (benchmarks/ranking_quality.py --feedback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED

RELEVANCE = SHARED / "eval" / "dev_relevance_14.json"


def quality(*args: str) -> float:
    """The mean benchmarks/ranking_quality.py returns (nDCG@10, or with ``--feedback`` the residual
    nDCG@10 with feedback), as it prints it: in full, not rounded (0.7695 is under a 0.77 bar,
    0.770 to 3 places is not). Run as the script it is: it finds its own modules
    (benchmarks/_path.py, _dumps.py) beside it, as from the command line, and no test puts
    benchmarks/ on sys.path."""
    if not RELEVANCE.is_file():
        pytest.skip(f"the shared relevance set is not at {RELEVANCE}")
    if not (SHARED / "dumps").is_dir():
        pytest.skip(f"the shared dumps are not at {SHARED / 'dumps'}")
    assert len(json.loads(RELEVANCE.read_text())) == 14
    script = ROOT / "benchmarks" / "ranking_quality.py"
    command = [
        sys.executable,
        str(script),
        str(RELEVANCE),
        "--dumps",
        str(SHARED / "dumps"),
        "--quiet",
        *args,
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    name = "mean residual nDCG@10 with feedback=" if "--feedback" in args else "mean nDCG@10="
    means = [line.removeprefix(name) for line in run.stdout.splitlines() if line.startswith(name)]
    assert len(means) == 1, f"{script.name} did not print one line '{name}...'; it printed:\n{run.stdout}"
    places = means[0].partition(".")[2]
    assert len(places) > 3, f"{script.name} printed the mean rounded ({name}{means[0]}), not in full"
    return float(means[0])


def semantic_extra() -> None:
    from digest.select.semantic import available

    if not available():
        pytest.skip("the semantic extra is not installed")


def test_keyword_ranking_reaches_the_bar_on_the_14_dev_readers():
    assert quality() >= 0.77  # plain BM25 0.729; main before issue 11 0.722; 0.773; now 0.775


def test_rating_the_first_ten_papers_lifts_the_rest_of_the_ranking():
    # residual: 0.343 without feedback (0.201 before the interests' words as a bag); 0.498 before
    assert quality("--feedback") >= 0.56  # now 0.568


def test_semantic_ranking_reaches_the_bar_on_the_14_dev_readers():
    semantic_extra()
    assert quality("--semantic") >= 0.80  # BM25+MiniLM 0.771; 0.775 before; 0.804; now 0.805


def test_semantic_ranking_learns_from_ratings_too():
    semantic_extra()
    # embeddings alone 0.521; tf-idf and embeddings side by side, say growing with ratings:
    # 0.566 (clipped at 2 standard deviations); smooth saturation, tanh(z / 3):
    assert quality("--semantic", "--feedback") >= 0.575  # now 0.581
