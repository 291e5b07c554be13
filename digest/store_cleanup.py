"""Migration 14 -> 15, a data migration: the papers stored before ingest dropped control
characters and bidi overrides from escapes (JSON's ``\\u001b``, XML's ``&#x202E;``: see
:func:`digest.ingest.sources.fields.clean`) are cleaned as a new ingest would store them.

Run inside the migration's transaction (all papers or none). A paper keeps its id, and so
everything that points at it (listings, what was sent, ratings); its ``key`` stays too. Where
its cleaned title normalizes to another key (a control character between two letters was a
word break), that key is added to ``paper_titles``, so that a listing naming the paper by
its clean title finds it (unless that key is another paper's already: a paper stored twice
before, once with the escape and once without, which migration 21 -> 22 merges:
digest.store_twice). Likewise a title
a feed gave as HTML, stored as it came before feeds' HTML was read as text (``Salt &amp;
Pepper``, ``<b>...</b>``; digest.ingest.sources.markup): the key of its text as a fetch now
stores it is added, so that the same item fetched again (a feed keeps its items for days) is
the paper stored, not a second one; the stored title itself is kept.

The text a paper is matched and embedded on changed: its embeddings are dropped (computed
again when next wanted) and its word counts (``paper_terms``, ``term_stats``, ``acronyms``:
digest.select.collection) are made again (digest.store_reindex; the whole archive's emptied, and
rebuilt by the next ranking, only where such papers are many). Likewise the word counts of a
paper whose stored text the matcher now reads otherwise,
since it folds Unicode forms (NFKC, combining marks kept with their letter: digest.select.text):
a full-width or superscript character in a word, a mark inside one, a full-width hyphen joining
two; not for what NFKC changes that the matcher read the same way before (a no-break space
between two words; a ligature or ``µ``, which case folding made the same), so that its counts
are the ones a fresh index of every paper would make. When neither happens, nor a title as
HTML (the usual case), the migration changes nothing.

Migration 17 -> 18 (:func:`refold_dotted_i`) makes the word counts again likewise of the stored
texts with a Turkish capital dotted I, which the matcher now reads as an ``i``. Migration 20 -> 21
(:func:`rekey_dotted_i`): a title's key reads it so too.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from digest.store_chunks import in_chunks
from digest.store_papers import title_key
from digest.store_reindex import reindex_papers

log = logging.getLogger(__name__)

CHUNK = 1000  # papers read at a time
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def clean_stored_papers(db: Any, dialect: str) -> None:
    """Clean what was stored with control characters; make the word counts of the papers whose
    texts changed or are read differently now again (see the module's doc)."""
    # imported here: the readers' module loads defusedxml, which the store does not need otherwise
    from digest.ingest.sources.decode import CONTROL
    from digest.ingest.sources.fields import clean
    from digest.ingest.sources.markup import element_text
    from digest.store_papers import title_key_before_21 as stored_key  # as keys were made then

    def dirty(text: str | None) -> bool:
        return text is not None and ("\x00" in text or CONTROL.search(text) is not None)

    changed_text: list[int] = []
    read_otherwise: list[int] = []  # papers whose words the matcher reads otherwise since schema 15
    before: list[str] = []  # the texts the migration changed, as they were
    new_keys: dict[str, int] = {}  # a title key to add to paper_titles: the paper it finds
    cleaned = 0
    last = 0
    sql = (
        "SELECT id, key, title, abstract, authors, categories, code_url, project_url FROM papers "
        "WHERE id > ? ORDER BY id LIMIT ?"
    )
    while rows := db.execute(sql, (last, CHUNK)).fetchall():
        last = rows[-1][0]
        for pid, key, title, abstract, authors, categories, code_url, project_url in rows:
            if _read_otherwise(title) or _read_otherwise(abstract):
                read_otherwise.append(pid)
            if "<" in title or "&" in title:  # a feed's HTML, stored as it came: the key of its text
                node = ET.Element("title")
                node.text = title
                if key == stored_key(title) and (shown := title_key(element_text(node))) not in ("", key):
                    new_keys.setdefault(shown, pid)
            new_authors, new_categories = _names(clean, dirty, authors), _names(clean, dirty, categories)
            names_changed = (new_authors, new_categories) != (authors, categories)
            if not names_changed and not any(map(dirty, (title, abstract, code_url, project_url))):
                continue
            new_title = _text(clean, title) if dirty(title) else title
            new_abstract = _text(clean, abstract) if dirty(abstract) else abstract
            db.execute(
                "UPDATE papers SET title = ?, abstract = ?, authors = ?, categories = ?, code_url = ?, "
                "project_url = ? WHERE id = ?",
                (
                    new_title,
                    new_abstract,
                    new_authors,
                    new_categories,
                    None if dirty(code_url) else code_url,  # a link a new ingest refuses (hf_daily._url)
                    None if dirty(project_url) else project_url,
                    pid,
                ),
            )
            cleaned += 1
            if (new_title, new_abstract) != (title, abstract):
                changed_text.append(pid)
                before.append(f"{title}\n{abstract}")
            if key == stored_key(title) and title_key(new_title) != key:
                new_keys.setdefault(title_key(new_title), pid)
    for key, pid in new_keys.items():
        taken = (
            db.execute("SELECT id FROM papers WHERE key = ?", (key,)).fetchone()
            or db.execute("SELECT paper_id FROM paper_titles WHERE key = ?", (key,)).fetchone()
        )
        # another paper's key already: one paper stored twice, which migration 21 -> 22 merges
        # (digest.store_twice), or two papers of one title, which it keeps apart and says so
        if not taken:
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (key, pid))
    for chunk, marks in in_chunks(changed_text, CHUNK):
        db.execute(f"DELETE FROM embeddings WHERE paper_id IN ({marks})", chunk)
    if cleaned:
        log.info("%d papers stored with control characters or bidi overrides cleaned", cleaned)
    reindex_papers(db, dialect, changed_text + read_otherwise, before)


