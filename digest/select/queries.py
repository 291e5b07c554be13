"""Many profiles' queries at once: the keyword ids and weights that
:meth:`PaperIndex.interests <digest.select.matcher.PaperIndex.interests>` gives each profile,
for 100,000 profiles with a few numpy calls instead of a Python loop over every interest and
every word of every profile.

What a profile's query is (the rules live in ``PaperIndex.interests`` and
``PhraseMatching._with_words``, which rank one profile): its interests that can match, in its
order, an interest listed twice once (where it first appears) with the sum of its weights;
then the keyword of each interest's content words that no interest before it has (one BM25
query over all the profile's words); the interests weighted ``share`` of their weight, the
words ``weight * (WORDS_WEIGHT * share + BAG_WEIGHT) / (sum of the words' idfs)`` (without
``BAG_WEIGHT`` for a one-word interest). Here the phrases are
looked up once per distinct phrase (:meth:`content_words`), and what is per profile is done on
flat arrays: the words kept are each profile's first occurrences of each word, and the sums
are taken in the same order as the one-profile path takes them, so the weights are the very
same floats (``tests/select/test_batch_dumps.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, cast

import numpy as np

from digest.models import Profile
from digest.select.phrases import BAG_WEIGHT, WORDS_WEIGHT, ContentWords

if TYPE_CHECKING:
    from digest.select.matcher import PaperIndex


@dataclass(frozen=True, slots=True)
class Queries:
    """The queries of the profiles with ``size`` keywords: one row per profile."""

    members: np.ndarray  # the profiles' positions, ascending
    ids: np.ndarray  # keyword ids, shape (profiles, size)
    weights: np.ndarray  # their weights, the same shape
    own: np.ndarray | None = None  # rows of several sizes, padded (see gather): the profile's own


def gather(
    index: PaperIndex, profiles: Sequence[Profile], wanted: Sequence[int], few: int = 0
) -> list[Queries]:
    """The queries of ``profiles[i]`` for ``i`` in ``wanted`` (ascending), by their size,
    shortest first; profiles whose interests match nothing are left out.

    The sizes that have fewer than ``few`` profiles (all of them, when a call ranks a few
    readers) come first, as one: every row padded to the longest with its last keyword at
    weight 0.0, which adds ``score * 0.0 = +0.0`` to the profile's sum after its own
    keywords (the same float), contributes nothing to an explanation and counts for no
    coverage (``own`` is False there). By size alone, a call of 25 readers makes a stack of
    one or two profiles for each of 15-25 sizes, and every step of the ranking runs once
    per stack.
    """
    lists = [profiles[i].interests for i in wanted]
    counts = np.fromiter(map(len, lists), dtype=np.intp, count=len(wanted))
    interests = list(chain.from_iterable(lists))
    phrases = list(map(attrgetter("phrase"), interests))
    weight = np.fromiter(map(attrgetter("weight"), interests), dtype=np.float64, count=len(interests))
    # each distinct phrase's code: where it first appears among the distinct ones
    codes = {p: c for c, p in enumerate(dict.fromkeys(phrases))}
    code = np.fromiter(map(codes.__getitem__, phrases), dtype=np.intp, count=len(phrases))
    found = [index.content_words(p) for p in codes]  # matches the phrases not seen before
    keyword_id = np.array([-1 if w is None else w.keyword.id for w in found], dtype=np.intp)
    owner = np.repeat(np.arange(len(wanted)), counts)
    owner, code, weight = _distinct(owner, code, weight, keyword_id >= 0)

    # Each interest's words, flat, in order; kept: the profile's first occurrence of a word.
    n_words = np.array([0 if w is None else len(w.norms) for w in found], dtype=np.intp)
    offset = np.cumsum(n_words) - n_words  # where each phrase's words begin in word_norm
    norm_codes: dict[str, int] = {}
    word_norm = np.array(
        [norm_codes.setdefault(n, len(norm_codes)) for w in found if w is not None for n in w.norms],
        dtype=np.intp,
    )
    word_idf = np.array([idf for w in found if w is not None for idf in w.idfs], dtype=np.float64)
    per = n_words[code]
    entry = np.repeat(np.arange(len(code)), per)
    at = np.repeat(offset[code], per) + (np.arange(len(entry)) - np.repeat(np.cumsum(per) - per, per))
    word_owner = owner[entry]
    kept = _first_occurrences(word_owner, word_norm[at])
    kept_per_entry = np.bincount(entry[kept], minlength=len(code))

    # The sum of the kept words' idfs, word after word, per profile; the weights.
    total_idf = _ordered_sums(word_owner[kept], word_idf[at[kept]], len(wanted))
    share = 1.0 / (1.0 + WORDS_WEIGHT)
    scale = WORDS_WEIGHT * share / np.where(total_idf > 0.0, total_idf, 1.0)
    has_words = total_idf[owner] > 0.0
    phrase_weight = np.where(has_words, weight * share, weight)
    grouped = np.flatnonzero((kept_per_entry > 0) & has_words)
    # a multi-word interest's words count again, in the bag (one-word interests are their own word)
    bag = BAG_WEIGHT / np.where(total_idf > 0.0, total_idf, 1.0)
    multi_word = np.array([w is not None and len(w.keyword.match.terms) > 1 for w in found], dtype=bool)
    in_bag = np.where(multi_word[code[grouped]], bag[owner[grouped]], 0.0)
    group_weight = weight[grouped] * (scale[owner[grouped]] + in_bag)

    # The keywords of their words: all of them (cached per phrase), or those no interest
    # before it has (a few profiles).
    whole = kept_per_entry[grouped] == per[grouped]
    words_id = np.zeros(len(found), dtype=np.intp)
    for c in np.unique(code[grouped[whole]]).tolist():
        words_id[c] = index.words_keyword(cast(ContentWords, found[c]))
    group_ids = words_id[code[grouped]]
    word_start = np.cumsum(per) - per  # where each interest's words begin in entry/kept
    for g in np.flatnonzero(~whole).tolist():
        e = int(grouped[g])
        words = cast(ContentWords, found[code[e]])
        mine = kept[word_start[e] : word_start[e] + per[e]].tolist()
        terms = tuple(t for t, k in zip(words.terms, mine, strict=True) if k)
        group_ids[g] = index.words_keyword(words, terms)

    # Per profile: its interests, then their words; flat, profile after profile.
    all_owner = np.concatenate((owner, owner[grouped]))
    all_part = np.concatenate((np.zeros(len(owner), dtype=np.intp), np.ones(len(grouped), dtype=np.intp)))
    all_ids = np.concatenate((keyword_id[code], group_ids))
    all_weights = np.concatenate((phrase_weight, group_weight))
    order = np.lexsort((np.arange(len(all_owner)), all_part, all_owner))
    flat_ids, flat_weights = all_ids[order], all_weights[order]
    sizes = np.bincount(all_owner, minlength=len(wanted))
    begins = np.cumsum(sizes) - sizes
    wanted_at = np.asarray(wanted, dtype=np.intp)
    present, count = np.unique(sizes[sizes > 0], return_counts=True)
    queries: list[Queries] = []
    if np.count_nonzero(count < few) > 1:
        small = present[count < few]
        rows = np.flatnonzero(np.isin(sizes, small))
        column = np.arange(int(small[-1]))
        own = column < sizes[rows][:, None]
        take = begins[rows][:, None] + np.minimum(column, sizes[rows][:, None] - 1)
        queries.append(Queries(wanted_at[rows], flat_ids[take], np.where(own, flat_weights[take], 0.0), own))
        present = present[count >= few]
    for size in present.tolist():
        rows = np.flatnonzero(sizes == size)
        take = begins[rows][:, None] + np.arange(size)
        queries.append(Queries(wanted_at[rows], flat_ids[take], flat_weights[take]))
    return queries


def _distinct(
    owner: np.ndarray, code: np.ndarray, weight: np.ndarray, matches: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The interests that can match, each once per profile where it first appears, with
    the weights of its repeats added to it (in order, as ``w[at] += weight``)."""
    key = owner * (int(code.max(initial=0)) + 1) + code
    order = np.argsort(key, kind="stable")
    same = np.zeros(len(key), dtype=bool)
    same[order[1:]] = key[order[1:]] == key[order[:-1]]
    if same.any():
        weight = weight.copy()
        repeats = order[np.flatnonzero(np.diff(key[order]) == 0) + 1]  # later occurrences, in order
        firsts = {}
        for later in repeats.tolist():
            first = firsts.setdefault(int(key[later]), int(order[np.searchsorted(key[order], key[later])]))
            weight[first] = weight[first] + weight[later]
    keep = ~same & matches[code]
    return owner[keep], code[keep], weight[keep]


def _first_occurrences(owner: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Whether each (owner, norm) is the first of its kind, in the arrays' order."""
    key = owner * (int(norm.max(initial=0)) + 1) + norm
    order = np.argsort(key, kind="stable")
    first = np.ones(len(key), dtype=bool)
    first[order[1:]] = key[order[1:]] != key[order[:-1]]
    return first


def _ordered_sums(owner: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per owner (ascending in ``owner``), ``sum()`` of its values in their order: the same
    additions, left to right, as Python's ``sum`` (3.11) of the same floats (laid out a row
    per owner, padded with zeros: adding 0.0 changes no sum)."""
    counts = np.bincount(owner, minlength=n)
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    laid = np.zeros((int(counts.max(initial=0)), n), dtype=np.float64)
    laid[rank, owner] = values
    total = np.zeros(n, dtype=np.float64)
    for column in laid:
        total += column
    return total
