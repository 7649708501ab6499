"""Long work off the GUI thread, one runner for all of it (import, pre-annotation, merge,
removal, agreement): a worker on its own thread with a progress bar and Cancel in the status
bar; and long work on the GUI thread (tag all, undo of a large action) with a progress dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import (
    QApplication,
)

T = TypeVar("T")


class Background:
    """Part of :class:`annotator.gui.app.MainWindow`."""

    def _start_worker(self, worker: Any, message: str, total: int, finished: Callable[..., None]) -> bool:
        if self._thread is not None and self._thread.isRunning():
            self.say("Wait for the work in progress to end (or Cancel it)", error=True)
            return False
        self.say(message)
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.cancel_button.show()
        self._thread = QThread(self)
        self._worker = worker
        worker.moveToThread(self._thread)
        self._thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        # through a method of the window, so that ``finished`` runs on the GUI thread even when
        # it is a lambda (a plain callable would be called on the worker's thread)
        self._when_finished = finished
        worker.finished.connect(self._on_worker_finished)
        worker.finished.connect(self._thread.quit)
        # through a method of the window too: a worker's own slot would be queued to its
        # thread, which is busy with the work, and so heard only once the work had ended
        self.cancel_button.clicked.connect(self._cancel_worker)
        self._thread.start()
        return True

    def _cancel_worker(self) -> None:
        if self._worker is not None:
            self._worker.cancel()  # a flag the worker reads between steps

    def _on_worker_finished(self, *result: Any) -> None:
        self._when_finished(*result)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setMaximum(max(total, 1))
        self.progress_bar.setValue(done)

    def _end_worker(self) -> None:
        self.progress_bar.hide()
        self.cancel_button.hide()
        try:
            self.cancel_button.clicked.disconnect()
        except (RuntimeError, TypeError):
            pass

    def wait_for_background_work(self, timeout_ms: int = 60_000) -> bool:
        return self._thread is None or self._thread.wait(timeout_ms)

    def stop_background_work(self) -> None:
        """Cancel the work in progress and wait for its thread (finished batches stay saved)."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(30_000)

    def _with_progress(
        self, message: str, total: int, action: Callable[[Callable[[int, int], None], Callable[[], bool]], T]
    ) -> T:
        """Run an editor action that reports progress (one transaction on this window's
        connection, seconds long) under a window-modal progress dialog with Cancel: the window
        keeps drawing, and nothing else can act on the project meanwhile. Cancel makes the
        action raise Cancelled, having kept nothing."""
        from PySide6.QtWidgets import QProgressDialog

        dialog = QProgressDialog(message, "Cancel", 0, max(total, 1), self)
        dialog.setWindowTitle("Annotator")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(self.PROGRESS_AFTER_MS)  # short work ends without a dialog flashing by
        dialog.setAutoReset(False)
        dialog.setValue(0)

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            # a modal dialog's setValue processes events: it is drawn, and Cancel is heard
            return action(lambda done, _total: dialog.setValue(done), dialog.wasCanceled)
        finally:
            QApplication.restoreOverrideCursor()
            dialog.close()
            dialog.deleteLater()
