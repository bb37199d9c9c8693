"""The analysis pipeline: comments -> sentences and sentiment -> themes -> (model) -> records.

An `Analyzer` is built from its parts (spaCy pipeline, sentiment scorer, theme matcher, and an
optional theme model behind the small `ThemeModelLike` protocol), or from `AnalysisOptions` with
`Analyzer.from_options`, which is how worker processes rebuild it. `Analyzer.pipe` is the one
place the steps are composed. `analyze()` is the Python API; `feedback.engine` runs files.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections import Counter, OrderedDict
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from spacy.attrs import LOWER, NORM
from spacy.tokens import Doc

from .columns import MAX_ANALYSED_CHARS, redact_spec, resolve_read, to_comment
from .config import ACCURATE_MODEL, AUTO_MODEL, DEFAULT_MODEL, AnalysisOptions, ReadOptions, shipped_models_dir
from .corrections import Correction, apply_corrections, read_corrections
from .language import ClauseSplitter, english_lemmas, make_docs, make_nlp
from .model.types import ModelInput, Prediction
from .errors import Errors, InputError, ProblemCode
from .io.frames import cell_value, frame_kind, frame_rows
from .records import AnalyzedRecord, Comment, ErrorRecord, Problem, Sentence, SourceRow, ThemeMention
from .redact import redact_row
from .screening import NOT_ENGLISH, Screener, Screening
from .sentiment import SentimentScorer, combine, load_lexicon, polarity_of
from .themes import Taxonomy, ThemeMatcher, load_taxonomy

if TYPE_CHECKING:
    from spacy.language import Language


# A text's analysis depends on nothing but the text: (compound, label, sentences, themes).
TextAnalysis = tuple[float | None, str | None, list[Sentence], list[ThemeMention]]
# Recent short texts whose analysis is kept: repeated answers cost a look-up. Bounded, so memory
# stays flat: at most CACHED_TEXTS entries of at most CACHED_CHARS characters each. Small enough
# to be full within the first few thousand comments, so 10k and 1M comments peak alike (20,000
# entries made 100k comments peak 13% above 10k); the answers that repeat most stay in it.
CACHED_TEXTS = 4096
CACHED_CHARS = 200
# Items of a list given to `analyze` whose keys and values decide the columns (as io.SAMPLE_ROWS).
SAMPLE_ITEMS = 50
# Sentences repeat across comments far more than whole comments do ("Thank you.", "Great
# service!"): their VADER compounds (a function of the text alone) are kept too, at most
# CACHED_SENTENCES of at most CACHED_CHARS characters; the table starts afresh when full.
CACHED_SENTENCES = 8192
# Comments analysed together: spaCy, the rules and one model prediction per batch. A model's
# prediction has a fixed cost per call (sparse matrices built, a head per theme), so batches
# as large as the engine's chunks (512 rows) cost ~15% less model time than 256; the records
# are the same for any batch size.
PIPE_BATCH = 512


class ThemeModelLike(Protocol):
    """What the pipeline needs of a theme model: the themes it knows and a batch prediction."""

    themes_: list[str]

    def predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]: ...


def default_model_path() -> str:
    """The shipped cx-default model's directory (installed as feedback.models)."""
    return os.path.join(shipped_models_dir(), "cx-default")


def load_theme_model(model: str) -> ThemeModelLike:
    """A model directory (a ThemeModel, an AdaptedModel or an accurate-mode model), DEFAULT_MODEL
    for the shipped one or ACCURATE_MODEL for the shipped accurate one, loaded (no pickle,
    checksummed)."""
    from .model.adapted import load_any_model
    from .model.encoder_sentiment import is_encoder_sentiment, load_encoder_sentiment

    if model == DEFAULT_MODEL:
        return load_any_model(default_model_path())
    directory = os.path.join(shipped_models_dir(), "cx-accurate") if model == ACCURATE_MODEL else model
    return load_encoder_sentiment(directory) if is_encoder_sentiment(directory) else load_any_model(directory)


