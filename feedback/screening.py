"""Before analysis: is a comment an answer at all, and is it in English?

The lexicon, the taxonomy and the model are English. A German comment read as English gets
sentiment from the few words that happen to be English ("die", "war"), and "n/a" or "nothing"
from a promoter reads as a complaint. So each comment is screened first:

- a non-answer ("n/a", "none", "nothing", "no comment", "-", ".", "?", a shrug, a number alone) is kept as a
  record marked `"skipped": "no_answer"`, with no sentiment and no themes;
- a comment detected as another language is kept with its language code, `"skipped":
  "not_english"`, a problem saying so, no sentiment and no themes.

Language detection is offline (py3langid: a naive Bayes model over byte n-grams shipped in its
wheel) and only consulted when the cheap test fails: a comment whose words are mostly common
English words (spaCy's English lemma table and stop words, the sentiment lexicon) is English
without asking it. Short Latin-
script text that is neither is left undecided (`"language": null`) and analysed as usual: a
typo must not silence a comment.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Any, Callable, NamedTuple

NO_ANSWER = "no_answer"
NOT_ENGLISH = "not_english"

# Lowercased, with surrounding punctuation and spaces removed. Answers that carry an opinion
# ("no", "nope" to "anything to add?" are not opinions; "bad", "fine" are) stay out of this list.
NON_ANSWERS = frozenset({
    "", "n/a", "na", "n.a", "n a", "nil", "null", "none", "nothing", "nothing else", "nothing to add",
    "nothing more", "nothing to say", "nothing really", "no comment", "no comments", "not applicable", "no answer", "no response", "none at all", "none so far", "idk", "i don't know",
    "dont know", "don't know", "not sure", "no idea", "no opinion", "nothing at this time",
    "nothing at the moment", "no feedback", "no suggestions", "none really", "x", "xx", "xxx",
})
_SHRUGS = frozenset("\U0001F937\u200d\u2640\u2642\ufe0f\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF\U0001F610\U0001F611\U0001F636")
_EDGE = " \t\r\n.,;:!?-_*'\"()[]{}/\\|~`"
# A number alone in a comment field ("5", "10", "3.5") is a score typed in the wrong box, not a
# comment: read as text it has no word to score, yet reached the model as a comment. "10/10"
# and "5 stars" say how the customer feels and are analysed.
_BARE_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LONGEST_NON_ANSWER = 60  # characters, spaces and punctuation included
# Enough English words to call a comment English without reading further.
ENGLISH_AT = 8
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_STRETCHED = re.compile(r"(.)\1\1", re.IGNORECASE)
# Below this many letters a Latin-script comment that is not English by its words is undecided:
# short real English texts with a typo ("Absolutel junk.") or words the vocabulary lacks
# ("Soft, feminine, versatile") were read as other languages below this.
MIN_LETTERS_TO_DECIDE = 30
# The opening of a comment tells its language; reading all of a long complaint would cost more
# than analysing it.
SCREENED_CHARS = 400
# The detector's normalised probability below which its answer is not taken.
MIN_CONFIDENCE = 0.9
# Function words of the languages customers most often write in besides English that are not
# English words, names or abbreviations an English comment uses: a comment with two of them is
# asked of the detector however many of its words English also has ("die", "war", "gut").
FOREIGN_MARKERS = frozenset({
    # German
    "und", "ist", "nicht", "sehr", "aber", "ich", "auch", "für", "wir", "sind", "nur", "noch", "schon",
    "wurde", "wirklich", "leider", "immer", "keine", "kein", "einen", "einem", "dem", "zum", "bei", "habe",
    "das", "der", "ein", "eine", "mit", "oder", "wie", "sich", "auf", "wenn", "hat",
    # Spanish
    "muy", "pero", "está", "estaba", "también", "porque", "gracias", "servicio", "producto", "bien",
    "cuando", "todo", "nada", "mucho", "pedido", "entrega", "las", "los", "del", "una", "fue", "es", "el",
    # French
    "très", "mais", "avec", "pour", "était", "c'est", "merci", "produit", "livraison", "je", "nous",
    "vous", "les", "des", "une", "pas", "est", "sont", "rien", "tout", "trop",
    # Portuguese and Italian
    "não", "muito", "obrigado", "obrigada", "você", "produto", "molto", "grazie", "sono",
    "però", "anche", "prodotto", "della", "che", "non", "questo", "è",
    # Dutch
    "niet", "maar", "zeer", "heel", "goed", "bedankt", "het", "een", "ik", "wij", "zijn", "erg",
})
# Languages the detector may answer; others (rare ones a short text resembles by chance) are
# not candidates. English is always one.
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu", "tr",
             "ru", "uk", "el", "ar", "he", "fa", "hi", "bn", "ur", "zh", "ja", "ko", "th", "vi", "id", "ms")


class Screening(NamedTuple):
    """What screening found: the comment's language (None: undecided) and why it is not
    analysed (None: it is)."""

    language: str | None
    skipped: str | None


def is_non_answer(text: str) -> bool:
    """Whether a comment says nothing: an empty answer, a placeholder or a shrug."""
    if len(text) > _LONGEST_NON_ANSWER:
        return False
    core = " ".join(text.strip(_EDGE).lower().split())
    if core in NON_ANSWERS or _BARE_NUMBER.fullmatch(core):
        return True
    return any(c in _SHRUGS for c in core) and all(c in _SHRUGS or c in _EDGE for c in core)


class Screener:
    """Decides a comment's language and whether it is an answer; build once, call per comment.

    is_english (Callable[[str], bool]): Whether a lowercase word is English; a comment most of
        whose words are is English without asking the detector (the pipeline passes spaCy's
        English lemma table, stop words and the sentiment lexicon).
    """

    def __init__(self, is_english: Callable[[str], bool]) -> None:
        self.is_english = is_english

    @cached_property
    def _identifier(self) -> Any:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(LANGUAGES))
        identifier._full_model = None  # kept only to widen the language set again: ~20 MB
        return identifier

    def __call__(self, text: str) -> Screening:
        if is_non_answer(text):
            return Screening(None, NO_ANSWER)
        language = self.language(text)
        return Screening(language, NOT_ENGLISH if language not in (None, "en") else None)

    def language(self, text: str) -> str | None:
        """An ISO 639-1 code, or None when the text has too little to tell."""
        opening = text[:SCREENED_CHARS]
        is_english = self.is_english
        words: list[str] = []
        known = 0
        markers = 0
        for match in _WORD.finditer(opening):
            token = match.group()
            # Names ("Anne Heche"), masks ("XXXX") and stretched words ("sooo") tell no language.
            if (words and token[:1].isupper() and not token.isupper()) or _STRETCHED.search(token):
                continue
            word = token.lower()
            words.append(word)
            if word in FOREIGN_MARKERS:
                markers += 1
            if is_english(word):
                known += 1
                if known >= ENGLISH_AT and known * 2 >= len(words) and markers < 2:
                    return "en"  # most comments stop here, a few words in
        if not words:
            return None  # emoji, numbers, punctuation: nothing to tell a language by
        if known * 2 >= len(words) and markers < 2:
            return "en"
        latin = all(_is_latin(c) for w in words for c in w)
        if latin and not markers and sum(c.isalpha() for c in opening) < MIN_LETTERS_TO_DECIDE:
            return None  # too short to tell from a typo or a name (unless a foreign function word says)
        language, confidence = self._identifier.classify(opening)
        if language == "en" or not latin:
            return str(language)  # another script is not English, however short; the detector names it
        if confidence < MIN_CONFIDENCE:
            return None
        return str(language)


def _is_latin(char: str) -> bool:
    return char.isascii() or "LATIN" in unicodedata.name(char, "")
