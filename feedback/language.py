"""The spaCy pipeline: a blank English tokenizer, rule-based sentences, lowercase lookup lemmas.

No trained pipeline runs here: on 20k comments a trained en_core_web_sm costs ~70x VADER, while
blank + sentencizer + lookup lemmas costs less than VADER itself.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Callable, Iterable, Iterator, cast

import spacy
from spacy.attrs import IS_SPACE, LOWER, NORM, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import load_language_data, registry
from spacy.vocab import Vocab

# The lookup table maps surface forms to lemmas but knows nothing of case ("Delivery" stays as
# written) and misreads some clitics ("'s" -> "have", "ai" of "ain't" -> "have"). Matching works
# on lowercased lemmas, so these overrides keep patterns predictable.
_LEMMA_OVERRIDES = {
    "'s": "'s",
    "ai": "ai",
    "ca": "can",
    "wo": "will",
    "sha": "shall",
    "n't": "not",
    "'m": "be",
    "'re": "be",
    "'ve": "have",
    "'ll": "will",
    "'d": "would",
    "better": "good",
    "best": "good",
    "worse": "bad",
    "worst": "bad",
    "data": "data",
    "me": "i",
    "us": "we",
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200e\u200f\u2060\ufeff]")
# Zero-width (non-)joiners hide inside Latin words ("del\u200divery") but are needed in emoji
# sequences and in Persian or Indic script, so only those between Latin letters or digits go.
_LATIN_JOINER_RE = re.compile(r"(?<=[A-Za-z0-9])[\u200c\u200d]+(?=[A-Za-z0-9])")
_NEWLINES_RE = re.compile(r"\r\n?|[\x85\u2028\u2029]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Make comment text safe to analyse and to write: NFC, LF newlines, no control characters.

    Zero-width spaces, direction marks, BOMs and NULs are removed; emoji and RTL letters stay.
    text (str): The raw comment.
    RETURNS (str): The cleaned text, stripped of surrounding whitespace.
    """
    text = _NEWLINES_RE.sub("\n", text)
    text = _CONTROL_RE.sub("", text)
    if not text.isascii():
        # A lone surrogate (from a JSON "\\ud800" escape) is not text: nothing can encode it.
        text = _SURROGATE_RE.sub("\ufffd", text)
        text = _LATIN_JOINER_RE.sub("", text)
        text = unicodedata.normalize("NFC", text)
    return text.strip()


class LookupLemmas:
    """Lowercase lookup lemmas from spacy-lookups-data's English table, with overrides."""

    def __init__(self) -> None:
        # A plain dict of the table's data: spaCy's `load_lookups` builds a Table, which hashes
        # each of its 42k words into the string store's ids (a fifth of the pipeline's
        # start-up) and hashes the word again at every look-up; the words and lemmas are the same.
        self.table = cast(dict[str, str], load_language_data(registry.lookups.get("en")["lemma_lookup"]))

    def __call__(self, text: str) -> str:
        lower = text.lower()
        override = _LEMMA_OVERRIDES.get(lower)
        if override is not None:
            return override
        return self.table.get(lower, lower)


def english_lemmas(nlp: Language) -> LookupLemmas:
    """The lemmatiser `make_nlp` installed (its table doubles as an English vocabulary)."""
    return nlp.vocab.lex_attr_getters[NORM]  # type: ignore[attr-defined]


@Language.component("feedback_newline_sentences")
def split_on_newlines(doc: Doc) -> Doc:
    """Start a sentence after a line break, as exports are full of unpunctuated lines, unless
    the next line goes on in lowercase: then the break is only a wrapped line."""
    # Doc.text joins every token, so ask the array of IS_SPACE flags first (usually all zero).
    spaces = doc.to_array(IS_SPACE)
    if not spaces.any():
        return doc
    for i in spaces.nonzero()[0]:
        token = doc[int(i)]
        if token.i < len(doc) - 1 and "\n" in token.text:
            following = doc[token.i + 1]
            if token.text.count("\n") > 1 or not following.text[:1].islower():
                following.is_sent_start = True
    return doc


