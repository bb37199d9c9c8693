"""The option types: what to read, how to analyse, where to write, how to run.

Every layer takes these objects whole instead of loose keyword lists, so an option is added in
one place and everything derived from "all the options" (the `--resume` identity, the Dask
manifest, the message that says what a run will do) sees it without being told. They are frozen
dataclasses of plain values: hashable (a worker keeps one Analyzer per AnalysisOptions),
picklable (they travel to worker processes and Dask workers) and JSON-able (`as_dict`).

Nothing here reads a file or imports the NLP stack: building options is free, and validating
what they point to is the engine's first step (`feedback.engine.validate`).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Mapping

from .errors import Errors, OptionsError
from .records import AnalyzedRow

DEFAULT_MODEL = "default"  # the shipped cx-default model (models/cx-default)
# The shipped accurate mode (models/cx-accurate): cx-default's themes, sentiment from a fine-tuned
# transformer (the `accurate` extra), several times slower.
ACCURATE_MODEL = "accurate"
AUTO_MODEL = "auto"  # the model used when none is named: DEFAULT_THEME_MODEL, or none with your taxonomy
# The shipped cx-default model (trained on real comments too) is at least as accurate as the rules
# and plain VADER on every labelled real dataset of benchmarks/real_world.py (ties: VADER on the
# app-store sentences, 0.556, whose gold is feature-level polarity; the rules on SemEval laptops)
# and far better on the hand-labelled set (sentiment 0.81 vs 0.58, theme F1 0.69 vs 0.57). So it
# is the default; `--no-model` gives the rules alone.
DEFAULT_THEME_MODEL: str | None = DEFAULT_MODEL


def shipped_models_dir() -> str:
    """Where the shipped models are: models/ beside the feedback package imported (a checkout or
    worktree run from its folder), else the installed package feedback.models. An editable
    install maps feedback.models to one checkout; another checkout must read its own models."""
    from importlib import resources

    checkout = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "models")
    if os.path.isfile(os.path.join(checkout, "__init__.py")):
        return checkout
    return str(resources.files("feedback.models"))
MODEL_MODES = ("combine", "model")
OUTPUT_FORMATS = ("jsonl", "parquet", "csv", "xlsx")
# Output file extensions and the format each means; any other extension is refused (E535) rather
# than written as JSONL under a name that promises something else.
OUTPUT_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonlines": "jsonl", ".json": "jsonl",
                     ".parquet": "parquet", ".parq": "parquet", ".pq": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
ENGINES = ("local", "dask")
PERIODS = ("day", "week", "month", "quarter")
DEFAULT_MIN_COUNT = 10  # fewer comments than this: a theme is flagged and left out of driver fits
# `feedback report`'s formats, and the comments an HTML report embeds by default: here, so that the
# CLI names them without loading the report package (and numpy) for every other command.
REPORT_FORMATS = ("text", "json", "md", "csv", "html")
DEFAULT_MAX_COMMENTS = 20_000  # about 12 MB of page for reviews of 300-500 characters
DEFAULT_PARTITION_ROWS = 20_000  # ~10 s of work per Dask task (docs/distributed.md)


@dataclass(frozen=True)
class ReadOptions:
    """What to read and where each field is.

    path (str): The export; "-" is standard input.
    format (str | None): "csv", "tsv", "jsonl", "parquet" or "xlsx" (any workbook); None detects it.
    encoding (str | None): Text encoding; None detects it (a BOM wins).
    text_column, id_column (str | None): Column names; None finds them by name.
    scores (tuple[tuple[str, str], ...]): (KIND, COLUMN) pairs, e.g. (("nps", "likelihood"),);
        score columns with known names are found without them.
    redact (bool): Mask emails, URLs, IBANs, card and phone numbers before anything else.
    sheet (str | None): In a workbook (.xlsx, .xls, .ods), the sheet to read; None reads the first.
    text_columns (tuple[str, ...]): Several text columns (a title and a body, several open
        questions), joined in this order into one comment; wins over `text_column`.
    score_map (tuple[tuple[str, float], ...]): (LABEL, NUMBER) pairs read as scores, beside the
        built-in choice labels.
    source (str | None): A vendor preset (`feedback.io.vendors.SOURCES`) instead of detection.
    header_rows (int | None): Rows the header takes (the 2nd and later become column labels);
        None detects known survey layouts.
    skip_rows (int): Lines (sheet rows) above the header to leave out.
    date_format (str | None): A strptime format for every date column; None chooses one per
        column from its values.
    member (str | None): In a .zip, the file to read; None reads its only one.
    source_file (str | None): A TOML file of source presets (`io.presets`) that `source` may
        name; None reads `feedback.toml` in the working directory, when there is one.
    limit (int | None): Read only the first this many rows (a trial run on a large export);
        None reads them all.
    """

    path: str = "-"
    format: str | None = None
    encoding: str | None = None
    text_column: str | None = None
    id_column: str | None = None
    scores: tuple[tuple[str, str], ...] = ()
    redact: bool = False
    sheet: str | None = None
    text_columns: tuple[str, ...] = ()
    score_map: tuple[tuple[str, float], ...] = ()
    source: str | None = None
    header_rows: int | None = None
    skip_rows: int = 0
    date_format: str | None = None
    member: str | None = None
    source_file: str | None = None
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise OptionsError(Errors.E503.format(name="limit", value=self.limit))
        if self.skip_rows < 0:
            raise OptionsError(Errors.E503.format(name="skip_rows", value=self.skip_rows))
        if self.header_rows is not None and self.header_rows < 1:
            raise OptionsError(Errors.E503.format(name="header_rows", value=self.header_rows))

    @classmethod
    def make(cls, path: str = "-", *, scores: Mapping[str, str] | None = None, **options: Any) -> ReadOptions:
        """Build from a KIND -> COLUMN mapping of scores (the frozen form keeps their order)."""
        return cls(path, scores=tuple((scores or {}).items()), **options)

    @property
    def score_columns(self) -> dict[str, str]:
        """KIND -> COLUMN, as the column resolver takes them."""
        return dict(self.scores)

    @property
    def is_stream(self) -> bool:
        return self.path == "-"


@dataclass(frozen=True)
class AnalysisOptions:
    """How to analyse: the taxonomy, lexicon and theme model an Analyzer is built from.

    Paths only, so worker processes can rebuild the same Analyzer.

    taxonomy (str | None): A taxonomy TOML file; None for the shipped one.
    lexicon (str | None): A sentiment lexicon TSV; None for VADER's with the shipped additions.
    model (str | None): A model directory; DEFAULT_MODEL for the shipped cx-default model;
        ACCURATE_MODEL for the shipped accurate mode (the `accurate` extra); None
        for the taxonomy rules alone; AUTO_MODEL (the default): DEFAULT_THEME_MODEL (the
        shipped model), and never the shipped model with your own taxonomy (it knows the default
        themes, not yours). `resolved()` applies that rule, the only place it is decided.
    model_mode (str): "combine" (the model decides, reading rule hits as evidence) or "model"
        (the model's themes only).
    corrections (str | None): A corrections file (`feedback.corrections`): a person's themes and
        sentiment for comment ids, applied to their records as ground truth.
    """

    taxonomy: str | None = None
    lexicon: str | None = None
    model: str | None = AUTO_MODEL
    model_mode: str = "combine"
    corrections: str | None = None

    def __post_init__(self) -> None:
        if self.model_mode not in MODEL_MODES:
            raise OptionsError(Errors.E502.format(name="model_mode", value=self.model_mode,
                                                  allowed=", ".join(MODEL_MODES)))

    def resolved(self) -> AnalysisOptions:
        """These options with AUTO_MODEL decided (DEFAULT_THEME_MODEL, none with a taxonomy)."""
        if self.model != AUTO_MODEL:
            return self
        from .taxonomy_spec import is_builtin_spec  # a model trained on the default themes fits its packs too

        return replace(self, model=DEFAULT_THEME_MODEL if is_builtin_spec(self.taxonomy) else None)

    def absolute(self) -> AnalysisOptions:
        """These options with absolute paths, for workers that do not share our directory."""
        def absolute(path: str | None) -> str | None:
            return os.path.abspath(path) if path else path

        model = self.model if self.model in (None, DEFAULT_MODEL, AUTO_MODEL, ACCURATE_MODEL) else absolute(self.model)
        from .taxonomy_spec import absolute_spec

        return replace(self, taxonomy=absolute_spec(self.taxonomy), lexicon=absolute(self.lexicon), model=model,
                       corrections=absolute(self.corrections))

    @property
    def themes_by(self) -> str:
        """How themes are found, for messages: "rules only" or "rules + model NAME"."""
        model = self.resolved().model
        if not model:
            return "rules only"
        names = {DEFAULT_MODEL: "cx-default", ACCURATE_MODEL: "cx-accurate (accurate sentiment)"}
        return f"rules + model {names.get(model, model)}"


@dataclass(frozen=True)
class OutputOptions:
    """Where the records and the error records go.

    path (str): A file, "-" for standard output, or with the Dask engine a directory.
    format (str | None): "jsonl", "parquet", "csv" (one row per comment, Excel-safe) or "xlsx"
        (the same, and a sheet of theme mentions); None picks it from the path's extension
        (OUTPUT_EXTENSIONS; a file without one, or a stream, is JSONL).
    errors (str | None): A JSONL file for error records; "-" is standard error; None is
        PATH.errors.jsonl, or standard error when PATH is standard output.
    mentions (str | None): With CSV output, a second CSV file with one row per theme mention
        (an .xlsx output has them in its "mentions" sheet).
    """

    path: str = "-"
    format: str | None = None
    errors: str | None = None
    mentions: str | None = None

    def __post_init__(self) -> None:
        if self.format is not None and self.format not in OUTPUT_FORMATS:
            raise OptionsError(Errors.E502.format(name="output format", value=self.format,
                                                  allowed=", ".join(OUTPUT_FORMATS)))

    @property
    def resolved_format(self) -> str:
        if self.format is not None:
            return self.format
        return OUTPUT_EXTENSIONS.get(self.suffix, "jsonl")

    @property
    def suffix(self) -> str:
        """The output's extension, lowercased ("" for standard output or none)."""
        if self.path == "-":
            return ""
        name = os.path.basename(self.path.rstrip("/" + os.sep))
        stem, dot, extension = name.rpartition(".")
        return "." + extension.lower() if dot and stem else ""

    @property
    def errors_path(self) -> str:
        if self.errors is not None:
            return self.errors
        return "-" if self.path == "-" else self.path + ".errors.jsonl"


@dataclass(frozen=True)
class RunOptions:
    """How to run: where the work happens and how it survives interruption.

    engine (str): "local" (this machine, `workers` processes) or "dask" (a Dask cluster).
    workers (int): Local worker processes; output is identical for any number.
    chunk_size (int): Rows per task sent to a local worker.
    resume (bool): Continue an interrupted run from its last checkpoint.
    checkpoint_every (int): Rows between checkpoints of a file output (also every 10 s).
    strict (bool): A run where any row had a problem counts as failed (`RunCounts.clean`).
    scheduler (str | None): With the Dask engine, the scheduler's address; None starts a local
        cluster.
    partition_rows (int): With the Dask engine, rows per partition.
    """

    engine: str = "local"
    workers: int = 1
    chunk_size: int = 512
    resume: bool = False
    checkpoint_every: int = 5000
    strict: bool = False
    scheduler: str | None = None
    partition_rows: int = DEFAULT_PARTITION_ROWS

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise OptionsError(Errors.E502.format(name="engine", value=self.engine, allowed=", ".join(ENGINES)))
        for name in ("workers", "chunk_size", "checkpoint_every", "partition_rows"):
            if getattr(self, name) < 1:
                raise OptionsError(Errors.E503.format(name=name, value=getattr(self, name)))


@dataclass(frozen=True)
class ReportOptions:
    """What to report on, from analysed records.

    by (str | tuple[str, ...] | None): Carried fields to segment by (`fields` of the records); each
        gets its own segment table (segments are not crossed).
    period (str | None): "day", "week", "month" or "quarter" for trends; needs `date_column`.
    date_column (str | None): The carried field holding each comment's date.
    min_count (int): Themes and drivers with fewer comments are flagged and left out of the fit;
        periods with fewer comments are marked as too small to read.
    depth (int): 1 for top-level themes, 2 to add subthemes.
    seed (int): Seed of the bootstrap, so reports are reproducible.
    where (tuple[str, ...]): Filters "COLUMN=VALUE" or "COLUMN!=VALUE" on carried fields, all of
        which a comment must pass to be reported ("(missing)" matches an empty value).
    fdr (bool): Control the false discovery rate (Benjamini-Hochberg) across each family of tests
        (theme impacts, segment differences, emerging themes, co-occurrences): an effect is called
        real only when its adjusted q-value is at most 0.05. Off: each test at 95% alone.
    """

    by: str | tuple[str, ...] | None = None
    period: str | None = None
    date_column: str | None = None
    min_count: int = DEFAULT_MIN_COUNT
    depth: int = 1
    seed: int = 0
    where: tuple[str, ...] = ()
    fdr: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.by, str):
            object.__setattr__(self, "by", (self.by,))
        object.__setattr__(self, "by", tuple(dict.fromkeys(self.by or ())))
        object.__setattr__(self, "where", tuple(self.where))
        self.filters()  # refuses a malformed filter now, not after reading the records
        if self.period is not None and self.period not in PERIODS:
            raise OptionsError(Errors.E502.format(name="period", value=self.period, allowed=", ".join(PERIODS)))
        if self.period and not self.date_column:
            raise OptionsError(Errors.E520)
        if self.date_column and not self.period:
            raise OptionsError(Errors.E521.format(allowed=", ".join(PERIODS)))
        if self.min_count < 1:
            raise OptionsError(Errors.E503.format(name="min_count", value=self.min_count))
        if self.depth not in (1, 2):
            raise OptionsError(Errors.E502.format(name="depth", value=self.depth, allowed="1, 2"))

    @property
    def columns(self) -> tuple[str, ...]:
        """The `by` columns (an empty tuple without segments)."""
        return self.by if isinstance(self.by, tuple) else ()

    def filters(self) -> list[tuple[str, str, str]]:
        """The `where` filters as (column, "=" or "!=", value).

        RAISES (OptionsError): A filter is not COLUMN=VALUE or COLUMN!=VALUE.
        """
        out = []
        for text in self.where:
            column, op, value = text.partition("!=") if "!=" in text else text.partition("=")
            if not op or not column.strip():
                raise OptionsError(Errors.E540.format(value=text))
            out.append((column.strip(), op, value.strip()))
        return out


