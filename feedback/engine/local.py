"""The local engine: analyse a row stream in this process or in worker processes.

Output order is input order for any number of workers, and memory stays flat: rows go out in
chunks, at most four chunks wait per worker, and each finished row comes back as an
`AnalyzedRow` (its status, whether it has themes, and the record already serialised the way the
sink wants it), so the parent never re-parses what a worker produced.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import multiprocessing.connection
import queue
import threading
import traceback
from collections import deque
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from ..columns import ColumnSpec, to_comment
from ..config import AnalysisOptions
from ..errors import Errors, WorkerError
from ..io.files import dumps
from ..records import AnalyzedRecord, AnalyzedRow, Comment, ErrorRecord, SourceRow

if TYPE_CHECKING:
    from ..pipeline import Analyzer

QUEUED_CHUNKS_PER_WORKER = 4

_worker_analyzer: Analyzer | None = None


def analyze_stream(rows: Iterable[SourceRow | ErrorRecord], spec: ColumnSpec, analysis: AnalysisOptions, *,
                   workers: int = 1, chunk_size: int = 512, as_json: bool = True) -> Iterator[AnalyzedRow]:
    """Analyse rows and yield one AnalyzedRow per row, in input order.

    rows (Iterable[SourceRow | ErrorRecord]): From `feedback.io.open_input`, redacted if asked.
    spec (ColumnSpec): The column mapping.
    analysis (AnalysisOptions): How each process builds its Analyzer.
    workers (int): Processes; 1 analyses in this process. Output is identical for any number.
    chunk_size (int): Rows per task sent to a worker.
    as_json (bool): Records as JSON lines (True) or as dicts (for a Parquet sink).
    YIELDS (AnalyzedRow): Status ("ok", "problems", "error"), themed, and the record.
    """
    # Rows become comments in whichever process analyses them: with workers, that is work the
    # reading process (the one that cannot be parallelised) does not do.
    chunks = _chunks(rows, chunk_size)
    with _long_lived_state():
        yield from _run_chunks(chunks, spec, analysis, workers, as_json)


def finished_rows(records: Iterable[AnalyzedRecord | ErrorRecord], as_json: bool = True) -> list[AnalyzedRow]:
    """Records as the engine hands them to a sink."""
    out = []
    for r in records:
        payload = r.to_dict()
        if isinstance(r, ErrorRecord):
            out.append(AnalyzedRow("error", False, dumps(payload)))  # error records are always JSONL
        else:
            out.append(AnalyzedRow("problems" if r.problems else "ok", bool(r.themes),
                                   dumps(payload) if as_json else payload, r.skipped, r.duplicate_of is not None,
                                   bool(r.corrected)))
    return out


def _to_comments(rows: list[SourceRow | ErrorRecord], spec: ColumnSpec) -> list[Comment | ErrorRecord]:
    return [to_comment(row, spec) if isinstance(row, SourceRow) else row for row in rows]


def _build_analyzer(analysis: AnalysisOptions) -> Analyzer:
    from ..pipeline import Analyzer

    return Analyzer.from_options(analysis)


def _analyze_chunk(analyzer: Analyzer, chunk: list[SourceRow | ErrorRecord], spec: ColumnSpec,
                   as_json: bool) -> list[AnalyzedRow]:
    return finished_rows(analyzer.pipe(_to_comments(chunk, spec)), as_json)


@contextmanager
def _long_lived_state() -> Iterator[None]:
    """Build-once state (spaCy's pipeline, the model's vocabularies) is never garbage: freeze it
    so the collector stops rescanning it, and collect the young generation less often. On 20k
    comments the collector otherwise costs ~10% of the run; memory stays flat (measured)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _run_chunks(chunks: Iterator[list[SourceRow | ErrorRecord]], spec: ColumnSpec, analysis: AnalysisOptions,
                workers: int, as_json: bool) -> Iterator[AnalyzedRow]:
    if workers <= 1:
        analyzer = _build_analyzer(analysis)
        gc.freeze()
        for chunk in chunks:
            yield from _analyze_chunk(analyzer, chunk, spec, as_json)
        return
    # With fork, the Analyzer is built once here and the workers inherit it (copy-on-write)
    # instead of each loading spaCy, VADER and the model again; spawn must rebuild it.
    global _worker_analyzer
    rebuild: AnalysisOptions | None
    if "fork" in multiprocessing.get_all_start_methods():
        ctx: Any = multiprocessing.get_context("fork")
        _worker_analyzer = _build_analyzer(analysis)
        gc.freeze()  # also keeps the forked workers' copy-on-write pages shared
        rebuild = None
    else:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context("spawn")
        rebuild = analysis
    pool = _WorkerPool(ctx, workers, spec, rebuild, as_json)
    try:
        # Chunks go to the workers in turn and come back in the same turn, so the output keeps
        # the input's order; a few chunks wait per worker, so memory stays flat.
        pending: deque[int] = deque()
        for i, chunk in enumerate(chunks):
            pool.submit(i % workers, chunk)
            pending.append(i % workers)
            if len(pending) >= QUEUED_CHUNKS_PER_WORKER * workers:
                yield from pool.result(pending.popleft())
        while pending:
            yield from pool.result(pending.popleft())
    except BaseException:
        pool.kill()
        raise
    pool.close()


