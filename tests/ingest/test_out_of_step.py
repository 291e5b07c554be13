"""A trending dump whose titles and abstracts fell out of step (an abstract split in two by a
blank line, a title whose abstract is missing) is refused whole, naming the line, rather than
read with titles paired to titles: the format has no mark of which paragraph is a title, so the
pairs tell (a "title" that ends with a period before an "abstract" with no sentence end)."""

from __future__ import annotations

import re

import pytest
from helpers.parsed_dump import MTIME, parse

from digest.errors import DumpError
from digest.ingest.sources import parse_dump
from digest.ingest.sources.sentences import states
from digest.store import Store

from conftest import Workspace, make_dump

PAPERS = [
    ("Spiking Networks on Chips", "We run spiking networks on chips. It is fast."),
    ("Robots That Learn", "Robots learn to grasp. They grasp well."),
    ("Lonely Title", "Its abstract is lost."),
]


def split_abstract_and_lose_the_last(papers) -> str:
    """The first abstract split in two by a blank line, the last title's abstract lost: an even
    number of paragraphs, every one of them paired."""
    text = make_dump("Mar 14", papers).replace(". It is fast.", ".\n\nIt is fast.")
    return text.rsplit("\n\n", 1)[0] + "\n"


def test_an_abstract_split_by_a_blank_line_and_a_lost_last_abstract_refuse_the_dump():
    with pytest.raises(DumpError) as info:
        parse(split_abstract_and_lose_the_last(PAPERS))
    message = str(info.value)  # the split: line 15's "It is fast." stands where a title should
    assert message.startswith("day.txt:15: titles and abstracts are out of step: 'It is fast.' stands")
    assert "(line 17: 'Robots That Learn') reads as a title" in message
    assert "refused whole" in message


def test_two_lost_abstracts_are_refused_at_the_first_pair_that_shows_it():
    papers = [("First Title", "First abstract."), ("Second Title", "Second abstract."), ("Third", "x.")]
    text = make_dump("Mar 14", papers).replace("First abstract.\n\n", "")  # pairs titles with titles
    out_of_step = r"^day.txt:15: titles and abstracts are out of step: 'Second abstract\.'"
    with pytest.raises(DumpError, match=out_of_step):
        parse(text.rsplit("\n\n", 1)[0] + "\n")


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        ("Do Transformers Dream?", "Code at https://example.org/dream"),  # a question, a URL
        ("Attention Is Not Enough...", "Code at https://example.org/more"),  # an ellipsis
        ("Nets, Inc.", "We study nets."),  # a period, but the abstract ends a sentence
        ("Plain Title", "Code at https://example.org/plain"),
    ],
)
def test_titles_and_abstracts_in_step_are_read_as_they_are(title, abstract):
    listing = parse(make_dump("Mar 14", [("Before", "An abstract."), (title, abstract)]))
    assert [(e.title, e.abstract) for e in listing.entries] == [("Before", "An abstract."), (title, abstract)]


def test_the_refused_dump_is_put_aside_with_the_reason_and_nothing_is_stored(tmp_path):
    ws = Workspace(tmp_path)
    ws.dump("day.txt", split_abstract_and_lose_the_last(PAPERS))
    result = ws.cli("ingest")
    assert result.exit_code == 1
    assert ":15: titles and abstracts are out of step" in result.output
    kept = tmp_path / "inbox" / "failed" / "day.txt"
    assert kept.is_file()
    assert ":15: titles and abstracts are out of step" in kept.with_name("day.txt.error.txt").read_text()
    with Store(ws.config.database) as store:
        assert store.papers() == []