class Analyzer:
    """Holds the expensive state (spaCy pipeline, VADER, matchers, model) and analyses comments.

    nlp (Language): From `feedback.language.make_nlp()`.
    scorer (SentimentScorer): Sentence and clause sentiment.
    matcher (ThemeMatcher): The taxonomy's rules, built on `nlp`'s vocabulary.
    theme_model (ThemeModelLike | None): Decides themes with the rule hits as evidence; None for
        the rules alone.
    model_mode (str): "combine" or "model" (see `merge_prediction`).
    screener (Screener | None): Finds non-answers and comments in other languages, which are
        kept unanalysed; None analyses every comment as English.
    options (AnalysisOptions | None): What the parts were built from, when they were.
    corrections (Mapping[str, Correction] | None): A person's corrections by comment id,
        applied to the records as ground truth (`feedback.corrections`).
    """

    def __init__(self, nlp: Language, scorer: SentimentScorer, matcher: ThemeMatcher,
                 theme_model: ThemeModelLike | None = None, *, model_mode: str = "combine",
                 screener: Screener | None = None, options: AnalysisOptions | None = None,
                 corrections: Mapping[str, Correction] | None = None) -> None:
        self.nlp = nlp
        self.scorer = scorer
        self.matcher = matcher
        self.theme_model = theme_model
        self.model_mode = model_mode
        self.screener = screener
        self.options = options
        self.corrections = corrections
        self.clauses = ClauseSplitter(nlp.vocab)
        self._cache: OrderedDict[str, TextAnalysis] = OrderedDict()
        self._scores: dict[str, float] = {}
        self._screenings: dict[str, Screening] = {}

    @classmethod
    def from_options(cls, options: AnalysisOptions | None = None) -> Analyzer:
        """Build every part from options: the taxonomy, lexicon and model they name."""
        options = (options or AnalysisOptions()).resolved()
        nlp = make_nlp()
        scorer = SentimentScorer(load_lexicon(options.lexicon) if options.lexicon else None)
        matcher = ThemeMatcher(nlp, load_taxonomy(options.taxonomy))
        theme_model = load_theme_model(options.model) if options.model else None
        screener = Screener(english_word_test(nlp, scorer))
        corrections = read_corrections(options.corrections) if options.corrections else None
        return cls(nlp, scorer, matcher, theme_model, model_mode=options.model_mode, screener=screener,
                   options=options, corrections=corrections)

    def with_model(self, theme_model: ThemeModelLike | None, *, model_mode: str = "combine") -> Analyzer:
        """The same rules with another theme model (or none), sharing the loaded parts."""
        return Analyzer(self.nlp, self.scorer, self.matcher, theme_model, model_mode=model_mode,
                        screener=self.screener)

    @property
    def taxonomy(self) -> Taxonomy:
        return self.matcher.taxonomy

    def pipe(
        self, items: Iterable[Comment | ErrorRecord], *, batch_size: int = PIPE_BATCH, screen: bool = True
    ) -> Iterator[AnalyzedRecord | ErrorRecord]:
        """Analyse comments, passing error records through in place.

        The steps, in order: screening (non-answers and other languages are kept, not
        analysed); spaCy (tokens, sentences) on a batch; per comment, sentence sentiment, theme
        rules and clause sentiment (`_analyze_doc`); then, with a theme model, one prediction
        per batch merged into the records (`merge_prediction`).

        items (Iterable[Comment | ErrorRecord]): Comments in input order.
        batch_size (int): Comments per spaCy batch.
        screen (bool): Keep non-answers and comments in other languages unanalysed; False
            analyses every comment as English (training reads labelled comments that way).
        YIELDS (AnalyzedRecord | ErrorRecord): One per item, in order.
        """
        items = iter(items)
        while True:
            batch = list(islice(items, batch_size))
            if not batch:
                return
            comments = [c for c in batch if isinstance(c, Comment)]
            screener = self.screener if screen else None
            screened = [self._screen(screener, c.text) if screener else _UNSCREENED for c in comments]
            analyses = self._analyses([c.text for c, s in zip(comments, screened) if s.skipped is None])
            screenings = iter(screened)
            for item in batch:
                if not isinstance(item, Comment):
                    yield item
                    continue
                screening = next(screenings)
                if screening.skipped is not None:
                    yield apply_corrections(_skipped_record(item, screening), self.corrections)
                    continue
                compound, label_, sentences, themes = analyses[item.text]
                yield apply_corrections(
                    AnalyzedRecord(item.id, item.row, item.text, compound, label_, sentences, themes, item.scores,
                                   item.fields, item.problems, item.redacted, screening.language,
                                   text_fields=item.text_fields, duplicate_of=item.duplicate_of),
                    self.corrections)

    def _analyses(self, texts: list[str]) -> dict[str, TextAnalysis]:
        """What the text alone decides (sentences, sentiment, themes), once per distinct text.

        Exports repeat short answers ("Good", "Great app") thousands of times: those come from a
        bounded cache of recent short texts; the rest of a batch is analysed once per distinct
        text, through spaCy, the rules and the model together.
        """
        cache = self._cache
        found: dict[str, TextAnalysis] = {}
        for text in texts:
            if text not in found and (hit := cache.get(text)) is not None:
                cache.move_to_end(text)
                found[text] = hit
        new = list(dict.fromkeys(t for t in texts if t not in found))
        if not new:
            return found
        stubs = [Comment("", 0, 0, text, {}, {}) for text in new]
        docs = make_docs(self.nlp, [text[:MAX_ANALYSED_CHARS] for text in new])
        records = [self._analyze_doc(stub, doc) for stub, doc in zip(stubs, docs)]
        if self.theme_model is not None:
            predictions = self.theme_model.predict([model_input(r) for r in records])
            cut = getattr(self.theme_model, "comment_polarity_cut", None)
            records = [merge_prediction(r, p, self.theme_model.themes_, self.model_mode, cut)
                       for r, p in zip(records, predictions)]
        for text, r in zip(new, records):
            found[text] = analysis = (r.compound, r.label, r.sentences, r.themes)
            if len(text) <= CACHED_CHARS:
                cache[text] = analysis
                if len(cache) > CACHED_TEXTS:
                    cache.popitem(last=False)
        return found

    def _screen(self, screener: Screener, text: str) -> Screening:
        """The screener's verdict, once per distinct short text (bounded like `_score`'s)."""
        screening = self._screenings.get(text)
        if screening is None:
            screening = screener(text)
            if len(text) <= CACHED_CHARS:
                if len(self._screenings) >= CACHED_TEXTS:
                    self._screenings.clear()
                self._screenings[text] = screening
        return screening

    def _score(self, text: str) -> float:
        """The scorer's compound for a sentence or clause, once per distinct short text."""
        compound = self._scores.get(text)
        if compound is None:
            compound = self.scorer.score(text)
            if len(text) <= CACHED_CHARS:
                if len(self._scores) >= CACHED_SENTENCES:
                    self._scores.clear()
                self._scores[text] = compound
        return compound

    def _analyze_doc(self, comment: Comment, doc: Doc) -> AnalyzedRecord:
        score = self._score
        sentences: list[Sentence] = []
        bounds: list[tuple[int, int]] = []  # token range of each sentence kept
        analysed_text = comment.text[:MAX_ANALYSED_CHARS]
        for sent in doc.sents:
            text = analysed_text[sent.start_char : sent.end_char]
            stripped = text.strip()
            if not stripped:
                continue
            start = sent.start_char + (len(text) - len(text.lstrip()))
            sentences.append(Sentence(stripped, start, start + len(stripped), score(stripped)))
            bounds.append((sent.start, sent.end))
        compound = combine(s.compound for s in sentences)
        mentions = self._mentions(doc, comment.text, bounds, sentences) if sentences else []
        return AnalyzedRecord(comment.id, comment.row, comment.text, compound, polarity_of(compound), sentences,
                              mentions, comment.scores, comment.fields, comment.problems, comment.redacted,
                              text_fields=comment.text_fields, duplicate_of=comment.duplicate_of)

    def _mentions(self, doc: Doc, text: str, bounds: list[tuple[int, int]],
                  sentences: list[Sentence]) -> list[ThemeMention]:
        matches = self.matcher.find(doc)
        if not matches:
            return []
        starts = [start for start, _ in bounds]
        lowers = doc.to_array(LOWER).tolist()
        clause_cache: dict[int, list[tuple[int, int, float]]] = {}
        lemma_cache: dict[tuple[int, int], set[str]] = {}
        mentions = []
        for m in matches:
            index = bisect_right(starts, m.start) - 1
            clauses = clause_cache.get(index)
            if clauses is None:
                clauses = clause_cache[index] = self._clauses(doc, lowers, bounds[index], sentences[index])
            for c_start, c_end, c_compound in clauses:  # noqa: B007 - the clause found is used below
                if c_start <= m.start < c_end:
                    break
            negated = m.negation_start is not None and m.negation_start >= c_start
            first = m.negation_start if m.negation_start is not None and negated else m.start
            start_char = doc[first].idx
            last = doc[m.end - 1]
            end_char = last.idx + len(last)
            theme = m.theme
            if "/" not in theme and self.matcher.has_cues(theme):
                lemmas = lemma_cache.get((c_start, c_end))
                if lemmas is None:
                    lemmas = lemma_cache[(c_start, c_end)] = self._lemmas(doc, c_start, c_end)
                theme = self.matcher.refine(theme, lemmas)
            mentions.append(
                ThemeMention(theme, c_compound, polarity_of(c_compound),
                             text[start_char:end_char],  # not doc.text: that rebuilds the text
                             start_char, end_char, index, negated)
            )
        return mentions

    def _clauses(self, doc: Doc, lowers: list[int], bounds: tuple[int, int],
                 sentence: Sentence) -> list[tuple[int, int, float]]:
        clauses = self.clauses(lowers, *bounds)
        if len(clauses) == 1:
            return [(bounds[0], bounds[1], sentence.compound)]
        out = []
        for start, end in clauses:
            compound = self._score(doc[start:end].text)
            # A clause with no sentiment words of its own ("I called them") takes its sentence's.
            if compound == 0.0:
                compound = sentence.compound
            out.append((start, end, compound))
        return out

    @staticmethod
    def _lemmas(doc: Doc, start: int, end: int) -> set[str]:
        strings = doc.vocab.strings
        return {strings[h] for h in doc.to_array(NORM)[start:end].tolist()}


