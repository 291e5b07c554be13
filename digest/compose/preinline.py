"""An email template with its CSS inlined once, when it is loaded: premailer's bytes (written for
mail by :func:`~digest.compose.ascii_html.mail_html`) from Jinja alone.

premailer gives an element its style from the element's tag and classes and those of its
ancestors (when the stylesheet's selectors look at nothing else: checked with
:func:`digest.compose.inline.ancestral_attributes`); in a template those are static. So, once
per template:

1. the template's Jinja AST is flattened into a *marker document*: its static HTML, every
   ``{{ expression }}`` replaced by a marker, every ``{% if %}``/``{% for %}`` branch wrapped in
   marker comments (all branches side by side: each must be balanced HTML, which is checked);
2. premailer runs on that document, as it would on a rendered digest;
3. premailer's output is written for mail (``mail_html``: character references, ASCII), cut at
   the markers, and the pieces become the template's static text;
   each expression is wrapped in a filter that writes its value the way lxml's parse and
   serialization would have (``&``, ``<``, ``>`` as entities, quotes as characters, URLs in
   ``href`` percent-encoded...), then as mail_html would (character references).

At render time the digest is produced by Jinja alone, no lxml. ``<mark>`` and other phrasing
tags inside a value (highlighting) get the start tag premailer gives them *in that place*,
computed once per place by running premailer on the marker document with the tag in it.

Only premailer's public ``transform`` is used, on our own template. A value the fast escape
cannot vouch for (control characters, an unknown entity or tag in markup, a quote in an
attribute...) raises :class:`Fallback` and the caller renders that message the plain way
(premailer on the message); a template this cannot handle (extends, macros, selectors that
depend on siblings or on an attribute an expression fills, a ``<style>`` inside a branch, an
expression inside a tag or a style...) raises :class:`Unsupported` at load.
``tests/compose/test_preinline.py`` checks the bytes against premailer over random hostile values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, Template, TemplateNotFound, nodes
from markupsafe import Markup, escape

from digest.compose.ascii_html import mail_html, references
from digest.compose.inline import ancestral_attributes, premailer_inline, style_selectors
from digest.compose.inline_memo import InlineMemo
from digest.compose.lxml_escape import Fallback, lxml_attribute, lxml_text
from digest.compose.plain_outputs import plain_outputs
from digest.compose.template_errors import IncludeNotFound

MARK = "zq8"  # markers: zq8v<n>Z (an expression), zq8b<n>Z / zq8e<n>Z (a branch begins / ends)
_MARKER = re.compile(MARK + r"([vbe])(\d+)Z")
_SPLIT = re.compile("<!--" + MARK + r"([be])(\d+)Z-->|" + MARK + r"(v)(\d+)Z")
_TAG = re.compile(r'<(/?)([a-z]+)((?: [a-z-]+="[^"<>&]*")*)>')
_PHRASING = frozenset(
    ["abbr", "b", "bdi", "bdo", "cite", "code", "dfn", "em", "i", "kbd", "mark", "q", "s", "samp"]
    + ["small", "span", "strong", "sub", "sup", "u", "var"]
)
_ATTRS = frozenset({"href", "src", "alt", "title", "name", "lang", "dir", "action", "value"})
_RAW = frozenset({"style", "script", "textarea", "pre", "listing", "xmp", "plaintext", "title"})
_CACHE_LIMIT = 50_000


class Unsupported(Exception):
    """The template cannot be pre-inlined; render it the plain way."""


@dataclass(frozen=True)
class _Slot:
    kind: str  # "text", "title" (inside <title>: no tags), "attr" or "uri" (href, src...)


class PreInlined:
    """``render(**context)`` equals ``mail_html(premailer_inline(template.render(**context)))`` or
    raises Fallback: premailer's document, written for mail (:func:`~digest.compose.ascii_html.mail_html`:
    ASCII), made for the template's pieces once and for each value once."""

    def __init__(self, env: Environment, name: str, memo: InlineMemo | None = None) -> None:
        """``memo``: premailer's answers kept from earlier runs (see digest.compose.inline_memo)."""
        self.memo = memo if memo is not None else InlineMemo(None)
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        if MARK in source:
            raise Unsupported(f"{name} contains {MARK!r}")
        self._env, self._name, self._filename = env, name, filename
        self.includes: list[str] = []  # the files spliced in (static includes), read once here
        ast = env.parse(source, name, filename)
        ast.body = self._splice(ast.body)
        self._datas: list[list[nodes.TemplateData]] = [[]]  # static text between two markers
        self._markers: list[str] = []
        self._exprs: list[tuple[nodes.Output, int]] = []
        self._branches = 0
        self._body(ast.body)
        doc = self._document()
        self.doc = doc
        problem = self.memo.ask("stylesheets", doc, _stylesheet_problem)
        if problem is not None:
            raise Unsupported(problem)
        inlined, slots = self.memo.ask("inlined", doc, self._inline)
        if isinstance(slots, str):
            raise Unsupported(slots)
        self._slots = [_Slot(kind) for kind in slots]
        pieces = _SPLIT.split(mail_html(inlined))
        groups = zip(pieces[1::5], pieces[2::5], pieces[3::5], pieces[4::5], strict=True)
        found = [f"{MARK}{a or c}{b or d}Z" for a, b, c, d in groups]
        if found != self._markers:
            raise Unsupported("premailer moved parts of the template around")
        for datas, text in zip(self._datas, pieces[::5], strict=True):
            if not datas:
                if text:
                    raise Unsupported("premailer added text where the template has none")
                continue
            datas[0].data = text
            for extra in datas[1:]:
                extra.data = ""
        self._filter = f"_preinlined_{id(self)}"
        env.filters[self._filter] = self._convert
        for k, (output, index) in enumerate(self._exprs):
            expr = output.nodes[index]
            output.nodes[index] = nodes.Filter(
                expr, self._filter, [nodes.Const(k)], [], None, None, lineno=expr.lineno
            )
        autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
        if autoescape:  # the filter escapes: no second escape of simple outputs
            ast.body = plain_outputs(ast.body, self._filter)
        code = env.compile(ast, name, filename)
        self.template: Template = env.template_class.from_code(env, code, env.make_globals(None), None)
        self._cache: dict[tuple[int, str], Markup] = {}  # by the escaped value
        self._seen: dict[tuple[Any, ...], Markup] = {}  # by (k, type, value)
        self._tags: dict[tuple[int, tuple[str, ...]], str] = {}

    def render(self, **context: Any) -> str:
        return self.template.render(**context)

    # -- once per template ---------------------------------------------------------------

    def _body(self, body: list[nodes.Node]) -> None:
        for node in body:
            if isinstance(node, nodes.Output):
                for index, child in enumerate(node.nodes):
                    if isinstance(child, nodes.TemplateData):
                        self._datas[-1].append(child)
                    else:
                        self._mark("v", len(self._exprs))
                        self._exprs.append((node, index))
            elif isinstance(node, nodes.If):
                self._branch(node.body)
                for elif_ in node.elif_:
                    self._branch(elif_.body)
                self._branch(node.else_)
            elif isinstance(node, nodes.For) and not node.recursive:
                self._branch(node.body)
                self._branch(node.else_)
            elif isinstance(node, nodes.Assign):
                continue
            else:
                raise Unsupported(f"{type(node).__name__} at line {node.lineno}")

    def _splice(self, body: list[nodes.Node]) -> list[nodes.Node]:
        """Static includes (a constant name, only output inside) are replaced by what they hold."""
        out: list[nodes.Node] = []
        for node in body:
            if isinstance(node, nodes.Include):
                name = node.template.value if isinstance(node.template, nodes.Const) else None
                if not isinstance(name, str):
                    raise Unsupported(f"include of a computed name at line {node.lineno}")
                try:
                    source, filename, _ = self._env.loader.get_source(self._env, name)  # type: ignore[union-attr]
                except TemplateNotFound as e:  # said with the include's file and line
                    raise IncludeNotFound(e.name, self._filename, node.lineno) from None
                self.includes.append(filename)
                included = self._env.parse(source, name, filename).body
                if MARK in source or not all(isinstance(n, nodes.Output) for n in included):
                    raise Unsupported(f"include of {name} with statements at line {node.lineno}")
                out.extend(included)
                continue
            for attr in ("body", "else_"):
                if isinstance(getattr(node, attr, None), list):
                    setattr(node, attr, self._splice(getattr(node, attr)))
            if isinstance(node, nodes.If):
                node.elif_ = self._splice(node.elif_)  # type: ignore[assignment]
            out.append(node)
        return out

    def _branch(self, body: list[nodes.Node]) -> None:
        if not body:
            return
        n = self._branches
        self._branches += 1
        self._mark("b", n)
        self._body(body)
        self._mark("e", n)

    def _mark(self, kind: str, n: int) -> None:
        self._markers.append(f"{MARK}{kind}{n}Z")
        self._datas.append([])

    def _document(self) -> str:
        out = []
        for datas, marker in zip(self._datas, [*self._markers, ""], strict=True):
            out.extend(d.data for d in datas)
            if marker[len(MARK) : len(MARK) + 1] in ("b", "e"):
                out.append(f"<!--{marker}-->")
            else:
                out.append(marker)
        return "".join(out)

    def _inline(self, doc: str) -> tuple[str, list[str] | str]:
        """The marker document inlined by premailer, and where each expression landed (the kind of
        each slot), or why the template cannot be pre-inlined."""
        inlined = premailer_inline(doc)
        try:
            return inlined, [slot.kind for slot in self._locate(inlined)]
        except Unsupported as e:
            return inlined, str(e)

    def _locate(self, inlined: str) -> list[_Slot]:
        """Where each expression landed: in text (and inside which element) or in an attribute."""
        from lxml import etree

        tree = etree.fromstring(inlined, etree.HTMLParser())
        body = tree.find("body")
        slots: dict[int, _Slot] = {}
        comments: dict[int, list[Any]] = {}

        def note(text: str | None, slot: _Slot | None) -> None:
            for kind, n in _MARKER.findall(text or ""):
                if kind != "v" or int(n) in slots or slot is None:
                    raise Unsupported(f"expression {n} lands in an unexpected place")
                slots[int(n)] = slot

        def context(parent: Any) -> _Slot | None:
            if parent is None or body is None or not (parent is body or body in parent.iterancestors()):
                return None
            return None if parent.tag in _RAW else _Slot("text")

        for element in tree.iter():
            tail = context(element.getparent())
            if not isinstance(element.tag, str):
                m = _MARKER.fullmatch(element.text or "")
                if element.tag is not etree.Comment or not m or m.group(1) == "v":
                    raise Unsupported("comments or processing instructions in the template")
                comments.setdefault(int(m.group(2)), []).append(element)
            elif element.tag == "title":
                note(element.text, _Slot("title"))
            else:
                note(element.text, context(element))
            note(element.tail, tail)
            for name, value in element.attrib.items() if isinstance(element.tag, str) else ():
                if not _MARKER.search(value):
                    continue
                if name not in _ATTRS or '"' in value:
                    raise Unsupported(f"expression in the {name} attribute of <{element.tag}>")
                uri = name in ("href", "src", "action") or (name == "name" and element.tag == "a")
                note(value, _Slot("uri" if uri else "attr"))
        for n in range(self._branches):
            pair = comments.get(n, [])
            if len(pair) != 2 or pair[0].getparent() is not pair[1].getparent():
                raise Unsupported(f"branch {n} is not balanced HTML")
        if sorted(slots) != list(range(len(self._exprs))):
            raise Unsupported("an expression is lost in the inlined document")
        return [slots[k] for k in range(len(self._exprs))]

    # -- per value -----------------------------------------------------------------------

    def _convert(self, value: Any, k: int) -> Markup:
        try:  # by the value itself first: the same title or abstract comes back reader after reader
            seen: tuple[Any, ...] | None = (k, type(value), value)
            done = self._seen.get(seen)
        except TypeError:  # unhashable
            seen = done = None
        if done is None:
            done = self._escaped(value, k)
            if seen is not None:
                if len(self._seen) >= _CACHE_LIMIT:
                    self._seen.clear()
                self._seen[seen] = done
        return done

    def _escaped(self, value: Any, k: int) -> Markup:
        html = str(escape(value))  # a plain str: Markup.replace would escape its arguments
        key = (k, html)
        done = self._cache.get(key)
        if done is None:
            kind = self._slots[k].kind
            if kind in ("text", "title"):
                done = Markup(self._text(html, k) if "<" in html and kind == "text" else lxml_text(html))
            else:
                done = Markup(lxml_attribute(html, uri=kind == "uri"))
            if not done.isascii():  # as mail_html writes it (no value is inside <style> or <script>)
                done = Markup(references(done))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = done
        return done

    def _text(self, html: str, k: int) -> str:
        """Markup with phrasing tags in it: each start tag as premailer writes it in this place."""
        out: list[str] = []
        stack: list[str] = []
        pos = 0
        for m in _TAG.finditer(html):
            out.append(lxml_text(html[pos : m.start()]))
            pos = m.end()
            closing, name = m.group(1), m.group(2)
            if name not in _PHRASING:
                raise Fallback(f"<{name}> in a value")
            if closing:
                if not stack or not stack[-1].startswith(f"<{name}"):
                    raise Fallback(f"unbalanced </{name}> in a value")
                stack.pop()
                out.append(f"</{name}>")
            else:
                stack.append(m.group(0))
                out.append(self._start_tag(k, tuple(stack)))
        if stack:
            raise Fallback("unclosed tag in a value")
        out.append(lxml_text(html[pos:]))
        return "".join(out)

    def _start_tag(self, k: int, stack: tuple[str, ...]) -> str:
        """premailer's start tag for ``stack[-1]`` inside ``stack[:-1]`` at expression k (run once)."""
        key = (k, stack)
        tag = self._tags.get(key)
        if tag is None:
            closes = "".join(f"</{_TAG.match(t).group(2)}>" for t in reversed(stack))  # type: ignore[union-attr]
            probe = self.doc.replace(f"{MARK}v{k}Z", f"{MARK}pZ{''.join(stack)}{MARK}qZx{closes}")
            chain = self.memo.ask("start tags", probe, _start_tags_in)
            parent = self._start_tags(k, stack[:-1])
            if not chain.startswith(parent):
                raise Fallback("a tag in a value changed its parent's style")
            tag = self._tags[key] = chain[len(parent) :]
        return tag

    def _start_tags(self, k: int, stack: tuple[str, ...]) -> str:
        return "".join(self._start_tag(k, stack[: i + 1]) for i in range(len(stack)))


def _start_tags_in(probe: str) -> str:
    """The start tags premailer writes between the probe's markers, as mail carries them."""
    out = premailer_inline(probe)
    return mail_html(out[out.index(f"{MARK}pZ") + len(MARK) + 2 : out.index(f"{MARK}qZ")])


def _stylesheet_problem(doc: str) -> str | None:
    """Why the template cannot be pre-inlined for its stylesheets, or None if every element's
    style follows from the template alone: no ``<style>`` inside a branch, and only selectors
    that look at the ancestors' tags, classes and ids, and at no attribute an expression can fill."""
    from lxml import etree

    depth = 0
    for node in etree.fromstring(doc, etree.HTMLParser()).iter():
        if node.tag is etree.Comment:
            m = _MARKER.fullmatch(node.text or "")
            depth += {"b": 1, "e": -1}.get(m.group(1), 0) if m else 0
        elif node.tag == "style" and depth:
            return "a <style> inside an if or a for"
    for selector in style_selectors(doc):
        names = ancestral_attributes(selector)
        if names is None or names & _ATTRS:
            return f"the selector {selector!r} depends on more than the ancestors' classes"
    return None