def test_the_real_dumps_are_read_and_refused_once_out_of_step(shared_dumps):
    """Each shared dump is read; the same dump with the abstract before its last title split at
    its last sentence and the last abstract lost (the case that paired a title with a title)
    is refused at the split."""
    checked = 0
    for path in shared_dumps:
        raw = path.read_text(encoding="utf-8")
        entries = parse_dump(raw.encode(), path, MTIME).entries
        assert entries
        before = entries[-2].abstract
        if not before.endswith("."):
            continue  # an abstract that ends with a URL: its end would not read as an abstract's
        cut = before.rindex(". ", 0, len(before) - 1) + 2
        broken = raw.replace(before, before[:cut].rstrip() + "\n\n" + before[cut:])
        broken = broken.rsplit("\n\n", 1)[0] + "\n"
        with pytest.raises(DumpError, match=r":\d+: titles and abstracts are out of step"):
            parse_dump(broken.encode(), path, MTIME)
        checked += 1
    assert checked >= len(shared_dumps) - 1


def test_a_title_that_asks_a_question_after_an_abstracts_end_is_out_of_step_too():
    """A title may end with '?' (or '!') as a sentence does: after a paragraph that ends with a
    period, a paragraph of one sentence (no sentence break inside) in an abstract's place is a
    title, not an abstract (a real one has many sentences)."""
    papers = [*PAPERS[:1], ("Robots That Learn", "Robots learn. They grasp well."), ("Dream?", "Lost.")]
    text = make_dump("Mar 14", papers).replace(". They grasp well.", ".\n\nThey grasp well.")
    with pytest.raises(
        DumpError, match=r"^day.txt:19: .*out of step: 'They grasp well\.'.*\(line 21: 'Dream\?'\)"
    ):
        parse(text.rsplit("\n\n", 1)[0] + "\n")


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        ("Nets, Inc.", "Do nets dream? We ask."),  # a period, then an abstract of two sentences
        ("Nets, Inc.", "Do nets dream? " + "We ask it at length and answer " * 20 + "no?"),
    ],
)
def test_an_abstract_that_ends_with_a_question_is_read_as_it_is(title, abstract):
    listing = parse(make_dump("Mar 14", [("Before", "An abstract."), (title, abstract)]))
    assert [(e.title, e.abstract) for e in listing.entries] == [("Before", "An abstract."), (title, abstract)]


def test_the_real_dumps_with_a_question_title_last_are_refused_once_out_of_step(shared_dumps):
    """Each shared dump cut after a title that asks a question (its abstract lost), with the
    abstract before that title split at its last sentence: refused at the split."""
    checked = 0
    for path in shared_dumps:
        raw = path.read_text(encoding="utf-8")
        entries = parse_dump(raw.encode(), path, MTIME).entries
        for before, asking in zip(entries, entries[1:], strict=False):
            if asking.title.endswith("?") and before.abstract.endswith("."):
                break
        else:
            continue
        cut = before.abstract.rindex(". ", 0, len(before.abstract) - 1) + 2
        split = before.abstract[:cut].rstrip() + "\n\n" + before.abstract[cut:]
        head = raw[: raw.index(asking.title) + len(asking.title)]  # the question title last
        broken = head.replace(before.abstract, split) + "\n"
        with pytest.raises(DumpError, match=r":\d+: titles and abstracts are out of step"):
            parse_dump(broken.encode(), path, MTIME)
        checked += 1
    assert checked >= 2


URL_END = "Code and data at https://lab.example/probes"


def test_an_abstracts_end_with_a_url_before_a_title_is_out_of_step_too():
    """An abstract split by a blank line before its URL, and the next title's abstract lost: the
    URL stood in a title's place, before a title, and nothing was said (only a period counted
    as an abstract's end there). No title of the shared dumps ends with a URL."""
    papers = [*PAPERS[:1], ("Robots That Learn", f"Robots learn. {URL_END}"), ("Lost Abstract", "Lost.")]
    papers.append(("Spiking Robots", "We spike."))
    text = make_dump("Mar 14", papers).replace(f". {URL_END}", f".\n\n{URL_END}")
    text = text.replace("Lost.\n\n", "")
    with pytest.raises(
        DumpError, match=r"^day.txt:19: .*out of step: 'Code and data at https://lab.*\(line 21"
    ):
        parse(text)