def model_input(record: AnalyzedRecord) -> ModelInput:
    """What a theme model reads about a record analysed by the rules."""
    by_theme: dict[str, list[float]] = {}
    for mention in record.themes:
        by_theme.setdefault(mention.theme.split("/", 1)[0], []).append(mention.sentiment)
    return ModelInput(
        record.text,
        record.compound if record.compound is not None else 0.0,  # set for every analysed record
        tuple([(s.start, s.end, s.compound) for s in record.sentences]),
        frozenset(by_theme),
        {t: sum(v) / len(v) for t, v in by_theme.items()},
    )


def merge_prediction(record: AnalyzedRecord, prediction: Prediction, model_themes: list[str],
                     mode: str = "combine", comment_polarity_cut: float | None = None) -> AnalyzedRecord:
    """Combine a rules record with a model's prediction.

    In "combine" mode the model reviews the themes it knows (it reads the rule hits as
    features): a rule hit is kept unless the model is confidently against it (a ThemeModel
    predicts a rule-hit theme unless its calibrated probability is below the theme's drop
    threshold, chosen in cross-validation so such drops were rarely wrong); kept mentions keep
    their evidence and subtheme and take the model's polarity; a theme the model finds without
    a rule mention (only above a threshold chosen for precision) gets one mention, on the
    sentence that speaks most for it. Themes the model was not trained on keep their rule
    mentions, with the model's comment sentiment where the mention's clause is the whole
    one-sentence comment or holds no sentiment word. In "model" mode only the model's themes are reported. The model's
    sentiment head gives the comment's sentiment where it speaks (`Prediction.sentiment`; a
    ThemeModel abstains, None, where it is not confident or read no word it knows); otherwise
    the record keeps VADER's. With `comment_polarity_cut` (the model's), a mention whose polarity
    disagrees with the comment's takes the comment's unless its own is at least that strong
    (its clause's VADER reading included: a pack's theme, a negation). Sentence compounds stay
    VADER's.
    """
    found = {p.theme: p for p in prediction.themes}
    known = set(model_themes)
    mentions: list[ThemeMention] = []
    covered: set[str] = set()
    # A theme the model has no polarity head for (a pack's "baggage") keeps its clause's VADER
    # sentiment, except where that clause is the whole comment (one sentence, not split at a
    # "but") or holds no sentiment word: there the model's reading of the comment is the better
    # guess ("Comcast data cap" in a complaint export; "Flight cancelled, thanks for nothing").
    whole = prediction.sentiment if len(record.sentences) == 1 else None
    sentence_compound = record.sentences[0].compound if whole is not None else None
    if mode != "model" and record.themes:
        # A negation the rules saw ("not fast at all") is read better by VADER on the clause than
        # by the model's words, so for such themes the clause sentiment stays.
        parents = [m.theme.split("/", 1)[0] for m in record.themes]
        negated = {parent for m, parent in zip(record.themes, parents) if m.negated}
        for m, parent in zip(record.themes, parents):
            if parent not in known:
                if whole is not None and m.sentiment in (0.0, sentence_compound) and not m.negated:
                    m = ThemeMention(m.theme, whole[1], whole[0], m.evidence, m.start, m.end, m.sentence,
                                     m.negated, m.source, m.confidence)
                mentions.append(m)
                continue
            p = found.get(parent)
            if p is None:
                continue
            covered.add(parent)
            # ThemeMention's fields in order; dataclasses.replace costs several times more.
            if parent in negated:
                mentions.append(ThemeMention(m.theme, m.sentiment, m.label, m.evidence, m.start, m.end,
                                             m.sentence, m.negated, "rules+model", p.probability))
            else:
                mentions.append(ThemeMention(m.theme, p.sentiment, p.polarity, m.evidence, m.start, m.end,
                                             m.sentence, m.negated, "rules+model", p.probability))
    for p in prediction.themes:
        if p.theme in covered:
            continue
        if p.sentence >= 0:
            sent = record.sentences[p.sentence]
            start, end, evidence = sent.start, sent.end, sent.text
        else:
            start, end, evidence = 0, 0, ""
        mentions.append(ThemeMention(p.theme, p.sentiment, p.polarity, evidence, start, end,
                                     max(p.sentence, 0), False, "model", p.probability))
    compound, label_ = record.compound, record.label
    if prediction.sentiment is not None:
        label_, compound = prediction.sentiment
    if comment_polarity_cut is not None and label_ is not None and compound is not None:
        mentions = [m if m.label == label_ or abs(m.sentiment) >= comment_polarity_cut else
                    ThemeMention(m.theme, compound, label_, m.evidence, m.start, m.end, m.sentence, m.negated,
                                 m.source, m.confidence) for m in mentions]
    mentions.sort(key=_span_key)
    r = record
    return AnalyzedRecord(r.id, r.row, r.text, compound, label_, r.sentences, mentions, r.scores, r.fields,
                          r.problems, r.redacted, text_fields=r.text_fields, duplicate_of=r.duplicate_of)


