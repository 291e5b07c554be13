"""CSS inlining that gives premailer's exact bytes while paying for the CSS once, not per message.

``premailer.transform`` spends most of its time on work that depends only on the stylesheet:
parsing it with cssutils, re-serializing every rule, turning each selector into XPath and
evaluating it, merging the declarations of every element. For a digest the stylesheet never
changes and the document structure repeats (the same tags and classes under the same
parents), so :class:`CssInliner` keeps, per stylesheet:

- the sorted rules and the text of the ``<style>`` block that stays (media queries), computed
  by premailer's own code once;
- for every *element signature* (its tag and the attributes the selectors look at, plus the
  signature of its parent) the rules that match it, found by premailer's selectors the first
  time a signature shows up;
- for every (rules, existing style) pair the final ``style`` and the HTML attributes premailer
  adds (``bgcolor``, ``width``...), computed by premailer's ``merge_styles``.

Per message what is left is one lxml parse, one walk over the elements and one serialization,
the same parse and serialization premailer does. When a stylesheet uses selectors whose
match does not follow from the ancestor chain alone (``+``, ``~``, pseudo-classes), the
signature cache is skipped and the selectors run on every document, as premailer does.
Anything else premailer would treat specially (``data-premailer``, a ``<style media=print>``)
sends the document to premailer itself. ``tests/compose/test_inline.py`` renders many varied digests
both ways and compares them byte for byte.
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cssselect
import premailer
from lxml import etree
from premailer.merge_style import csstext_to_pairs, merge_styles
from premailer.premailer import FILTER_PSEUDOSELECTORS, _create_cssselector, get_or_create_head

log = logging.getLogger(__name__)

# The premailer options digest uses.
PREMAILER_OPTIONS: dict[str, Any] = {
    "keep_style_tags": False,
    "strip_important": False,
    "disable_validation": True,
    "cssutils_logging_level": logging.CRITICAL,
    "allow_network": False,
}


def premailer_inline(html: str) -> str:
    """The reference: premailer on the whole document, every time."""
    return premailer.transform(html, **PREMAILER_OPTIONS)


@dataclass(frozen=True)
class _Rule:
    selector: str  # what premailer hands to CSSSelector (pseudo-class part removed)
    pairs: tuple[tuple[str, str], ...]  # the declarations, as premailer's csstext_to_pairs gives them
    pseudo: str  # premailer's "class" of the rule: "" or a kept pseudo-class like ":hover"


@dataclass
class _Sheet:
    """Everything that depends only on the stylesheet(s) of a document."""

    rules: tuple[_Rule, ...]
    leftovers: tuple[str | None, ...]  # per <style>: the text it keeps, or None to remove it
    attrs: tuple[str, ...]  # attributes the selectors look at (besides the tag)
    structural: bool  # every selector's match follows from the ancestor chain alone
    selectors: tuple[Callable[[Any], list[Any]], ...]
    signatures: dict[tuple[int, tuple[Any, ...]], int] = field(default_factory=dict)
    matches: dict[int, tuple[int, ...]] = field(default_factory=dict)  # signature -> rule indexes
    styles: dict[tuple[tuple[int, ...], str], tuple[tuple[str, str], ...]] = field(default_factory=dict)


class CssInliner:
    """``inliner(html)`` returns exactly ``premailer_inline(html)``; not thread-safe (one per thread)."""

    def __init__(self) -> None:
        self._premailer = premailer.Premailer(**PREMAILER_OPTIONS)
        self._sheets: dict[tuple[str | None, ...], _Sheet] = {}
        self.fallbacks = 0  # documents handed to premailer itself (for tests and benchmarks)

    def __call__(self, html: str) -> str:
        stripped = html.strip()
        tree = etree.fromstring(stripped, etree.HTMLParser()).getroottree()
        page = tree.getroot()
        root = tree if stripped.startswith(tree.docinfo.doctype) else page
        styles = _create_cssselector("style")(page)
        if any(
            s.attrib.get("media") not in (None, "", "all", "screen") or s.attrib.get("data-premailer")
            for s in styles
        ):
            self.fallbacks += 1
            return premailer_inline(html)
        get_or_create_head(tree)
        key = tuple(s.text for s in styles)
        sheet = self._sheets.get(key)
        if sheet is None:
            sheet = self._sheets[key] = self._compile(key)
        for element, text in zip(styles, sheet.leftovers, strict=True):
            if text is None:
                element.getparent().remove(element)
            else:
                element.text = text
        if sheet.rules:
            self._apply(sheet, page)
        for item in page.xpath("//img[@style]"):  # premailer's align_floating_images, unchanged
            image_css = premailer.premailer.cssutils.parseStyle(item.attrib["style"])
            if image_css.float in ("left", "right"):
                item.attrib["align"] = image_css.float
        return etree.tostring(root, method="html", pretty_print=False, encoding="utf-8").decode("utf-8")

    # -- once per stylesheet -------------------------------------------------------------

    def _compile(self, bodies: tuple[str | None, ...]) -> _Sheet:
        p = self._premailer
        found: list[tuple[tuple[int, ...], str, str]] = []
        leftovers: list[str | None] = []
        for index, body in enumerate(bodies):
            these_rules, these_leftover = p._parse_style_rules(body, index)
            found.extend(these_rules)
            leftovers.append(p._css_rules_to_string(these_leftover) if these_leftover else None)
        found.sort(key=operator.itemgetter(0))
        rules, attrs, structural = [], {"class", "id"}, True
        for _, selector, bulk in found:
            pseudo = ""
            if ":" in selector:
                new_selector, pseudo = re.split(":", selector, maxsplit=1)
                pseudo = f":{pseudo}"
                if pseudo in FILTER_PSEUDOSELECTORS or pseudo.startswith(":nth-child"):
                    pseudo = ""
                else:
                    selector = new_selector
            ok, names = _structural(selector)
            structural = structural and ok
            attrs |= names
            pairs = tuple(csstext_to_pairs(bulk, validate=False))
            rules.append(_Rule(selector, pairs, pseudo))
        return _Sheet(
            rules=tuple(rules),
            leftovers=tuple(leftovers),
            attrs=tuple(sorted(attrs)),
            structural=structural,
            selectors=tuple(_create_cssselector(r.selector) for r in rules),
        )

    # -- per document --------------------------------------------------------------------

    def _apply(self, sheet: _Sheet, page: Any) -> None:
        elements = [e for e in page.iter() if isinstance(e.tag, str)]
        if sheet.structural:
            sigs, unseen = self._signatures(sheet, page)
            if unseen:
                self._learn(sheet, page, elements, sigs)
            plan = [(e, sheet.matches[sigs[e]]) for e in elements]
        else:
            plan = list(self._match(sheet, page, elements).items())
        for element, matched in plan:
            if matched:
                self._style(sheet, element, matched)

    def _signatures(self, sheet: _Sheet, page: Any) -> tuple[dict[Any, int], bool]:
        """Number every element by (its parent's number, its tag, the attributes selectors read)."""
        table, attrs = sheet.signatures, sheet.attrs
        sigs: dict[Any, int] = {}
        unseen = False
        stack = [(page, -1)]
        while stack:
            element, parent = stack.pop()
            key = (parent, (element.tag, *[element.get(a) for a in attrs]))
            sig = table.get(key)
            if sig is None:
                sig = table[key] = len(table)
                unseen = True
            elif sig not in sheet.matches:
                unseen = True
            sigs[element] = sig
            stack.extend((child, sig) for child in element if isinstance(child.tag, str))
        return sigs, unseen

    def _learn(self, sheet: _Sheet, page: Any, elements: list[Any], sigs: dict[Any, int]) -> None:
        for element, matched in self._match(sheet, page, elements).items():
            sheet.matches[sigs[element]] = matched

    @staticmethod
    def _match(sheet: _Sheet, page: Any, elements: list[Any]) -> dict[Any, tuple[int, ...]]:
        """premailer's way: run every selector on the document; rule indexes per element, in order."""
        hits: dict[Any, list[int]] = {e: [] for e in elements}
        for index, select in enumerate(sheet.selectors):
            for item in select(page):
                hits[item].append(index)
        return {e: tuple(v) for e, v in hits.items()}

    def _style(self, sheet: _Sheet, element: Any, matched: tuple[int, ...]) -> None:
        inline = element.attrib.get("style", "")
        key = (matched, inline)
        todo = sheet.styles.get(key)
        if todo is None:
            rules = [sheet.rules[i] for i in matched]
            final = merge_styles(
                inline,
                [list(r.pairs) for r in rules],
                [r.pseudo for r in rules],
                remove_unset_properties=True,
            )
            probe = etree.Element("probe")
            if final:
                probe.attrib["style"] = final
            self._premailer._style_to_basic_html_attributes(probe, final, force=True)
            todo = sheet.styles[key] = tuple(probe.attrib.items())
        for name, value in todo:
            element.attrib[name] = value


def _structural(selector: str) -> tuple[bool, set[str]]:
    """Does the selector depend only on tags and attributes up the ancestor chain? And which attributes?"""
    try:
        parsed = cssselect.parse(selector)
    except cssselect.SelectorSyntaxError:
        return False, set()
    names: set[str] = set()
    ok = all(_walk_ok(s.parsed_tree, names) for s in parsed)
    return ok, names


def _walk_ok(node: Any, names: set[str]) -> bool:
    """Only tags, classes, ids and attributes, joined by descendant or child combinators."""
    if isinstance(node, cssselect.parser.Element):
        return True
    if isinstance(node, cssselect.parser.CombinedSelector):
        return (
            node.combinator in (" ", ">")
            and _walk_ok(node.selector, names)
            and _walk_ok(node.subselector, names)
        )
    if isinstance(node, cssselect.parser.Attrib):
        names.add(node.attrib)
        return _walk_ok(node.selector, names)
    if isinstance(node, cssselect.parser.Class | cssselect.parser.Hash):
        return _walk_ok(node.selector, names)
    return False
