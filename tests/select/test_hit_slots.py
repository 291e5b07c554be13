"""The index keeps the hits of each (keyword, paper) pair once asked for, in slots given as
papers and keywords come (:class:`digest.select.highlights.HitSlots`): whatever the order of
the questions, and however the slots grew in between, every match's hits are a fresh index's."""

from __future__ import annotations

import random

from helpers.random_readers import _papers, _readers

from digest.select.batch import rank_many
from digest.select.matcher import PaperIndex


def test_hits_asked_in_any_order_while_the_slots_grow_are_a_fresh_indexs():
    """260 papers (the columns grow past 64, 128 and 256) and 40 readers (the rows past 64, some
    after many columns were given): single pairs asked at random, readers ranked alone and in
    batches, with limits and without; each answer is what an index of the reader's own gives,
    and so is every reader's every match at the end."""
    for seed in (1, 2):
        rng = random.Random(seed)
        papers, readers = _papers(seed, 260), _readers(seed, 40)
        alone = {r.user: PaperIndex.build(papers).rank(r) for r in readers}  # every match, best first
        index = PaperIndex.build(papers)
        order = rng.sample(readers, len(readers))
        while order:
            for _ in range(rng.randint(0, 40)):  # single pairs: any keyword met so far, any paper
                if index.keyword_list:
                    keyword, d = rng.choice(index.keyword_list), rng.randrange(len(papers))
                    assert index.hits(keyword, d) == index.hits(keyword, d)
            n = rng.randint(1, 8)
            batch, order = order[:n], order[n:]
            limits = [rng.choice((1, 3, 10, 50, None)) for _ in batch]
            if len(batch) == 1 and rng.random() < 0.5:
                got = [index.rank(batch[0], limits[0])]
            else:
                got = rank_many(index, batch, limit=limits)
            for reader, limit, matches in zip(batch, limits, got, strict=True):
                assert matches == alone[reader.user][:limit], (seed, reader.user, limit)
        assert len(index.hit_slots.papers) > 256 and len(index.keyword_list) > 64
        for reader in readers:  # every match of every reader, the slots grown
            assert index.rank(reader) == alone[reader.user], (seed, reader.user)