_UNSCREENED = Screening("en", None)


def english_word_test(nlp: Language, scorer: SentimentScorer) -> Callable[[str], bool]:
    """Whether a lowercase word is English: one of the 83k base forms of spacy-lookups-data's
    English lemma index, a form or lemma of its lookup table (the pipeline's lemmatiser, already
    loaded), a stop word, or a word of the sentiment lexicon."""
    from spacy.lang.en.stop_words import STOP_WORDS
    from spacy.lookups import load_lookups

    table = english_lemmas(nlp).table
    index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    base_forms = {w for pos in ("adj", "adv", "noun", "verb") for w in index.get(pos, ())}
    words = frozenset({w for w in scorer.lexicon_words() if w.isalpha()} | set(STOP_WORDS) | set(table.values())
                      | base_forms)
    return lambda word: word in words or word in table


def _skipped_record(comment: Comment, screening: Screening) -> AnalyzedRecord:
    """A comment kept as it is: no sentiment, no themes, and why (a problem, for a language)."""
    problems = comment.problems
    if screening.skipped == NOT_ENGLISH:
        problems = (*problems, Problem(ProblemCode.NOT_ENGLISH.value,
                                       f"written in {screening.language!r}, not English: no sentiment or themes"))
    return AnalyzedRecord(comment.id, comment.row, comment.text, None, None, [], [], comment.scores, comment.fields,
                          problems, comment.redacted, screening.language, screening.skipped,
                          text_fields=comment.text_fields, duplicate_of=comment.duplicate_of)


