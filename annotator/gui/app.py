"""The annotation window: document list | article | side panel, keyboard first.

Start-up matters (the window must show before anything slow): dialogs, workers, the
importers and the NLP module are imported where first used, not here.

The window holds no annotation logic of its own: every action goes through
:class:`annotator.editing.Editor` (one transaction each, undoable), and the window redraws
what the action's recorded changes touched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QProgressBar, QPushButton, QSplitter

from annotator.editing import Editor
from annotator.errors import AnnotatorError
from annotator.gui.actions import Actions
from annotator.gui.annotate import Annotate
from annotator.gui.article_view import ArticleView
from annotator.gui.background import Background, Runner
from annotator.gui.document_list import DocumentList
from annotator.gui.icons import apply_icons
from annotator.gui.project import ProjectFlows
from annotator.gui.review_mode import ReviewMode
from annotator.gui.side_panel import SidePanel
from annotator.gui.team import TeamFlows
from annotator.gui.text import plain_label
from annotator.session import OpenDocument
from annotator.store import Store


class MainWindow(Actions, Annotate, ReviewMode, ProjectFlows, TeamFlows, Background, QMainWindow):
    """The window: its layout, docks, status bar and settings; the parts it is composed of hold
    its actions (actions.py), annotating (annotate.py), review mode (review_mode.py), the
    project's flows (project.py) and long work (background.py)."""

    #: Emitted once background pre-annotation has ended and the window shows its result.
    preannotation_done = Signal(str)
    #: Emitted once a background import has ended (with its report) and the list shows it.
    import_done = Signal(object)
    #: Emitted once a merge has ended (with its report, or the refusal).
    merge_done = Signal(object)
    #: A long action on the GUI thread shows its progress dialog after this long.
    PROGRESS_AFTER_MS = 400
    #: Widths of the list and the side panel while the review dock is open (at most).
    REVIEW_LIST_WIDTH, REVIEW_SIDE_WIDTH = 320, 290

    def __init__(
        self,
        store: Store,
        annotator: str,
        settings: QSettings | None = None,
        defer_icons: bool = False,
        defer_open: bool = False,
    ) -> None:
        """``defer_icons``: the caller gives icons after the window is shown (:meth:`apply_icons`);
        ``defer_open``: and opens the last article (:meth:`open_last_document`), in the frame
        after the first, so that the window appears without waiting for the article's layout."""
        super().__init__()
        self._icon_targets: list[tuple[Any, str]] = []
        self.settings = settings or QSettings("annotator", "annotator")
        self.store = store
        self.editor = Editor(store, annotator)
        restored = self._load_history()
        self.document_id: int | None = None
        #: In link mode, the span a link will start from (Ctrl+L); None otherwise.
        self.link_head: int | None = None
        #: Review mode's panel (made when first asked for), and whether the mode is on.
        self.review_panel: Any = None
        self.review_dock: Any = None
        #: The Search / Segments dock, made when first asked for.
        self.find_panel: Any = None
        self.work_dialog: Any = None
        self.report_dialog: Any = None
        self.find_dock: Any = None
        #: Long work off the GUI thread, one worker at a time (its progress in the status bar).
        self.runner = Runner(self)
        self.runner.progress.connect(self._on_progress)
        #: The splitter's widths before the review dock narrowed the article's neighbours.
        self._sizes_before_review: list[int] | None = None
        #: What waits for the agreement being measured (see _measure_agreement).
        self._agreement_waiting: list[Callable[[Any], None]] = []
        self.setAcceptDrops(True)
        #: Documents whose row in the list waits for fresh counts (see refresh()).
        self._list_stale: set[int] = set()
        self._list_timer = QTimer(self, singleShot=True, interval=400)
        self._list_timer.timeout.connect(self._refresh_list_rows)

        self.documents = DocumentList(store)
        self.documents.model.viewer = lambda: self.editor.annotator
        #: The open article as a model; the article view and the side panel's list draw it.
        self.session = OpenDocument()
        self.view = ArticleView(self.session)
        self.side = SidePanel(self.session)
        splitter = QSplitter()
        splitter.addWidget(self.documents)
        splitter.addWidget(self.view)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 760, 330])
        self.splitter = splitter
        self.setCentralWidget(splitter)

        from annotator.gui.keys import PanelShortcuts

        self._panel_shortcuts = PanelShortcuts(self)
        QApplication.instance().installEventFilter(self._panel_shortcuts)
        self._build_status_bar()
        self._build_actions()
        self._connect()
        self._restore_settings()
        self._set_title()
        if not defer_icons:
            self.apply_icons()
        self.documents.apply_filters()
        if not defer_open:
            self.open_last_document()
        self.view.setFocus()
        self.start_listening()
        if restored:
            self.say(f"Ctrl+Z can undo {restored} action(s) of your last session on this project")
            self._update_counts()

    def _load_history(self) -> int:
        """The undo history this analyst left in the project last time (bounded)."""
        try:
            return self.editor.load_history()
        except (AnnotatorError, sqlite3.Error):
            return 0

    def _save_history(self) -> None:
        """Keep the undo history in the project for next time; a file that cannot be written
        keeps none (the actions themselves are all saved already)."""
        try:
            self.editor.save_history()
        except (AnnotatorError, sqlite3.Error):
            pass

    def open_last_document(self) -> None:
        """Open the article open when this project was last closed (else the first)."""
        last = self.settings.value(self._last_document_key())
        self.open_or_first(int(last) if last is not None else None)

    def open_or_first(self, document_id: int | None) -> None:
        """Open ``document_id`` if the list has it, else the list's first article, else show
        an empty article."""
        if document_id is not None and self.documents.select(document_id):
            return
        if self.documents.model.rowCount():
            self.documents.table.selectRow(0)
        else:
            self.view.set_document("", [], self.store.schema.labels)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.message = plain_label()
        self.undecided = plain_label()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self._icon_targets.append((self.cancel_button, "cancel"))
        self.cancel_button.hide()
        self.who = plain_label()
        self.saved = QLabel("saved")
        self.saved.setToolTip("Every decision is written to the project file when you make it")
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.undecided)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.who)
        bar.addPermanentWidget(self.saved)

    def _connect(self) -> None:
        self.documents.document_selected.connect(self.open_document)
        self.documents.find.returnPressed.connect(self.view.setFocus)  # found: back to the article
        self.view.span_clicked.connect(self.on_span_clicked)
        # a span chosen in the side panel (its list, a link): the article takes the keys again
        self.side.span_selected.connect(lambda span_id: (self.select_span(span_id), self.view.setFocus()))
        self.side.relabel_requested.connect(
            lambda span_id, label: self._act_on(span_id, self.editor.relabel, label)
        )
        self.side.attributes_changed.connect(
            lambda span_id, values: self._act_on(span_id, self.editor.set_attributes, values)
        )
        self.side.note_changed.connect(
            lambda span_id, note: self._act_on(span_id, self.editor.set_note, note)
        )
        self.side.link_requested.connect(self.link)
        self.side.unlink_requested.connect(
            lambda link_id: self.perform(lambda: self.editor.unlink(link_id, self.document_id))
        )
        self.side.status_changed.connect(
            lambda status: (
                self.document_id and self.perform(lambda: self.editor.set_status(self.document_id, status))
            )
        )
        self.side.document_tags_changed.connect(
            lambda tags: (
                self.document_id
                and self.perform(lambda: self.editor.set_document_tags(self.document_id, tags))
            )
        )
        self.side.document_label_changed.connect(
            lambda name, value: (
                self.document_id
                and self.perform(lambda: self.editor.set_document_label(self.document_id, name, value))
            )
        )
        self.side.document_note_changed.connect(
            lambda note: (
                self.document_id
                and self.perform(lambda: self.editor.set_document_note(self.document_id, note))
            )
        )

    def apply_icons(self) -> None:
        apply_icons([*self._icon_targets, *self.side.icon_targets])

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 860)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
        zoom = int(self.settings.value("view/zoom", 0))
        if zoom:
            self.view.zoomIn(zoom)
        self._zoom = zoom
        self.act_snap.setChecked(self.settings.value("view/snap", "true") in (True, "true"))
        columns = self.settings.value("list/columns")  # optional columns, comma-separated
        if isinstance(columns, str):
            self.documents.show_columns([key for key in columns.split(",") if key])
        self.act_suggestions_first.setChecked(
            self.settings.value("view/suggestions_first", "true") in (True, "true")
        )
        self.act_all_links.setChecked(self.settings.value("view/all_links", "false") in (True, "true"))

    def _save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        if self._sizes_before_review is not None:  # the widths chosen outside the review
            self.splitter.setSizes(self._sizes_before_review)
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("view/zoom", self._zoom)
        self.settings.setValue("view/snap", self.act_snap.isChecked())
        self.settings.setValue("list/columns", ",".join(self.documents.shown))
        self.settings.setValue("view/suggestions_first", self.act_suggestions_first.isChecked())
        self.settings.setValue("view/all_links", self.act_all_links.isChecked())
        if self.document_id is not None:
            self.settings.setValue(self._last_document_key(), self.document_id)
        self.settings.sync()

    def _last_document_key(self) -> str:
        """Where the settings keep the article last open in this project (a server URL
        without any password written in it)."""
        from annotator.store.postgres import without_password

        return f"documents/{without_password(self.store.path) if self.store.server else self.store.path}"

    def _set_title(self) -> None:
        # on a server, one's name is one's login (the server refuses any other)
        self.act_name.setEnabled(not self.store.server)
        self.act_name.setToolTip("On a server project, your name is your login" if self.store.server else "")
        if self.store.server:
            from annotator.store.postgres import redacted, title

            self.setWindowTitle(f"{title(self.store.path)} — annotator")
            self.who.setText(f"{self.editor.annotator} · {title(self.store.path)}")
            self.who.setToolTip(redacted(self.store.path))
            return
        self.setWindowTitle(f"{Path(self.store.path).name} — annotator")
        self.who.setText(f"{self.editor.annotator} · {self.store.path}")

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def change_annotator(self) -> None:
        from annotator.gui.dialogs import ask_annotator_name

        name = ask_annotator_name(self, self.editor.annotator)
        if name:
            self.settings.setValue("annotator/name", name)
        if name and name != self.editor.annotator:
            self._save_history()
            self.editor = Editor(self.store, name)
            self._load_history()
            self._set_title()
            if self.document_id is not None:
                self.open_document(self.document_id)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._save_history()
        QApplication.instance().removeEventFilter(self._panel_shortcuts)
        self._list_timer.stop()
        self.documents.stop_timers()
        self.stop_background_work()
        self.stop_listening()
        self._save_settings()
        super().closeEvent(event)