# spaCy strips prefixes and suffixes one at a time, each step hashing and searching the rest of
# the token, so a long space-free run of affixes (punctuation, symbols, emoji, "_", "'s", "US$")
# costs time quadratic in its length: 8,000 "!" take seconds, 100,000 would take many minutes.
# Runs like that never occur in prose, so the tokenizer cuts them into pieces of AFFIX_RUN_PIECE
# characters and tokenises each piece on its own, bounding the cost of a comment by its length.
# Only consecutive affixes are stripped one by one (what lies between letters is split in one
# pass), and the affixes that hold letters are "'s" and the dollar prefixes, so text without
# such a run, long glued words and URLs included, is tokenised exactly as before.
AFFIX_RUN_PIECE = 64
_AFFIX_RUN_RE = re.compile(r"(?:[^\w\s]|_|['\u2019][sS]|US\$|[CA]\$){%d,}" % (AFFIX_RUN_PIECE + 1))
# Other patterns can be slow too ("a:a:a:..."), so a space-free run of over LONG_RUN_PIECE
# characters is cut as well: just before a comma, colon or semicolon between letters,
# where spaCy splits anyway (the piece after it strips it as a prefix, to the same tokens).
LONG_RUN_PIECE = 1000
_LONG_RUN_RE = re.compile(r"\S{%d,}" % (LONG_RUN_PIECE + 1))
_INFIX_RE = re.compile(r"(?<=[^\W_])[,:;](?=[^\W\d_])")
# A cut does not fall before a combining mark, a skin tone or a joiner, nor after a joiner (it
# would split an accent or an emoji sequence), unless a run is nothing but those.
_JOINING_RE = re.compile(r"[\u0300-\u036f\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")
_MAX_CUT_SHIFT = 16


_PIECE_ATTRS = [attr for attr in Doc._get_array_attrs() if attr != SENT_START]


