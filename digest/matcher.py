"""First matcher: BM25 over title and abstract, phrases matched as phrases, weights, exclusions.

(Placeholder for the full matcher of the matching-quality issue; same public API.)
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence

from digest.models import Hit, Match, Paper, Profile

log = logging.getLogger(__name__)

K1, B, TITLE_BOOST = 1.2, 0.75, 2.0


def _pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    return re.compile(r"\b" + r"[\s\-]+".join(words) + r"s?\b", re.IGNORECASE)


class PaperIndex:
    def __init__(self, papers: Sequence[Paper]) -> None:
        self.papers = list(papers)
        self.lengths = [len((p.title + " " + p.abstract).split()) for p in self.papers]
        self.avg = (sum(self.lengths) / len(self.lengths)) if self.papers else 1.0

    @classmethod
    def build(cls, papers: Sequence[Paper]) -> PaperIndex:
        return cls(papers)

    def rank(self, profile: Profile, limit: int | None = None) -> list[Match]:
        n = len(self.papers)
        excluded = [_pattern(t) for t in profile.exclude]
        found: dict[int, list[tuple[str, float, list[Hit]]]] = {}
        for interest in profile.interests:
            pat = _pattern(interest.phrase)
            per_paper = []
            for i, p in enumerate(self.papers):
                hits = [Hit(interest.phrase, "title", m.start(), m.end()) for m in pat.finditer(p.title)]
                hits += [
                    Hit(interest.phrase, "abstract", m.start(), m.end()) for m in pat.finditer(p.abstract)
                ]
                if hits:
                    per_paper.append((i, hits))
            if not per_paper:
                continue
            idf = math.log(1 + (n - len(per_paper) + 0.5) / (len(per_paper) + 0.5))
            for i, hits in per_paper:
                tf = sum(TITLE_BOOST if h.field == "title" else 1.0 for h in hits)
                norm = K1 * (1 - B + B * self.lengths[i] / self.avg)
                score = interest.weight * idf * tf * (K1 + 1) / (tf + norm)
                found.setdefault(i, []).append((interest.phrase, score, hits))
        matches = []
        for i, parts in found.items():
            paper = self.papers[i]
            if any(x.search(paper.title) or x.search(paper.abstract) for x in excluded):
                continue
            score = sum(s for _, s, _ in parts)
            if score <= 0 or score < profile.min_score:
                continue
            parts.sort(key=lambda t: -t[1])
            hits = tuple(h for _, _, hs in parts for h in hs)
            matches.append(Match(paper, round(score, 4), tuple(k for k, _, _ in parts), hits))
        matches.sort(key=lambda m: (-m.score, m.paper.id))
        return matches[:limit] if limit is not None else matches


def rank(papers: Sequence[Paper], profile: Profile, limit: int | None = None) -> list[Match]:
    return PaperIndex.build(papers).rank(profile, limit)