def _span_key(mention: ThemeMention) -> tuple[int, int]:
    return mention.start, mention.end


def analyze(
    comments: Iterable[dict[str, Any] | str] | Any,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    taxonomy: str | None = None,
    lexicon: str | None = None,
    model: str | None = AUTO_MODEL,
    redact: bool = False,
    analyzer: Analyzer | None = None,
) -> Iterator[dict[str, Any]]:
    """Analyse comments: the Python API behind `feedback analyze`.

    comments (Iterable[dict | str] | DataFrame | Series): Strings, or dicts with a text field
        and any other fields (scores are recognised by name, as in the CLI); or a pandas (or
        polars) DataFrame, one comment per row, or a Series of comments. A DataFrame's rows are
        analysed, with its index as each record's id (unless `id_column` is named); NaN, None,
        pd.NA and NaT are missing values: a missing comment gives an error record (as an empty
        CSV cell does), a missing score is a question not answered; Timestamps become ISO 8601
        text and numpy numbers Python ones, so every record is JSON-serialisable.
    text_column, id_column (str | None): Field names, when the defaults do not find them (a
        DataFrame's column label, a number included).
    scores (dict[str, str] | None): KIND -> field name, e.g. {"nps": "likelihood"}.
    taxonomy, lexicon (str | None): Paths replacing the defaults.
    model (str | None): A model directory; "default" for the shipped model; None for the
        taxonomy rules alone; "auto" (the default): the shipped model (see
        feedback.config.DEFAULT_THEME_MODEL), never with your own taxonomy file.
    redact (bool): Mask emails, URLs, IBANs, card and phone numbers first (see feedback.redact).
    analyzer (Analyzer | None): A prebuilt Analyzer to reuse across calls (then taxonomy,
        lexicon and model are its own).
    RETURNS (Iterator[dict]): One record per comment, in order, as in the JSONL output; rows
        that cannot be analysed give an error record (it has an "error" key) in their place.
        `feedback.to_frame` makes a DataFrame of them.
    RAISES (InputError): `comments` is a string or a dict (not a collection of comments).

    Example:
        >>> from feedback import analyze
        >>> next(analyze(["Delivery was slow but the staff were lovely."]))["themes"][0]["theme"]
        'speed/delivery'
    """
    if frame_kind(comments) is not None:  # a DataFrame's column labels may be numbers: columns are text here
        text_column, id_column = _label_text(text_column), _label_text(id_column)
        scores = {kind: str(column) for kind, column in (scores or {}).items()} or None
    rows, columns, sample, text_column, id_column = input_rows(comments, text_column, id_column)
    read = ReadOptions.make(text_column=text_column, id_column=id_column, scores=scores, redact=redact)

    def records() -> Iterator[dict[str, Any]]:
        used = analyzer or Analyzer.from_options(AnalysisOptions(taxonomy, lexicon, model))
        for record in analyze_rows(rows, read, used, columns=columns, sample=sample):
            yield record.to_dict()

    return records()


