"""Long work off the GUI thread: each worker opens its own connection to the project."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from annotator.domain import Selection
from annotator.errors import Cancelled
from annotator.importing import import_paths
from annotator.nlp import preannotate
from annotator.store import Store


class PreannotateWorker(QObject):
    """Pre-annotates ``document_ids`` (None: every document that needs it)."""

    progress = Signal(int, int)
    finished = Signal(str, list)

    def __init__(self, db_path: str, document_ids: list[int] | None = None, redo: bool = False) -> None:
        super().__init__()
        self.db_path = db_path
        self.document_ids = document_ids
        self.redo = redo
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            with Store(self.db_path) as store:
                report = preannotate(
                    store,
                    document_ids=self.document_ids,
                    redo=self.redo,
                    progress=self.progress.emit,
                    should_stop=lambda: self._cancelled,
                    batch_size=16,
                )
            summary = ("Cancelled: " if report.interrupted else "Suggestions ready: ") + report.summary()
            self.finished.emit(summary, report.messages)
        except Exception as e:  # shown in the status bar, never a crash of the window
            self.finished.emit(f"Pre-annotation failed: {e}", [])


class ImportWorker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(self, db_path: str, paths: list[Path]) -> None:
        super().__init__()
        self.db_path = db_path
        self.paths = paths

    def cancel(self) -> None:
        """Imports stop between files only; a file is all or nothing."""

    def run(self) -> None:
        try:
            with Store(self.db_path) as store:
                report = import_paths(
                    store, self.paths, progress=lambda done, total, _p: self.progress.emit(done, total)
                )
            self.finished.emit(report)
        except Exception as e:
            self.finished.emit(e)


class MergeWorker(QObject):
    """Merges a colleague's project (checked as untrusted first) on its own connection."""

    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(self, db_path: str, other: Path, annotator: str) -> None:
        super().__init__()
        self.db_path, self.other, self.annotator = db_path, other, annotator

    def cancel(self) -> None:
        """A merge is one transaction: it ends whole or not at all."""

    def run(self) -> None:
        from annotator.merge import merge

        try:
            with Store(self.db_path) as store:
                self.finished.emit(merge(store, self.other, self.annotator))
        except Exception as e:  # the refusal is shown to the person
            self.finished.emit(e)


class ReadWorker(QObject):
    """Read-only work on its own connection: ``compute(store, progress, should_stop)``, which
    reports ``progress(done, total)`` and stops (raising Cancelled, or returning None) when
    ``should_stop()`` says so. ``finished`` carries the result, None when stopped, or the error."""

    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(
        self,
        db_path: str,
        compute: Callable[[Store, Callable[[int, int], None], Callable[[], bool]], Any],
    ) -> None:
        super().__init__()
        self.db_path, self.compute = db_path, compute
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            with Store(self.db_path) as store:
                result = self.compute(store, self.progress.emit, lambda: self._cancelled)
            self.finished.emit(result)
        except Cancelled:
            self.finished.emit(None)
        except Exception as e:
            self.finished.emit(e)


class OccurrencesWorker(ReadWorker):
    """Counts where a phrase could be tagged (Store.occurrences)."""

    def __init__(self, db_path: str, phrase: str, label: str) -> None:
        super().__init__(
            db_path,
            lambda store, progress, should_stop: store.occurrences(
                phrase, label, progress=progress, should_stop=should_stop
            ),
        )


class AgreementWorker(ReadWorker):
    """Agreement of B with A over the corpus (review.agreement)."""

    def __init__(self, db_path: str, a: str, b: str) -> None:
        from annotator.review import agreement

        super().__init__(
            db_path,
            lambda store, progress, should_stop: agreement(
                store, a, b, progress=progress, should_stop=should_stop
            ),
        )
        self.a, self.b = a, b


class DeleteWorker(QObject):
    """Backs the project up, then removes documents (Store.delete_documents); ``finished``
    carries (how many, the backup's path) or the error."""

    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(self, db_path: str, document_ids: list[int], annotator: str) -> None:
        super().__init__()
        self.db_path, self.document_ids, self.annotator = db_path, document_ids, annotator

    def cancel(self) -> None:
        """A backup then one transaction: nothing to stop halfway."""

    def run(self) -> None:
        from annotator.store.backups import backup

        try:
            kept = backup(Path(self.db_path), "pre-delete")
            with Store(self.db_path) as store:
                self.finished.emit((store.delete_documents(self.document_ids, self.annotator), kept))
        except Exception as e:
            self.finished.emit(e)


class ExportWorker(QObject):
    """Writes an export (File > Export); a cancel leaves nothing under the name asked for."""

    progress = Signal(int, int)
    finished = Signal(object)

    def __init__(
        self, db_path: str, format_name: str, out: Path, selection: Selection, options: dict
    ) -> None:
        super().__init__()
        self.args = (db_path, format_name, out, selection, options)
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        from annotator.exporting import ExportCancelled, export  # not needed until an export

        db_path, format_name, out, selection, options = self.args

        def progress(done: int, total: int) -> None:
            if self._cancelled:
                raise ExportCancelled("export cancelled; nothing was written under that name")
            self.progress.emit(done, total)

        try:
            with Store(db_path) as store:
                self.finished.emit(export(store, format_name, out, selection, progress, **options))
        except Exception as e:  # shown in the dialog
            self.finished.emit(e)


class TrainWorker(QObject):
    """Trains a new model of the project (Model > Train); ``status`` says the dev F1 as it goes."""

    progress = Signal(int, int)
    status = Signal(str)
    finished = Signal(object)

    def __init__(self, db_path: str, steps: int | None = None) -> None:
        super().__init__()
        self.db_path = db_path
        self.steps = steps
        self._cancelled = False

    def cancel(self) -> None:
        """Stops at the next step; the best model scored so far is kept."""
        self._cancelled = True

    def run(self) -> None:
        from annotator.training import train

        def progress(step: int, total: int, f1: float | None) -> None:
            self.progress.emit(min(step, total), total)
            if f1 is not None:
                self.status.emit(f"Training: step {min(step, total)} of {total}, dev F1 {f1:.3f} (Cancel keeps the best)")

        try:
            with Store(self.db_path) as store:
                info = train(store, steps=self.steps, progress=progress, should_stop=lambda: self._cancelled)
            self.finished.emit(info)
        except Exception as e:  # shown in the status bar, never a crash of the window
            self.finished.emit(e)