def refold_dotted_i(db: Any, dialect: str) -> None:
    """Migration 17 -> 18: the matcher now reads a capital dotted I (Turkish ``İ``, U+0130) as the
    ``i`` of a keyword (digest.select.text.fold_case), where it read ``İstanbul`` as ``i`` + U+0307
    + ``stanbul``. The word counts of the stored papers with one (or a combining dot above) are
    made again (digest.store_reindex), so that they are the ones a fresh index makes; a store
    with none is left as it was."""
    marks = ("%\u0130%", "%\u0307%")
    where = " OR ".join("title LIKE ? OR abstract LIKE ?" for _ in marks)
    params = tuple(m for m in marks for _ in (1, 2))
    ids = [pid for (pid,) in db.execute(f"SELECT id FROM papers WHERE {where}", params).fetchall()]
    reindex_papers(db, dialect, ids)


def rekey_dotted_i(db: Any, dialect: str) -> None:
    """Migration 20 -> 21: a title's key folds a capital dotted I as the matcher does ("İstanbul" is
    "istanbul", where plain casefold made "i stanbul"). A paper stored under the old key of its title
    keeps it (and its id); the new key is added to ``paper_titles``, so that a listing of it (with the
    dotted I or without) finds it, unless that key is another paper's already (the paper was stored
    twice before: the next migration merges them, digest.store_twice). Only titles with the letter are
    read. The other titles a paper was listed under are kept as keys only: not re-keyed here, but a
    listed title with the letter is looked up by its old key too (digest.store_papers)."""
    from digest.store_papers import title_key_before_21

    sql = "SELECT id, key, title FROM papers WHERE title LIKE ? OR title LIKE ? ORDER BY id"
    for pid, key, title in db.execute(sql, ("%\u0130%", "%\u0307%")).fetchall():
        new = title_key(title)
        if key != title_key_before_21(title) or new in ("", key):
            continue  # stored under another title's key (two papers, one title), or no change
        taken = (
            db.execute("SELECT id FROM papers WHERE key = ?", (new,)).fetchone()
            or db.execute("SELECT paper_id FROM paper_titles WHERE key = ?", (new,)).fetchone()
        )
        # another paper's key already: one paper stored twice, which migration 21 -> 22 merges
        # (digest.store_twice), or two papers of one title, which it keeps apart and says so
        if not taken:
            db.execute("INSERT INTO paper_titles (key, paper_id) VALUES (?, ?)", (new, pid))


