"""Long work off the GUI thread, one runner for all of it (import, pre-annotation, training,
merge, removal, agreement, export): a worker on its own thread with a progress bar and Cancel;
and long work on the GUI thread (tag all, undo of a large action) with a progress dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class Runner(QObject):
    """One worker at a time on a thread of its own: the one way long work runs off the GUI
    thread (the window's import, pre-annotation, merge, removal, agreement and tag all counts;
    the export dialog's export). A worker is a QObject with ``run()``, ``cancel()`` (a flag it
    reads between steps) and the signals ``progress(done, total)`` and ``finished(...)``."""

    #: The worker's progress, on the GUI thread.
    progress = Signal(int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread: QThread | None = None
        self.worker: Any = None
        self._finished: Callable[..., None] = lambda *result: None
        self._result: tuple | None = None

    def busy(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, worker: Any, finished: Callable[..., None]) -> bool:
        """Run ``worker``, then ``finished(*its result)`` on the GUI thread; False (and nothing
        started) while another worker runs."""
        if self.busy():
            return False
        self.thread = QThread(self)
        self.worker = worker
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        worker.progress.connect(self.progress)
        # through methods of this object, so that ``finished`` runs on the GUI thread even
        # when it is a lambda (a plain callable would be called on the worker's thread); and
        # once the thread has ended, so that ``finished`` may start the next work at once
        self._finished, self._result = finished, None
        worker.finished.connect(self._keep_result)
        worker.finished.connect(self.thread.quit)
        self.thread.finished.connect(self._on_thread_finished)
        self.thread.start()
        return True

    def _keep_result(self, *result: Any) -> None:
        self._result = result

    def _on_thread_finished(self) -> None:
        result, self._result = self._result, None
        if result is not None:  # (a thread stopped by stop() has none)
            self._finished(*result)

    def cancel(self) -> None:
        """Ask the worker to stop (heard between its steps; what it finished stays saved). A
        method of this object, not the worker's own slot: that would be queued to the worker's
        thread, busy with the work, and so heard only once the work had ended."""
        if self.worker is not None:
            self.worker.cancel()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        return self.thread is None or self.thread.wait(timeout_ms)

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Cancel and wait for the thread to end."""
        self.cancel()
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait(timeout_ms)


class Background:
    """Part of :class:`annotator.gui.app.MainWindow`: its :class:`Runner`, shown in the status
    bar (progress bar and Cancel)."""

    def _start_worker(self, worker: Any, message: str, total: int, finished: Callable[..., None]) -> bool:
        if self.runner.busy():
            self.say("Wait for the work in progress to end (or Cancel it)", error=True)
            return False
        self.say(message)
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.cancel_button.show()
        self.cancel_button.clicked.connect(self.runner.cancel)
        return self.runner.start(worker, finished)

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
        return self.runner.wait(timeout_ms)

    def stop_background_work(self) -> None:
        """Cancel the work in progress and wait for its thread (finished batches stay saved)."""
        self.runner.stop()

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