def lost_after(asking: str) -> str:
    """The abstract before ``asking`` split at its last sentence and ``asking``'s own abstract
    lost: the question title stands in an abstract's place after an abstract's end."""
    papers = [*PAPERS[:1], ("Robots That Learn", "Robots learn. They grasp well."), (asking, "Lost.")]
    papers.append(("Spiking Robots", "We spike."))
    text = make_dump("Mar 14", papers).replace(". They grasp well.", ".\n\nThey grasp well.")
    return text.replace("Lost.\n\n", "")


def test_a_question_title_with_an_abbreviation_inside_after_an_abstracts_end_is_out_of_step():
    """'U.S. ' (or 'vs. ', 'e.g. ', 'J. ') is no sentence's end: the question title holding it was
    taken for an abstract of two sentences, and the dump out of step was read."""
    with pytest.raises(
        DumpError, match=r"^day.txt:19: .*out of step: 'They grasp well\.'.*\(line 21: 'Can U\.S\."
    ):
        parse(lost_after("Can U.S. Courts Trust Language Models vs. Judges?"))


@pytest.mark.parametrize(
    ("title", "abstract"),
    [
        ("Probes at Scale, Inc.", f"We probe. We scale. {URL_END}"),  # an abstract's URL is no title
        ("Can U.S. Courts Trust Language Models?", "We ask. We answer."),
        ("Bridges: A Study of Node.js/Deno", "We bridge them."),  # a title ending like a URL
    ],
)
def test_a_title_with_a_period_or_an_abbreviation_or_a_path_in_step_is_read(title, abstract):
    listing = parse(make_dump("Mar 14", [("Before", "An abstract."), (title, abstract)]))
    assert [(e.title, e.abstract) for e in listing.entries] == [("Before", "An abstract."), (title, abstract)]


def test_the_real_dumps_with_a_period_after_each_title_before_an_abstract_with_no_mark_are_read(
    shared_dumps,
):
    """A title may end with a period ('..., Inc.'); an abstract that ends with no mark (its URL)
    is no title (over 1,400 characters in the shared dumps): such a dump was refused whole."""
    checked = 0
    for path in shared_dumps:
        raw = path.read_text(encoding="utf-8")
        entries = parse_dump(raw.encode(), path, MTIME).entries
        unmarked = [e for e in entries if not e.abstract.rstrip(")]\"'").endswith((".", "?", "!"))]
        for entry in unmarked:
            raw = raw.replace(f"\n{entry.title}\n\n{entry.abstract}", f"\n{entry.title}.\n\n{entry.abstract}")
        read = parse_dump(raw.encode(), path, MTIME).entries
        assert [e.title for e in read] == [e.title + "." * (e in unmarked) for e in entries]
        checked += len(unmarked)
    assert checked >= 10


def test_the_real_dumps_split_before_a_url_and_cut_after_the_next_title_are_refused(shared_dumps):
    """Each shared dump cut after a title whose previous abstract ends with a URL, that abstract
    split at its last sentence: the URL stands in a title's place before a title; refused."""
    checked = 0
    for path in shared_dumps:
        raw = path.read_text(encoding="utf-8")
        entries = parse_dump(raw.encode(), path, MTIME).entries
        for before, after in zip(entries, entries[1:], strict=False):  # noqa: B007 - used after
            if before.abstract.rsplit(None, 1)[-1].startswith("http") and ". " in before.abstract:
                break
        else:
            continue
        cut = before.abstract.rindex(". ") + 2
        split = before.abstract[:cut].rstrip() + "\n\n" + before.abstract[cut:]
        head = raw[: raw.index(f"\n{after.title}\n") + len(after.title) + 1]
        more = "\n\nA Last Title\n\nA last abstract.\n"  # even: the count does not tell
        with pytest.raises(DumpError, match=r":\d+: titles and abstracts are out of step"):
            parse_dump((head.replace(before.abstract, split) + more).encode(), path, MTIME)
        checked += 1
    assert checked >= 3