class _WorkerPool:
    """Worker processes, each with its own pair of pipes and, in this process, a thread that
    sends it chunks and one that receives its results.

    Not multiprocessing.Pool or ProcessPoolExecutor: they share one task queue, and a worker
    killed while taking a task from it (the kernel's out-of-memory killer, say) leaves the
    others and the parent waiting forever. Here each worker's death is seen at once (its
    process sentinel), and the run stops with a reason.
    """

    def __init__(self, ctx: Any, workers: int, spec: ColumnSpec, rebuild: AnalysisOptions | None,
                 as_json: bool) -> None:
        self.processes = []
        readers: list[Any] = []
        writers: list[Any] = []
        for _ in range(workers):
            task_reader, task_writer = ctx.Pipe(duplex=False)
            result_reader, result_writer = ctx.Pipe(duplex=False)
            # A forked worker holds copies of every pipe end the parent has open: it closes
            # the parent's, so that its task pipe reaches EOF when the parent is gone.
            parent_ends = [*readers, *writers, task_writer, result_reader]
            process = ctx.Process(target=_worker_main, args=(task_reader, result_writer, spec, rebuild, as_json,
                                                             os.getpid(), parent_ends), daemon=True)
            process.start()
            task_reader.close()
            result_writer.close()
            self.processes.append(process)
            readers.append(result_reader)
            writers.append(task_writer)
        # One thread per worker sends its chunks, so the parent never blocks on a full pipe while
        # that worker is blocked sending results back. Started after the last fork: a process
        # forked while other threads run can inherit their locks held.
        self.queues: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in writers]
        for tasks, writer in zip(self.queues, writers):
            threading.Thread(target=_feed, args=(tasks, writer), daemon=True).start()
        # And one receives, as soon as they come: a worker blocked sending a result is idle.
        self.received: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in writers]
        for received, reader, process in zip(self.received, readers, self.processes):
            threading.Thread(target=_receive, args=(reader, process, received), daemon=True).start()

    def submit(self, worker: int, chunk: list[SourceRow | ErrorRecord]) -> None:
        self.queues[worker].put(chunk)

    def result(self, worker: int) -> list[AnalyzedRow]:
        message = self.received[worker].get()
        if message is not None:
            ok, value = message
            if ok:
                return value
            raise WorkerError(Errors.E501.format(detail=value))
        raise WorkerError(Errors.E504.format(exitcode=self.processes[worker].exitcode))

    def close(self) -> None:
        for tasks in self.queues:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=10)
        self.kill()

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)


def _feed(tasks: queue.SimpleQueue[Any], writer: Any) -> None:
    while True:
        chunk = tasks.get()
        try:
            writer.send(chunk)
        except OSError:  # the worker is gone; the parent learns it from the worker's sentinel
            return
        if chunk is None:
            writer.close()
            return


def _receive(reader: Any, process: Any, received: queue.SimpleQueue[Any]) -> None:
    """Pass a worker's results on as they arrive; None once it is gone."""
    while True:
        ready = multiprocessing.connection.wait([reader, process.sentinel])
        if reader in ready or reader.poll():
            try:
                received.put(reader.recv())
                continue
            except (EOFError, OSError):
                pass
        received.put(None)
        return


def _worker_main(tasks: Any, results: Any, spec: ColumnSpec, rebuild: AnalysisOptions | None,
                 as_json: bool, parent: int, parent_ends: list[Any]) -> None:
    global _worker_analyzer
    _die_with(parent)
    # Ctrl-C reaches the whole process group: the parent stops the run and then the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for end in parent_ends:
        end.close()
    if rebuild is not None:
        _worker_analyzer = _build_analyzer(rebuild)
    assert _worker_analyzer is not None, "worker not initialised"
    while True:
        try:
            chunk = tasks.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if chunk is None:
            return
        outcome: tuple[bool, Any]
        try:
            outcome = (True, _analyze_chunk(_worker_analyzer, chunk, spec, as_json))
        except Exception:  # a bug, not bad input: bad rows become error records upstream
            outcome = (False, traceback.format_exc())
        try:
            results.send(outcome)
        except OSError:  # the parent is gone
            return
        if not outcome[0]:
            return


def _die_with(parent: int) -> None:
    """Make this worker die when its parent does, however the parent dies (SIGKILL included):
    a worker left behind would sit blocked on its pipes, holding its memory, forever."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the pipes' EOF still ends it
            pass
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
