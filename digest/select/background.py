"""A built-in background: how common a word is in research-paper titles and abstracts.

The matcher needs to know that ``learning`` says little and ``grokking`` says a lot, and it
must know it the same way every day, whatever the size of the day's listing. This table
gives a prior rate (the share of machine-learning paper abstracts that contain the word).
It was written by hand from general knowledge of English and of the field's vocabulary,
in coarse tiers; it is not derived from any listing. Words not in it are taken as rare
(``DEFAULT_RATE``). The matcher smooths these rates with the listing it indexes.
"""

from __future__ import annotations

from functools import lru_cache

from digest.select.text import normalize_word

DEFAULT_RATE = 0.004

_TIERS: dict[float, str] = {
    # Function words and the words of nearly every abstract.
    0.9: """the of and a an to in for we is that on with this by as are be from our it
        which can these their its or at than has have not such show""",
    0.6: """model method propose approach result based use using performance learning data
        paper new present work also two more while both however network neural train
        training task existing demonstrate achieve""",
    0.4: """deep large state art dataset framework problem algorithm experiment significant
        significantly improve improvement outperform benchmark previous learn
        representation feature information input output different first provide novel
        evaluate evaluation efficient effective well high simple key method study across
        various multiple other many time each only one single set world real code available
        level knowledge strong recent general machine generate generation""",
    0.25: """image language text generative inference accuracy structure prediction
        analysis domain complex scale small low cost computational computation quality
        human system process techniques technique design capability ability robust
        robustness further make makes enable enables allow allows lead leads compared
        compare standard popular widely field application applications specific
        parameter parameters layer layers function functions loss objective sample
        samples distribution space target source context fine tuning tuned pretrained
        pre transformer transformers attention architecture architectures token tokens
        vision visual tasks user users large-scale open extensive""",
    0.15: """optimization optimize gradient reinforcement policy agent agents reasoning
        classification segmentation detection object objects graph graphs video audio
        speech synthesis generalization convolutional supervised unsupervised
        self-supervised contrastive diffusion embedding embeddings encoder decoder
        latent memory control controller dynamic dynamics theoretical theory empirical
        empirically scaling efficiency compute speed fast faster memory search retrieval
        instruction prompt prompting alignment llm llms language-model multimodal 3d
        environment environments noise adversarial uncertainty probabilistic bayesian
        stochastic continual transfer adaptation adapt robot robotic physical physics""",
    0.03: """sparse sparsity compression pruning quantization distillation teacher student
        convergence landscape initialization normalization regularization overfitting
        batch optimizer optimizers momentum adam sgd learning-rate hyperparameter
        hyperparameters autonomous planning navigation manipulation simulation simulator
        game games reward rewards brain cognitive neuroscience biological neuron neurons
        spiking quantum pde pdes differential equation equations operator operators
        scientific molecular protein chemistry medical clinical mathematical math
        arithmetic theorem proof program programs programming code-generation
        coding software multi-agent mixture expert experts modular module modules
        mobile edge device devices hardware latency throughput energy early exit
        vehicle vehicles driving drone drones""",
}


def _build() -> dict[str, float]:
    table: dict[str, float] = {}
    for rate, words in _TIERS.items():
        for word in words.split():
            table.setdefault(normalize_word(word.replace("-", ""))[0], rate)
    return table


_TABLE = _build()


@lru_cache(maxsize=100_000)
def background_rate(norm: str) -> float:
    """The prior share of papers whose title or abstract contains the word ``norm``."""
    return _TABLE.get(norm, DEFAULT_RATE)
