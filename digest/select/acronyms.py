"""Acronyms and their expansions: "LLM" <-> "large language models".

Two sources: a small built-in list of the field's common acronyms, and the papers
themselves, which define theirs as "large language models (LLMs)": the words before an
acronym in parentheses whose initials spell it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from digest.select.text import is_acronym, normalize_word, tokenize

_BUILT_IN = """llm: large language model | vlm: vision language model | mllm: multimodal large
language model | rl: reinforcement learning | rlhf: reinforcement learning from human feedback |
gnn: graph neural network | snn: spiking neural network | nerf: neural radiance field |
vit: vision transformer | moe: mixture of experts | ssm: state space model |
gan: generative adversarial network | vae: variational autoencoder |
cnn: convolutional neural network | rnn: recurrent neural network |
lstm: long short-term memory | nlp: natural language processing |
nas: neural architecture search | bnn: bayesian neural network | gp: gaussian process |
pde: partial differential equation | ode: ordinary differential equation |
cot: chain of thought | kd: knowledge distillation | ntk: neural tangent kernel |
sae: sparse autoencoder | lora: low-rank adaptation | vqa: visual question answering |
asr: automatic speech recognition | ood: out of distribution | fl: federated learning |
dp: differential privacy | uq: uncertainty quantification | mim: masked image modeling"""

_DEFINED = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9-]*?)\s*\)")


def _norms(phrase: str) -> tuple[str, ...]:
    return tuple(t.norm for t in tokenize(phrase))


def _built_in() -> dict[str, set[tuple[str, ...]]]:
    table: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for entry in " ".join(_BUILT_IN.split()).split("|"):
        acronym, expansion = (part.strip() for part in entry.split(":"))
        table[acronym].add(_norms(expansion))
    return dict(table)


BUILT_IN = _built_in()


def may_define(text: str) -> bool:
    """Does ``text`` have what :func:`defined_in` reads as an acronym's definition, "(LLMs)"?"""
    return any(is_acronym(m.group(1)) for m in _DEFINED.finditer(text))


def defined_in(texts: Iterable[str]) -> dict[str, Counter[tuple[str, ...]]]:
    """Acronyms the texts define, "large language models (LLMs)": acronym -> expansions seen."""
    found: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    for text in texts:
        for m in _DEFINED.finditer(text):
            surface = m.group(1)
            if not is_acronym(surface):
                continue
            letters = surface.removesuffix("s").casefold().replace("-", "")
            if not 2 <= len(letters) <= 6:
                continue
            before = tokenize(text[max(0, m.start() - 120) : m.start()])
            words = [t for t in before if t.norm not in ("of", "for", "from", "and", "the", "to", "a")]
            if len(words) < len(letters):
                continue
            tail = words[-len(letters) :]
            if "".join(t.norm[0] for t in tail) != letters:
                continue
            first = before.index(tail[0])
            found[normalize_word(surface)[0]][tuple(t.norm for t in before[first:])] += 1
    return dict(found)


def alternatives(phrase: str, defined: dict[str, Counter[tuple[str, ...]]]) -> list[str]:
    """Other spellings of ``phrase``: its expansions, or its acronym."""
    tokens = tokenize(phrase)
    if len(tokens) == 1 and is_acronym(tokens[0].surface):
        acronym = tokens[0].norm
        options = set(BUILT_IN.get(acronym, ()))
        options.update(e for e, n in defined.get(acronym, Counter()).items() if n >= 1)
        return sorted(" ".join(o) for o in options)
    key = tuple(t.norm for t in tokens)
    if len(key) < 2:
        return []
    out = {(a,) for a, expansions in BUILT_IN.items() if key in expansions}
    out.update((a,) for a, expansions in defined.items() if key in expansions)
    return sorted(" ".join(o) for o in out)
