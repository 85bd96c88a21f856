"""The dictionary stage: learning a dictionary for Eq. 1 behind one ``learn(...)``.

One module per part: ``learners`` (the interface the workflow calls, choosing a method),
``online`` (ours, the default: online block-coordinate descent with exact codes),
``paper`` (the paper's full-batch alternating algorithm of Section 2.1), ``atoms`` (what
both share: the seeded start, unit norms, the objective, the remedy's overlap penalty,
coherence, the stopping rule), ``options`` (the online learner's settings) and
``checkpoint`` (the online learner's state kept while it runs). Every public name is also here.
"""

from sparsesens.dictionary.atoms import (
    has_converged,
    initial_dictionary,
    max_coherence,
    normalise_columns,
    overlap_gradient,
    overlap_penalty,
    sparse_coding_loss,
)
from sparsesens.dictionary.learners import METHODS, LearnedDictionary, learn
from sparsesens.dictionary.options import OnlineOptions
from sparsesens.dictionary.paper import DictionaryResult, LearningRate, learn_dictionary

__all__ = ["METHODS", "DictionaryResult", "LearnedDictionary", "LearningRate",
           "OnlineOptions",
           "has_converged", "initial_dictionary", "learn", "learn_dictionary",
           "max_coherence", "normalise_columns", "overlap_gradient", "overlap_penalty",
           "sparse_coding_loss"]