@dataclass
class RunCounts:
    """What a run did: every input row is one record or one error record."""

    rows: int = 0
    analysed: int = 0
    with_problems: int = 0
    errors: int = 0
    unthemed: int = 0  # analysed, not skipped, and no theme found
    no_answer: int = 0  # "n/a", "nothing", "-": kept as records, not analysed
    not_english: int = 0  # in another language: kept as records, not analysed
    duplicates: int = 0  # repeat an earlier row's comment (`duplicate_of`): kept and analysed
    corrected: int = 0  # records a person's correction was applied to (`corrections`)
    resumed_after: int = 0  # rows done by an interrupted run before this one went on
    redacted: dict[str, int] = field(default_factory=dict)  # kind -> masked this run
    partitions: int = 0  # with the Dask engine: partitions written
    error_files: int = 0  # with the Dask engine: partitions with an errors file

    def add(self, row: AnalyzedRow) -> None:
        """Count one finished row."""
        self.rows += 1
        if row.status == "error":
            self.errors += 1
            return
        self.analysed += 1
        self.with_problems += row.status == "problems"
        self.duplicates += row.duplicate
        self.corrected += row.corrected
        if row.skipped == "no_answer":
            self.no_answer += 1
        elif row.skipped == "not_english":
            self.not_english += 1
        else:
            self.unthemed += not row.themed

    @property
    def clean(self) -> bool:
        """No row had a problem and every row was analysed."""
        return not (self.errors or self.with_problems)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def as_dict(options: Any) -> dict[str, Any]:
    """Options as JSON-able data (for manifests, checkpoints and model cards)."""
    return asdict(options)