class BoundedTokenizer:
    """spaCy's tokenizer, with long runs of affix characters cut into pieces first.

    The Doc's text is the input text, character for character, so offsets index the original.
    tokenizer (Tokenizer): The pipeline's own tokenizer, which does all the work.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __call__(self, text: str) -> Doc:
        cuts = affix_run_cuts(text)
        if not cuts:
            doc = self.tokenizer(text)
        else:
            bounds = [0, *cuts, len(text)]
            pieces = [self.tokenizer(text[a:b]) for a, b in zip(bounds, bounds[1:]) if b > a]
            # Every piece's first token would start a sentence: leave sentences to the pipeline.
            doc = Doc.from_docs(pieces, ensure_whitespace=False, attrs=_PIECE_ATTRS)
        return split_hashtags(doc) if "#" in text else doc

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:
        # Everything else (rules, explain, prefix_search...) is the wrapped tokenizer's.
        return getattr(self.tokenizer, name)


def split_hashtags(doc: Doc) -> Doc:
    """Split each hashtag's word into the words it is made of ("#", "CustomerService" ->
    "#", "Customer", "Service"; `feedback.hashtags`), so the theme rules read them."""
    from .hashtags import split_hashtag

    splits = []
    for token in doc[1:]:
        if token.nbor(-1).text == "#" and not token.nbor(-1).whitespace_:
            pieces = split_hashtag(token.text)
            if pieces:
                splits.append((token, pieces))
    if splits:
        with doc.retokenize() as retokenizer:
            for token, pieces in splits:
                retokenizer.split(token, pieces, heads=[(token, 0)] * len(pieces))
    return doc


def affix_run_cuts(text: str) -> list[int]:
    """Where to cut `text` so that no piece holds a long run of affixes or of non-spaces.

    text (str): A comment.
    RETURNS (list[int]): Character offsets, increasing; empty for ordinary text.
    """
    if len(text) <= AFFIX_RUN_PIECE:
        return []  # no run can be longer than the text: short answers stop here
    cuts: list[int] = []
    for run in _AFFIX_RUN_RE.finditer(text):
        start, end = run.span()
        cut = start + AFFIX_RUN_PIECE
        while cut < end:
            shift = 0
            while shift < _MAX_CUT_SHIFT and cut < end and (
                text[cut - 1] == "\u200d" or _JOINING_RE.match(text, cut)
                or unicodedata.category(text[cut]) in ("Mn", "Me")
            ):
                cut += 1
                shift += 1
            if cut < end:
                cuts.append(cut)
            cut += AFFIX_RUN_PIECE
    for run in _LONG_RUN_RE.finditer(text) if len(text) > LONG_RUN_PIECE else ():
        position, end = run.span()
        while end - position > LONG_RUN_PIECE:
            infixes = list(_INFIX_RE.finditer(text, position + LONG_RUN_PIECE // 2, position + LONG_RUN_PIECE))
            position = infixes[-1].start() if infixes else position + LONG_RUN_PIECE
            cuts.append(position)
    return sorted(set(cuts))


def make_nlp() -> Language:
    """Build the pipeline: blank English, sentencizer, newline splits, lowercase lemmas.

    The lookup lemma of a word depends on the word alone, so it is stored once per vocabulary
    entry as the lexeme's NORM (spaCy computes lexeme attributes when a word is first seen)
    instead of being set on every token. Match on NORM: it holds the lowercase lemma; tokenizer
    exceptions keep their own norms ("n't" -> "not", "ca" -> "can").

    RETURNS (Language): The pipeline; build once per process.
    """
    nlp = spacy.blank("en")
    # spaCy splits "ain't" into "ai" + "n't" without a norm for "ai", which then reads as the
    # automation term "AI" ("This ain't cool"): its own exceptions, re-added with the norm "be".
    tokenizer = cast(Any, nlp.tokenizer)  # a spaCy Tokenizer; Language types it as a callable
    for orth, pieces in list(tokenizer.rules.items()):
        if orth.lower().replace("\u2019", "'") in ("ain't", "aint") and pieces and pieces[0].get(ORTH, "").lower() == "ai":
            tokenizer.add_special_case(orth, [{**pieces[0], NORM: "be"}, *pieces[1:]])
    nlp.tokenizer = BoundedTokenizer(nlp.tokenizer)
    lemmas = LookupLemmas()
    nlp.vocab.lex_attr_getters[NORM] = lemmas  # type: ignore[attr-defined]  # a Cython attribute
    for lexeme in nlp.vocab:
        lexeme.norm_ = lemmas(lexeme.orth_)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("feedback_newline_sentences")
    return nlp


def make_docs(nlp: Language, texts: list[str]) -> list[Doc]:
    """What `nlp.pipe(texts)` makes, without `Language.pipe`'s per-batch machinery, which costs
    a third of the pipeline on survey-length comments: the tokenizer, then each component on
    the batch. The newline splitter only runs on texts holding a line break: elsewhere it finds
    no line-break token and changes nothing.

    nlp (Language): From `make_nlp()`.
    texts (list[str]): At most `nlp.max_length` characters each.
    RETURNS (list[Doc]): One Doc per text, in order.
    """
    tokenizer = nlp.tokenizer
    docs = [tokenizer(text) for text in texts]
    for name, component in nlp.pipeline:
        if name == "feedback_newline_sentences":
            docs = [component(doc) if "\n" in text else doc for doc, text in zip(docs, texts)]
        elif hasattr(component, "pipe"):
            docs = list(component.pipe(docs))
        else:
            docs = [component(doc) for doc in docs]
    return docs


# Words that start a new clause for sentiment purposes: what comes after "but" is a separate
# judgement ("It's expensive but the staff make it worth it").
CONTRAST_WORDS = frozenset({"but", "however", "although", "though", "whereas", "except", "yet"})
# Subordinators that open a sentence: the clause they open ends at the first comma.
_LEADING_SUBORDINATORS = frozenset({"although", "though", "while", "whilst", "despite", "even"})


def clause_bounds(sent: Span) -> list[tuple[int, int]]:
    """Split a sentence into clauses at contrast words, for per-mention sentiment.

    sent (Span): A sentence of a Doc.
    RETURNS (list[tuple[int, int]]): Token index ranges [start, end) in the Doc, covering the
        sentence. A single range when the sentence has no contrast.
    """
    doc = sent.doc
    return ClauseSplitter(doc.vocab)(doc.to_array(LOWER).tolist(), sent.start, sent.end)


class ClauseSplitter:
    """clause_bounds on a Doc's lowercase word ids: no Token objects, as it runs per mention."""

    def __init__(self, vocab: Vocab) -> None:
        add = vocab.strings.add
        self.contrast = frozenset(add(w) for w in CONTRAST_WORDS)
        self.leading = frozenset(add(w) for w in _LEADING_SUBORDINATORS)
        self.cut_words = self.contrast | {add(";")}
        self.comma = add(",")
        self.yet, self.though, self.even = add("yet"), add("though"), add("even")
        self.not_yet = frozenset(add(w) for w in ("not", "n't", "as"))

    def __call__(self, lowers: list[int], start: int, end: int) -> list[tuple[int, int]]:
        """lowers: the Doc's LOWER ids; [start, end): the sentence's tokens."""
        cuts = []
        if lowers[start] in self.leading:
            for i in range(start + 1, end - 1):
                if lowers[i] == self.comma:
                    cuts.append(i + 1)
                    break
        if not cuts and self.cut_words.isdisjoint(lowers[start + 1 : end]):
            return [(start, end)]
        for i in range(start + 1, end):
            lower = lowers[i]
            if lower in self.cut_words:
                # "not yet" and "even though" are not new clauses of their own.
                if lower == self.yet and lowers[i - 1] in self.not_yet:
                    continue
                if lower == self.though and lowers[i - 1] == self.even:
                    cuts.append(i - 1)
                    continue
                cuts.append(i)
        if not cuts:
            return [(start, end)]
        bounds = []
        prev = start
        for cut in sorted(set(cuts)):
            if prev < cut < end:
                bounds.append((prev, cut))
                prev = cut
        bounds.append((prev, end))
        return bounds