def _text(clean: Any, text: str) -> str:
    """``text`` cleaned; kept as it is if nothing would be left (never an empty title)."""
    return clean(text) or text


def _names(clean: Any, dirty: Any, stored: str) -> str:
    """A JSON array of names (authors, categories; the characters are escapes in the JSON),
    each cleaned, the empty ones dropped; ``stored`` itself if none needs it."""
    if "\\u" not in stored and not dirty(stored):  # json.dumps wrote every such character as one
        return stored
    try:
        names = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(names, list) or not any(isinstance(n, str) and dirty(n) for n in names):
        return stored
    cleaned = (clean(n) if isinstance(n, str) else n for n in names)
    return json.dumps(list(dict.fromkeys(n for n in cleaned if n)))


def _read_otherwise(text: str | None) -> bool:
    """Does the matcher read ``text`` differently since it folds Unicode forms: are its tokens
    (words, where they stand, how they join) not those it read before? Only a text with a
    character NFKC changes, or a combining mark (it no longer splits a word), may be; most of
    those are not (a no-break space between two words was a space then as it is now)."""
    if not text or text.isascii():
        return False
    if unicodedata.is_normalized("NFKC", text) and not any(
        unicodedata.category(c)[0] == "M" for c in _NON_ASCII.findall(text)
    ):
        return False
    from digest.select.text import tokenize

    return _counted(tokenize(text)) != _counted(_tokens_before_nfkc(text))


def _counted(tokens: Sequence[Any]) -> list[tuple]:
    """What the word counts take of each token: its norm, where it stands, how it joins the one
    before, and its surface as a joined pair spells it (case-folded: ``µ`` and ``μ`` alike)."""
    return [(t.start, t.end, t.norm, t.stem, t.joined, t.compound, t.surface.casefold()) for t in tokens]


# How the matcher read a text before it folded Unicode forms (digest.select.text, until schema
# version 15): words were the runs of these characters as written, combining marks split them,
# and the gap between two words was judged as written. Kept as it was: it is what indexed the
# word counts of a database that comes to this migration.
_WORD_THEN = re.compile(r"[^\W_]+")
_JOINER_THEN = re.compile(r"[\s\-\u2010-\u2015/]{1,3}")
_HYPHEN_THEN = re.compile(r"[\-\u2010-\u2015]")


def _tokens_before_nfkc(text: str) -> tuple:
    """``text``'s tokens as the matcher made them before it folded Unicode forms."""
    from digest.select.text import Token, is_acronym, singular, stem

    tokens: list[Token] = []
    prev_end = -1
    for m in _WORD_THEN.finditer(text):
        surface = m.group()
        if is_acronym(surface):  # "SNNs" -> "snn"
            plural = surface.endswith("s") and not surface[-2:].isupper()
            norm = (surface[:-1] if plural else surface).casefold()
            norm_stem = (norm, norm)
        else:
            norm = singular(surface.casefold())
            norm_stem = (norm, norm if len(norm) <= 3 else stem(norm))
        joined = hyphen = False
        if prev_end >= 0:
            gap = text[prev_end : m.start()]
            joined = gap == "" or _JOINER_THEN.fullmatch(gap) is not None
            hyphen = joined and _HYPHEN_THEN.search(gap) is not None and not gap.isspace()
        if hyphen and not tokens[-1].compound:
            tokens[-1] = tokens[-1]._replace(compound=True)
        tokens.append(Token(m.start(), m.end(), surface, *norm_stem, joined, hyphen))
        prev_end = m.end()
    return tuple(tokens)
