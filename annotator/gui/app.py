"""The window: a document list and the article, read-only, while the model works in the background.

This is the foundation's minimal window (the full annotation window is its own issue): it shows
at once, lists the project's documents with their counts, shows an article as plain text, and
pre-annotates documents that need it on a worker thread with a progress bar and Cancel.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSettings, Qt, QThread, Signal
from PySide6.QtGui import QAction, QColor, QFont, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTextEdit,
)

from annotator.domain import ANALYSIS, Span, utf16_positions
from annotator.importers import import_paths
from annotator.nlp import documents_to_preannotate, preannotate
from annotator.schema import resources_dir
from annotator.store import Store

STATUS_NAMES = {"new": "new", "in_progress": "in progress", "done": "done", "reviewed": "reviewed"}


class DocumentTableModel(QAbstractTableModel):
    """Adapter from ``Store.document_rows()`` to a Qt table."""

    COLUMNS = (
        ("title", "Title"),
        ("status", "Status"),
        ("lang", "Lang"),
        ("suggested", "Undecided"),
        ("accepted", "Decided"),
    )

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[dict[str, Any]] = []
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        self.rows = self.store.document_rows()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row[key]
            return STATUS_NAMES.get(value, value) if key == "status" else value
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("suggested", "accepted"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section][1]
        return None


class PreannotateWorker(QObject):
    """Runs pre-annotation on its own thread with its own database connection."""

    progress = Signal(int, int)
    finished = Signal(str, list)

    def __init__(self, db_path: str) -> None:
        super().__init__()
        self.db_path = db_path
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            with Store(self.db_path) as store:
                report = preannotate(
                    store, progress=self.progress.emit, should_stop=lambda: self._cancelled, batch_size=16
                )
            summary = ("Cancelled: " if report.interrupted else "Suggestions ready: ") + report.summary()
            self.finished.emit(summary, report.messages)
        except Exception as e:  # shown in the status bar, never a crash of the window
            self.finished.emit(f"Pre-annotation failed: {e}", [])


class MainWindow(QMainWindow):
    #: Emitted once background pre-annotation has ended and the list shows its result.
    preannotation_done = Signal(str)

    def __init__(self, store: Store, annotator: str) -> None:
        super().__init__()
        self.store = store
        self.annotator = annotator
        self.setWindowTitle(f"annotator — {Path(store.path).name}")
        self.documents = DocumentTableModel(store, self)
        self.list_view = QTableView()
        self.list_view.setModel(self.documents)
        self.list_view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.list_view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.list_view.verticalHeader().hide()
        header = self.list_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list_view.setWordWrap(False)
        self.list_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        font = QFont()
        font.setPointSize(12)
        self.text_view.setFont(font)
        splitter = QSplitter()
        splitter.addWidget(self.list_view)
        splitter.addWidget(self.text_view)
        splitter.setSizes([460, 820])
        self.setCentralWidget(splitter)
        self.list_view.selectionModel().currentRowChanged.connect(self._show_current)

        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.message = QLabel()
        bar = self.statusBar()
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(QLabel(f"{annotator} · {store.path} · saved"))

        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self.menuBar().addMenu("&File").addAction(quit_action)

        self._thread: QThread | None = None
        self._worker: PreannotateWorker | None = None
        settings = QSettings("annotator", "annotator")
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 700)
        if self.documents.rowCount():
            self.list_view.selectRow(0)

    def _show_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.text_view.clear()
            return
        document = self.store.document(self.documents.rows[current.row()]["id"])
        # setPlainText: article text is never interpreted as HTML.
        self.text_view.setPlainText(document.text)
        self._highlight(document.text, self.store.spans(document.id))

    def _highlight(self, text: str, spans: list[Span]) -> None:
        """Suggestions and decisions over the text: entities as a background in the label's
        colour (paler while undecided), analysis spans as an underline that stays visible
        over an entity's background."""
        to_qt = utf16_positions(text)
        labels = self.store.schema.labels
        selections = []
        for span in spans:
            if span.status == "rejected" or span.label not in labels:
                continue
            colour = QColor(labels[span.label].colour)
            char_format = QTextCharFormat()
            if span.layer == ANALYSIS:
                char_format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SingleUnderline)
                char_format.setUnderlineColor(colour)
            else:
                colour.setAlphaF(0.25 if span.status == "suggested" else 0.55)
                char_format.setBackground(colour)
            char_format.setToolTip(f"{span.label} · {span.status} · {span.annotator} ({span.origin})")
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.text_view.document())
            cursor.setPosition(to_qt(span.start))
            cursor.setPosition(to_qt(span.end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            selection.format = char_format
            selections.append(selection)
        self.text_view.setExtraSelections(selections)

    def start_preannotation(self) -> bool:
        """Pre-annotate what needs it on a worker thread; False if nothing needs it."""
        planned = len(documents_to_preannotate(self.store))
        if planned == 0 or self.store.path == ":memory:":
            return False
        self.message.setText(f"Loading the model to suggest entities in {planned} document(s)…")
        self.progress_bar.setRange(0, planned)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        self.cancel_button.show()
        self._thread = QThread(self)
        self._worker = PreannotateWorker(self.store.path)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.finished.connect(self._thread.quit)
        self.cancel_button.clicked.connect(self._worker.cancel)
        self._thread.start()
        return True

    def _on_progress(self, done: int, total: int) -> None:
        self.progress_bar.setValue(done)
        self.message.setText(f"Pre-annotating: {done} of {total}")

    def _on_finished(self, summary: str, messages: list) -> None:
        self.progress_bar.hide()
        self.cancel_button.hide()
        self.message.setText(" · ".join([summary, *messages]))
        current = self.list_view.currentIndex().row()
        self.documents.refresh()
        if current >= 0:
            self.list_view.selectRow(current)
        self.preannotation_done.emit(summary)

    def wait_for_background_work(self, timeout_ms: int = 60_000) -> bool:
        return self._thread is None or self._thread.wait(timeout_ms)

    def stop_background_work(self) -> None:
        """Cancel pre-annotation and wait for its thread (a finished batch stays saved)."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(30_000)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.stop_background_work()
        QSettings("annotator", "annotator").setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)


def seed_samples(store: Store) -> int:
    """Put the sample articles in an empty project; returns how many documents it added."""
    if store.document_ids():
        return 0
    report = import_paths(store, [resources_dir() / "samples"])
    return report.total("documents_new")


def display_problem() -> str | None:
    """A one-line hint when Qt would abort for lack of a display or of xcb's libraries."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display: run inside a desktop session, or set QT_QPA_PLATFORM=offscreen"
    if os.environ.get("DISPLAY") and ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt's xcb platform needs system libraries: install libxcb-cursor0 (and libxkbcommon-x11-0, "
            "libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libegl1)"
        )
    return None


def run(db_path: Path, annotator: str, samples: bool = True, screenshot: Path | None = None) -> int:
    """Open the window; with ``screenshot``, wait for suggestions, save the window as PNG, quit."""
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problem = display_problem()
    if problem:
        print(f"annotator: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("annotator")
    app.setOrganizationName("annotator")
    store = Store(db_path)
    if samples and store.created:
        seed_samples(store)
    window = MainWindow(store, annotator)
    window.show()
    if screenshot is not None:
        window.resize(1280, 760)

        def save(_summary: str = "") -> None:
            window.grab().save(str(screenshot))
            print(f"saved {screenshot}")
            app.quit()

        window.preannotation_done.connect(save)
        if not window.start_preannotation():
            save()
            return 0
    else:
        window.start_preannotation()
    code = app.exec()
    window.stop_background_work()
    return code