# Help desks (Intercom's source.body, Freshdesk's and Zendesk's HTML descriptions) write HTML.
_HTML_TAG = re.compile(r"</?(?:p|br|div|span|b|i|u|em|strong|ul|ol|li|a|h[1-6]|blockquote|table|tr|td|th|img|font)"
                       r"\b[^<>]{0,500}>", re.IGNORECASE)
_HTML_BREAK = re.compile(r"</?(?:p|br|div|li|h[1-6]|blockquote|tr)\b[^<>]{0,500}>", re.IGNORECASE)
# What double-encoded UTF-8 starts with ("Ã©" for "é", "â€™" for "'", "ðŸ™‚" for an emoji,
# "à¤œ" for Devanagari, "é\x9d\x9e" for Chinese): a UTF-8 lead byte read as Latin-1 or
# Windows-1252 (Â-ô) and a continuation byte read the same way. Only such texts are given to
# ftfy, which decides whether they really are double-encoded.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161"
                            "\u0178\u017d\u017e\u0192\u02c6\u02dc\u2122]")


def looks_like_html(text: str) -> bool:
    """Whether a text holds HTML tags (a help desk's rich-text field)."""
    return "<" in text and _HTML_TAG.search(text) is not None


def plain_text(text: str) -> str:
    """HTML as the text a reader sees: block tags become line breaks, others go, entities decoded.

    text (str): A rich-text field.
    RETURNS (str): Its text, one line per paragraph.
    """
    import html

    text = _HTML_BREAK.sub("\n", text)
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def may_be_mojibake(text: str) -> bool:
    """Whether a text has the characters double-encoded UTF-8 leaves ("Ã©", "â€™", "ðŸ")."""
    return not text.isascii() and _MOJIBAKE_HINT.search(text) is not None


def mojibake_sample(text: str) -> str:
    """The first stretch of a text that looks double-encoded, for messages."""
    match = _MOJIBAKE_HINT.search(text)
    return "" if match is None else text[match.start():match.start() + 4]


def repair_mojibake(text: str) -> str:
    """The text with double-encoded UTF-8 undone (ftfy's `fix_encoding`, nothing else changed).

    text (str): A comment.
    RETURNS (str): The repaired text; the same text when there is nothing to repair.
    """
    import ftfy

    return ftfy.fix_encoding(text)