def input_rows(comments: Any, text_column: str | None, id_column: str | None) -> tuple[
        Iterator[SourceRow], list[str] | None, list[dict[str, Any]], str | None, str | None]:
    """What `analyze` was given, as rows: (rows, columns or None, sample, text_column, id_column).

    A DataFrame's columns and first rows are known before analysis; its index travels as the
    id column unless one is named. For an iterable of strings or dicts, the columns are the
    keys of its first SAMPLE_ITEMS items, whose values also tell free text from codes.
    """
    if frame_kind(comments) is not None:
        frame = frame_rows(comments, index_as_id=id_column is None)
        return (frame.rows, frame.columns, frame.sample, text_column or frame.text_column,
                id_column or frame.index_key)
    if isinstance(comments, (str, bytes, Mapping)):
        raise InputError(Errors.E023.format(kind=type(comments).__name__))
    rows = _as_rows(comments)
    head = list(islice(rows, SAMPLE_ITEMS))
    sample = [row.values for row in head]
    # Columns from the first items, not the first alone: a score the first answer skipped
    # (its key left out) is still found.
    columns = list(dict.fromkeys(key for values in sample for key in values)) if head else None
    if text_column is None and columns == ["text"]:
        text_column = "text"  # strings given as comments are the comments, whatever they hold ("0")
    return _chain_first_many(head, rows), columns, sample, text_column, id_column


