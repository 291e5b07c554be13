"""Outputs of a pre-inlined template that skip Jinja's autoescape: their filter escaped them already.

With autoescape on, Jinja writes every ``{{ expression }}`` as ``escape(value)``, and escaping
a Markup value still makes a copy of it. :class:`digest.compose.preinline.PreInlined` wraps
each expression in a filter that returns the value escaped, as lxml would write it (Markup),
so that second escape changes nothing; for a digest it was a third of the rendering time.

:func:`plain_outputs` turns autoescape off (``EvalContextModifier``, Jinja's own node for
``{% autoescape false %}``) around each such output whose expression cannot depend on the
autoescape setting: names, attributes, constant subscripts and constants only (no filter
inside, no call, no ``~``: those may read the setting). Jinja then writes ``str(value)``.
"""

from __future__ import annotations

from jinja2 import nodes

_PLAIN = (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const)


def plain_outputs(body: list[nodes.Node], filter_name: str) -> list[nodes.Node]:
    """``body`` with each simple ``{{ x | filter_name(k) }}`` output written without autoescape.
    The template must be compiled with autoescape on (it is turned back on after each)."""
    out: list[nodes.Node] = []
    for node in body:
        if isinstance(node, nodes.Output):
            out.extend(_split(node, filter_name))
            continue
        for attr in ("body", "else_"):
            if isinstance(getattr(node, attr, None), list):
                setattr(node, attr, plain_outputs(getattr(node, attr), filter_name))
        if isinstance(node, nodes.If):
            for elif_ in node.elif_:
                elif_.body = plain_outputs(elif_.body, filter_name)
        out.append(node)
    return out


def _split(output: nodes.Output, filter_name: str) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    run: list[nodes.Expr] = []
    for child in output.nodes:
        if _simple(child, filter_name):
            if run:
                out.append(nodes.Output(run, lineno=output.lineno))
                run = []
            out += [_autoescape(False, output.lineno), nodes.Output([child], lineno=output.lineno)]
            out.append(_autoescape(True, output.lineno))
        else:
            run.append(child)
    if run:
        out.append(nodes.Output(run, lineno=output.lineno))
    return out


def _simple(node: nodes.Node, filter_name: str) -> bool:
    """``{{ x | filter_name(...) }}`` where x is made of names, attributes and constants only."""
    if not isinstance(node, nodes.Filter) or node.name != filter_name or node.node is None:
        return False
    inner = node.node
    return isinstance(inner, _PLAIN) and all(isinstance(n, _PLAIN) for n in inner.find_all(nodes.Node))


def _autoescape(on: bool, lineno: int) -> nodes.EvalContextModifier:
    return nodes.EvalContextModifier([nodes.Keyword("autoescape", nodes.Const(on))], lineno=lineno)
