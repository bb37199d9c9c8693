"""Discovery: find the recurring topics the taxonomy misses and turn them into taxonomy entries.

Comments become bags of lowercase lemmas and short lemma phrases (from `language.make_nlp()`),
weighted by TF-IDF and factorised by NMF into topics. A topic that is big enough, coherent,
about something (not only how people feel), not already a theme, findable by a few precise
terms and distinct from the others becomes a candidate: named by its top terms, with its size,
the share of the comments with no theme it covers, its mean sentiment and scores, example
comments, and a [themes.<id>] table for a taxonomy file.

NMF is fitted on a seeded sample of at most `sample` comments; every comment is then assigned
by `transform`, a chunk at a time, so memory is bounded by the sample, not the corpus.
docs/discover.md explains the choices.

    from feedback.discover import AnalyzedFile, candidates_toml, discover

    found = discover(AnalyzedFile("analyzed.jsonl"))   # what `feedback analyze` wrote
    text = candidates_toml(found)                      # a taxonomy file of the candidates

The modules, in the order a run uses them: corpus (records or a raw export in, coverage),
features (lemma features, word lists), topics (TF-IDF + NMF, k by coherence), tally (the two
passes over the corpus), terms (the terms to write), candidates (filters and naming), results
(what is returned), taxonomy_file (candidates as TOML) and summary (the report for people);
discovery holds `discover`, which runs them. The names below are imported on first use, so
importing this package (for its defaults, as the CLI does) loads neither spaCy nor
scikit-learn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

DEFAULT_SAMPLE = 20_000  # comments the topics are fitted on, at most
DEFAULT_SEED = 0

if TYPE_CHECKING:
    from .corpus import (
        AnalyzedFile,
        CorpusDoc,
        Coverage,
        analyze_export,
        open_corpus,
        theme_coverage,
        to_corpus_doc,
    )
    from .discovery import MIN_DOCS, discover
    from .features import STOP, Featurizer, covered_words, opinion_words
    from .results import Candidate, Discovery, Dropped, Example
    from .summary import format_report
    from .taxonomy_file import candidates_toml, merge_toml, taxonomy_text
    from .topics import K_GRID, TopicModel, k_grid

# Public name -> the module that defines it.
_EXPORTS = {
    **dict.fromkeys(["AnalyzedFile", "CorpusDoc", "Coverage", "analyze_export", "open_corpus", "theme_coverage",
                     "to_corpus_doc"], "corpus"),
    **dict.fromkeys(["MIN_DOCS", "discover"], "discovery"),
    **dict.fromkeys(["STOP", "Featurizer", "covered_words", "opinion_words"], "features"),
    **dict.fromkeys(["Candidate", "Discovery", "Dropped", "Example"], "results"),
    **dict.fromkeys(["format_report"], "summary"),
    **dict.fromkeys(["candidates_toml", "merge_toml", "taxonomy_text"], "taxonomy_file"),
    **dict.fromkeys(["K_GRID", "TopicModel", "k_grid"], "topics"),
}

__all__ = ["DEFAULT_SAMPLE", "DEFAULT_SEED", *_EXPORTS]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