def analyze_rows(rows: Iterable[SourceRow | ErrorRecord], read: ReadOptions,
                 analyzer: Analyzer, *, columns: list[str] | None = None,
                 sample: Sequence[dict[str, Any]] = ()) -> Iterator[AnalyzedRecord | ErrorRecord]:
    """Analyse rows as read, resolving the columns from the first row's fields.

    rows (Iterable[SourceRow | ErrorRecord]): Rows in order.
    read (ReadOptions): Columns, scores and redaction (its path is not read).
    analyzer (Analyzer): Does the analysis.
    columns (list[str] | None): The table's columns, when known (a DataFrame's); None takes
        the first row's fields.
    sample (Sequence[dict]): The first rows' values, to tell free text from codes.
    YIELDS (AnalyzedRecord | ErrorRecord): One per row, in order.
    RAISES (InputError): No text field can be found in the first row.
    """
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    if columns is None:
        columns = list(first.values or {})
    spec = resolve_read(columns, read, sample=sample)
    source: Iterator[SourceRow | ErrorRecord] = _chain_first(first, rows)
    if read.redact:
        spec = redact_spec(spec, columns)
        totals: Counter = Counter()
        source = (redact_row(row, totals) for row in source)
    items = (to_comment(row, spec) if isinstance(row, SourceRow) else row for row in source)
    yield from analyzer.pipe(items)


def _label_text(label: Any) -> str | None:
    return None if label is None else str(label)


def _chain_first_many(head: list[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from head
    yield from rest


def _chain_first(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _as_rows(comments: Iterable[dict[str, Any] | str]) -> Iterator[SourceRow]:
    for n, item in enumerate(comments, 1):
        if isinstance(item, Mapping):
            values = {str(k): _plain(v) for k, v in item.items()}
        else:  # a string, or a missing value (None, NaN) from a list made of a column
            values = {"text": _plain(item)}
        yield SourceRow(n, n, values)


def _plain(value: Any) -> Any:
    """A value of a dict given to `analyze`, as JSON holds it: Timestamps, numpy scalars and
    pd.NA converted (`cell_value`); Python floats are left to `to_comment`, which notes NaN."""
    if value is None or type(value) in (str, bool, int, float, dict, list):
        return value
    return cell_value(value)
