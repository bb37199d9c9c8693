"""`run_analysis`: validate, open, resolve, analyse, write, count."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
import threading
from collections import Counter
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ..columns import ColumnSpec, mark_duplicates, redact_spec, resolve_read
from ..config import (
    ACCURATE_MODEL,
    DEFAULT_MODEL,
    OUTPUT_EXTENSIONS,
    AnalysisOptions,
    OutputOptions,
    ReadOptions,
    RunCounts,
    RunOptions,
    as_dict,
)
from ..errors import Errors, Interrupted, OptionsError
from ..io import Table, open_input
from ..io.checkpoint import input_fingerprint, remove_run_state
from ..io.files import exclusive_lock, is_stream, same_file
from ..io.sinks import JsonlFileSink, ParquetSink, RecordSink, ResumableJsonlSink, TableSink
from ..io.tables import CommentLayout
from ..redact import redact_keys, redact_row, redact_value
from .start import RunStart


def run_analysis(
    read: ReadOptions,
    analysis: AnalysisOptions,
    output: OutputOptions,
    run: RunOptions | None = None,
    *,
    on_start: Callable[[RunStart], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunCounts:
    """Analyse an export into records and error records: every row ends as exactly one of them.

    read (ReadOptions): The export and its columns.
    analysis (AnalysisOptions): Taxonomy, lexicon, model.
    output (OutputOptions): Where records and error records go.
    run (RunOptions | None): Engine, workers, checkpoints, resume.
    on_start (Callable[[RunStart], None] | None): Called once, when everything is validated and
        the outputs are ready, before the first row is analysed.
    progress (Callable[[int], None] | None): Called with a number of rows just finished.
    RETURNS (RunCounts): Rows read, analysed, with problems, errors, without a theme.
    RAISES (FeedbackError): Anything the user can fix, as a coded one-line message: bad options
        (OptionsError), an unreadable input or unknown column (InputError), a bad taxonomy,
        lexicon or model, a resume that does not fit (ResumeError), an output that cannot be
        written or that another run is writing (OutputError: a missing or unwritable directory,
        a full disk; the checkpoint is kept), an interruption (Interrupted: the run can be
        resumed), a worker that died (WorkerError).
    """
    run = run or RunOptions()
    analysis = analysis.resolved()
    if run.engine == "dask":
        validate(read, analysis, output, run)
        from .dask import run_dask

        return run_dask(read, analysis, output, run, on_start=on_start, progress=progress)
    _check_options(read, output, run)
    with _locked(output):
        if not run.resume and not is_stream(output.path):
            # This run owns the output now: what an earlier run left (a checkpoint, partial
            # files) goes first, so that it can never be resumed into this run's files.
            remove_run_state(output.path, _state_errors_path(output))
        _load_named_files(analysis)
        table = open_input(read)
        spec = resolve_read(table.columns, read, labels=table.labels, sample=table.sample, notes=table.notes,
                            preset=table.preset, empty=table.empty)
        # Before redaction, which renames the columns the spec names.
        table = dataclasses.replace(table, rows=mark_duplicates(table.rows, spec))
        if read.redact:
            spec = redact_spec(spec, table.columns)
        return _run_local(table, spec, read, analysis, output, run, on_start, progress)


def _run_local(table: Table, spec: ColumnSpec, read: ReadOptions, analysis: AnalysisOptions, output: OutputOptions,
               run: RunOptions, on_start: Callable[[RunStart], None] | None,
               progress: Callable[[int], None] | None) -> RunCounts:
    sink = _sink(read, analysis, output, run, spec, table.columns)
    counts = RunCounts()
    done = sink.open(counts)
    if on_start is not None:
        on_start(RunStart(table.name, spec, analysis, resumed_after=done,
                          checkpoint=sink.checkpoint_path if isinstance(sink, ResumableJsonlSink) else None))
    if done and progress is not None:
        progress(done)
    try:
        with _interrupts_between_rows(enabled=isinstance(sink, ResumableJsonlSink)) as stop:
            _analyze_into(table, spec, read, analysis, run, sink, counts, done, progress, stop)
    except KeyboardInterrupt:
        sink.abort()
        if isinstance(sink, ResumableJsonlSink):
            raise Interrupted(Errors.E506.format(rows=sink.output.rows_done, partial=sink.partial)) from None
        raise
    except BaseException:
        sink.abort()
        raise
    sink.close()
    return counts


def _analyze_into(table: Table, spec: ColumnSpec, read: ReadOptions, analysis: AnalysisOptions, run: RunOptions,
                  sink: RecordSink, counts: RunCounts, done: int, progress: Callable[[int], None] | None,
                  stop: threading.Event) -> None:
    from itertools import islice

    from .local import analyze_stream

    rows: Iterator[Any] = islice(table.rows, done, None)
    redacted: Counter[str] = Counter()
    if read.redact:
        rows = (redact_row(row, redacted) for row in rows)
    for row in analyze_stream(rows, spec, analysis, workers=run.workers, chunk_size=run.chunk_size,
                              as_json=sink.as_json):
        counts.add(row)  # before the sink writes: a checkpoint taken in that write includes this row
        sink.write(row)
        if progress is not None:
            progress(1)
        if stop.is_set():
            raise KeyboardInterrupt
    counts.redacted = dict(sorted(redacted.items()))


def validate(read: ReadOptions, analysis: AnalysisOptions, output: OutputOptions, run: RunOptions) -> None:
    """Fail before reading any row: options that do not go together, and every file an option
    names (taxonomy, lexicon, model) loaded once. Checking the input itself is `open_input`'s.

    RAISES (OptionsError): Options that cannot be used together.
    RAISES (TaxonomyError, LexiconError, ModelError): What they name is invalid.
    """
    _check_options(read, output, run)
    _load_named_files(analysis.resolved())


def _check_options(read: ReadOptions, output: OutputOptions, run: RunOptions) -> None:
    """Options that do not go together, and outputs that collide (nothing is loaded)."""
    fmt = output.resolved_format
    if run.engine == "dask":
        unused = [name for name, value in (("errors", output.errors), ("resume", run.resume),
                                           ("workers", run.workers > 1), ("mentions", output.mentions)) if value]
        if unused:
            raise OptionsError(Errors.E507.format(names=", ".join(f"`{n}`" for n in unused)))
        if output.path == "-":
            raise OptionsError(Errors.E508)
        if fmt in ("csv", "xlsx"):
            raise OptionsError(Errors.E536.format(fmt=fmt))
    else:
        if output.format is None and output.suffix and output.suffix not in OUTPUT_EXTENSIONS \
                and not is_stream(output.path):
            raise OptionsError(Errors.E535.format(path=output.path, suffix=output.suffix))
        if fmt in ("csv", "xlsx") and run.resume:
            raise OptionsError(Errors.E533.format(fmt="CSV" if fmt == "csv" else "Excel"))
        if fmt == "xlsx" and is_stream(output.path):
            raise OptionsError(Errors.E534)
        if output.mentions is not None and fmt != "csv":
            raise OptionsError(Errors.E538.format(fmt=fmt))
        if run.resume and (is_stream(read.path) or is_stream(output.path) or _errors_stream(output)):
            raise OptionsError(Errors.E505)
        if output.resolved_format == "parquet" and (is_stream(output.path) or run.resume):
            raise OptionsError(Errors.E509)
        if os.path.isdir(output.path):
            raise OptionsError(Errors.E514.format(path=output.path))
    _check_collisions(read, output)


def _errors_stream(output: OutputOptions) -> bool:
    """Error records go to a pipe or a device given as `errors` (not standard error, "-")."""
    return output.errors_path != "-" and is_stream(output.errors_path)


def _state_errors_path(output: OutputOptions) -> str:
    """The errors file a resumable run writes through a partial of its own."""
    errors = output.errors_path
    return output.path + ".errors.jsonl" if errors == "-" else errors


@contextmanager
def _locked(output: OutputOptions) -> Iterator[None]:
    """Hold the outputs' locks for the run: a second run writing the same files is refused
    instead of interleaving with this one (streams are not locked: they are not ours)."""
    with ExitStack() as stack:
        paths = [output.path] if not is_stream(output.path) else []
        if output.errors is not None and output.errors != "-" and not is_stream(output.errors):
            paths.append(output.errors)  # the default one lives and dies with the output's lock
        if output.mentions is not None and output.mentions != "-" and not is_stream(output.mentions):
            paths.append(output.mentions)
        for path in paths:
            stack.enter_context(exclusive_lock(path))
        yield


def _check_collisions(read: ReadOptions, output: OutputOptions) -> None:
    """Outputs that would overwrite the input, or each other."""
    errors = output.errors_path
    for written in (output.path, errors):
        if written != "-" and not is_stream(written) and not read.is_stream and same_file(written, read.path):
            raise OptionsError(Errors.E516.format(path=written))
    if errors != "-" and output.path != "-" and not is_stream(errors) and same_file(errors, output.path):
        raise OptionsError(Errors.E517.format(path=errors))
    mentions = output.mentions
    if mentions == "-" and output.path == "-":
        raise OptionsError(Errors.E539.format(path="<stdout>"))
    if mentions is not None and mentions != "-" and not is_stream(mentions):
        if not read.is_stream and same_file(mentions, read.path):
            raise OptionsError(Errors.E516.format(path=mentions))
        if any(path != "-" and same_file(mentions, path) for path in (output.path, errors)):
            raise OptionsError(Errors.E539.format(path=mentions))


def _load_named_files(analysis: AnalysisOptions) -> None:
    from ..sentiment import load_lexicon
    from ..themes import load_taxonomy

    if analysis.taxonomy:
        load_taxonomy(analysis.taxonomy)
    if analysis.lexicon:
        load_lexicon(analysis.lexicon)
    if analysis.model and analysis.model != DEFAULT_MODEL:
        from ..pipeline import load_theme_model

        load_theme_model(analysis.model)
    if analysis.corrections:
        from ..corrections import read_corrections

        read_corrections(analysis.corrections)


def _sink(read: ReadOptions, analysis: AnalysisOptions, output: OutputOptions, run: RunOptions,
          spec: ColumnSpec, columns: list[str]) -> RecordSink:
    errors_path = output.errors_path
    if output.resolved_format == "parquet":
        return ParquetSink(output.path, errors_path)
    if output.resolved_format in ("csv", "xlsx"):
        return TableSink(output.path, errors_path, table_layout(analysis, spec, columns, redact=read.redact),
                         output.resolved_format, mentions_path=output.mentions)
    if is_stream(output.path) or is_stream(read.path) or _errors_stream(output):
        # Nothing to resume from: a stream output cannot be cut back, a stream input not re-read.
        return JsonlFileSink(output.path, errors_path)
    identity = resume_identity(read, analysis, output, spec)
    return ResumableJsonlSink(output.path, errors_path, identity, resume=run.resume, every_rows=run.checkpoint_every)


def table_layout(analysis: AnalysisOptions, spec: ColumnSpec, columns: list[str], *,
                 redact: bool = False) -> CommentLayout:
    """The columns of a flat-table output, known before the first row: a column per top-level
    theme of the taxonomy (mentioned or not, so every run of it has the same columns), per
    score the columns give, and per other input column (under its masked name with `redact`).
    A field that only some JSONL lines carry, beyond the columns read, is left out of the table
    (the JSONL and Parquet outputs keep it)."""
    from ..themes import load_taxonomy

    names = redact_keys(columns, Counter()) if redact else columns
    used = {spec.text, spec.id, *spec.scores}
    return CommentLayout(tuple(load_taxonomy(analysis.taxonomy).theme_ids),
                         tuple(dict.fromkeys(kind for kind, _ in spec.scores.values())),
                         tuple(name for name in names if name not in used))


def resume_identity(read: ReadOptions, analysis: AnalysisOptions, output: OutputOptions,
                    spec: ColumnSpec) -> dict[str, Any]:
    """Everything that shapes a run's output, as `--resume` compares it.

    Derived from the option objects whole, so an option added to them is part of it without
    being named here; the input and the files the options point to count by their content
    (sha256), not only their path. How the run is run (`workers`, `chunk_size`, checkpoint
    frequency) does not shape the output and is free to change.
    """
    from .. import __version__

    errors = output.errors_path
    read_part = {name: value for name, value in as_dict(read).items() if name != "path"}  # "input" has it
    if read.redact:  # column names given as options go into the checkpoint, a side file: masked too
        read_part = redact_value(read_part, Counter())
    return {
        "input": input_fingerprint(read.path),
        "read": read_part,
        "columns": {"text": spec.text, "id": spec.id,
                    "scores": sorted((column, kind) for column, (kind, _) in spec.scores.items())},
        "analysis": as_dict(analysis),
        "content": {name: content_digest(path) for name, path in
                    (("lexicon", analysis.lexicon), ("model", analysis.model))
                    if path and path not in (DEFAULT_MODEL, ACCURATE_MODEL)} | _taxonomy_digest(analysis.taxonomy) | _presets_digest(read),
        "output": {**as_dict(output), "path": os.path.abspath(output.path), "format": output.resolved_format,
                   "errors": os.path.abspath(errors) if errors != "-" else "-"},
        "version": __version__,
    }


def _presets_digest(read: ReadOptions) -> dict[str, str]:
    """The source presets file's content, when `--source` may name one of its presets."""
    from ..io.presets import preset_path

    path = preset_path(read.source_file) if read.source else None
    return {"sources": content_digest(path)} if path and os.path.isfile(path) else {}


def _taxonomy_digest(spec: str | None) -> dict[str, str]:
    """The taxonomy's content (its file and its packs' files), when one is named."""
    if not spec:
        return {}
    from ..themes import load_taxonomy

    return {"taxonomy": load_taxonomy(spec).sha256}


def content_digest(path: str) -> str:
    """sha256 of a file, or of a directory's files (names and bytes, in name order)."""
    digest = hashlib.sha256()
    root = Path(path)
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
    for file in files:
        digest.update(str(file.relative_to(root) if root.is_dir() else file.name).encode("utf-8", "replace"))
        with open(file, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


@contextmanager
def _interrupts_between_rows(*, enabled: bool) -> Iterator[threading.Event]:
    """Ctrl-C and SIGTERM (a scheduler stopping the job) stop the run after the row being
    written, never inside it: an interrupt between counting a row and writing it would leave a
    checkpoint whose counts, row count and file sizes disagree, and a resume that repeats a row.
    """
    stop = threading.Event()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request_stop(signum: int, frame: Any) -> None:
        if stop.is_set():  # a second Ctrl-C: a run waiting on a stuck worker still stops
            raise KeyboardInterrupt
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