def test_a_title_ending_with_a_version_after_an_abstracts_end_is_out_of_step_too():
    """A number with a slash ('GPT-3.5/4', 'v1.2/') is no URL: a title ending with one, in an
    abstract's place after an abstract's end, was taken for an abstract ending with its URL, and
    the dump out of step was read. A URL without a scheme names a domain ('lab.example.org/x')."""
    versioned = "Benchmarking GPT-3.5/4"
    papers = [*PAPERS[:1], ("Robots That Learn", "Robots learn. They grasp well."), (versioned, "Lost.")]
    papers.append(("Spiking Robots", "We spike."))
    text = make_dump("Mar 14", papers).replace(". They grasp well.", ".\n\nThey grasp well.")
    text = text.replace("Lost.\n\n", "")
    with pytest.raises(
        DumpError, match=r"^day.txt:19: .*out of step: 'They grasp well\.'.*\(line 21: 'Benchmarking GPT"
    ):
        parse(text)
    schemeless = ("Probes at Scale, Inc.", "We probe. Code at lab.example.org/probes")  # a URL: read
    listing = parse(make_dump("Mar 14", [("Before", "An abstract."), schemeless]))
    assert [(e.title, e.abstract) for e in listing.entries][1] == schemeless


@pytest.mark.parametrize(
    "asking",
    [
        "Is Scale Enough? Data or Compute for Robot Learning?",  # a question, then its subtitle
        "Do Vision Transformers See Like CNNs? Why Not!",
        "Did Vaswani et al. Get It Right?",  # abbreviations before a capital, as titles write
        "Can Dr. Robot Grade Exams?",
        "E.g. Is Not I.e.: Do Language Models Know?",
        "Does Fig. 1 Tell the Whole Story?",
        "Attention... or Memory?",
    ],
)
def test_a_question_title_that_states_nothing_after_an_abstracts_end_is_out_of_step(asking):
    """A title asks, exclaims or adds a subtitle, but states nothing: a '?' or '!' inside, or an
    abbreviation's period ('et al. ', 'Dr. ', 'E.g. ', 'Fig. '), is no statement's end. Such a
    title was taken for an abstract of two sentences, and the dump out of step was read."""
    out_of_step = rf"^day.txt:19: .*out of step: 'They grasp well\.'.*\(line 21: '{re.escape(asking[:20])}"
    with pytest.raises(DumpError, match=out_of_step):
        parse(lost_after(asking))


@pytest.mark.parametrize(
    "abstract",
    [
        "We train nets on data. Do they dream?",  # a statement, then a question
        "Our nets, e.g. the deep ones, fail. Why? Which of them (i.e. the wide ones) dream?",
        "Vaswani et al. trained on text (2017). Does it transfer to images?",
        "Nets learn in 3D. Does it hold in 2D!",
        "We compare to GPT-4. Is it enough?",
        "模型学习。它会做梦吗？",
        "Nets fail as in Fig. 3. Do they dream?",  # a statement's end right after an abbreviation's
    ],
)
def test_an_abstract_that_states_then_asks_after_a_title_with_a_period_is_read(abstract):
    """An abstract states something (a period that ends a sentence: after a word, before the next
    sentence's capital); short and ending with a question after a title that ends with a period, it
    is read as the abstract it is."""
    papers = [("Before", "An abstract."), ("Nets, Inc.", abstract)]
    listing = parse(make_dump("Mar 14", papers))
    assert [(e.title, e.abstract) for e in listing.entries] == papers


def test_no_title_of_the_shared_dumps_states_and_their_abstracts_do(shared_dumps):
    """The rule on the real text: no title holds a statement's end, every abstract of two
    sentences or more does."""
    entries = [e for path in shared_dumps for e in parse_dump(path.read_bytes(), path, MTIME).entries]
    assert [e.title for e in entries if states(e.title)] == []
    several = [e for e in entries if re.search(r"[.!?] [A-Z]", e.abstract)]
    assert len(several) > 390
    assert [e.title for e in several if not states(e.abstract)] == []


@pytest.mark.parametrize(
    "text", ["It holds in Sec. 3. Why?", "See Fig. 2. Does it hold?", "As in Eq. 4. Why?"]
)
def test_a_statements_end_right_after_an_abbreviations_period_is_one(text):
    """The word after an abbreviation ('Fig. 3') may end the sentence itself ('3.'): that period
    was passed over, the word's first character taken by the abbreviation's match."""
    assert states(text)
