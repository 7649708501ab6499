"""The annotation window: document list | article | side panel, keyboard first.

Start-up matters (the window must show before anything slow): dialogs, workers, the
importers and the NLP module are imported where first used, not here.

The window holds no annotation logic of its own: every action goes through
:class:`annotator.editing.Editor` (one transaction each, undoable), and the window redraws
what the action's recorded changes touched.
"""

from __future__ import annotations

import bisect
import math
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QByteArray, QEventLoop, QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
)

from annotator.domain import Span, span_order
from annotator.editing import Edit, Editor
from annotator.errors import AnnotatorError, Cancelled
from annotator.gui.article_view import ArticleView
from annotator.gui.document_list import DocumentList
from annotator.gui.icons import apply_icons
from annotator.gui.side_panel import SidePanel
from annotator.gui.text import plain_label
from annotator.store import Store

T = TypeVar("T")
MAX_RECENT = 8


class MainWindow(QMainWindow):
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
        self.find_dock: Any = None
        self._thread: QThread | None = None
        self._worker: Any = None
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
        self.view = ArticleView()
        self.side = SidePanel()
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
        last = self.settings.value(f"documents/{self.store.path}")
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

    # -- construction ----------------------------------------------------------------------

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

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        shortcut: QKeySequence | str | list | None = None,
        icon_name: str | None = None,
        on_view: bool = False,
        tip: str = "",
    ) -> QAction:
        """An action; ``on_view`` ones act on the article and fire only while it has focus, so
        that their single keys stay free for typing in the panels."""
        action = QAction(text, self)
        if icon_name:
            self._icon_targets.append((action, icon_name))
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        if on_view:
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        else:
            self.addAction(action)
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence
        self.act_new = self._action("&New project…", self.new_project, keys.StandardKey.New, "new")
        self.act_open = self._action("&Open project…", self.open_project, keys.StandardKey.Open, "open")
        self.act_import = self._action("&Import files…", self.import_files, "Ctrl+I", "import")
        self.act_import_folder = self._action("Import &folder…", self.import_folder, "Ctrl+Shift+I")
        self.act_preannotate = self._action(
            "&Pre-annotate this document", self.preannotate_current, "Ctrl+P", "preannotate"
        )
        self.act_preannotate_all = self._action("Pre-annotate &all documents", self.preannotate_all)
        self.act_export = self._action("&Export…", self.show_export, "Ctrl+E", "export")
        self.act_merge = self._action("&Merge colleague's project…", self.merge_project, icon_name="merge")
        self.act_quit = self._action("&Quit", self.close, keys.StandardKey.Quit)
        self.act_save = self._action("&Save", self.save, keys.StandardKey.Save, "save")
        self.act_undo = self._action("&Undo", self.undo, keys.StandardKey.Undo, "undo")
        self.act_redo = self._action("&Redo", self.redo, [keys("Ctrl+Shift+Z"), keys("Ctrl+Y")], "redo")
        self.act_accept = self._action(
            "&Accept suggestion", self.accept, [keys("Return"), keys("Enter")], "accept", on_view=True
        )
        self.act_reject = self._action("&Reject suggestion", self.reject, "X", "reject", on_view=True)
        self.act_delete = self._action(
            "&Delete span", self.delete, [keys("Delete"), keys("Backspace")], "delete", on_view=True
        )
        self.act_accept_all = self._action(
            "Accept all &remaining", self.accept_all, "Ctrl+Shift+A", "accept_all"
        )
        self.act_next_span = self._action("Next span", lambda: self.step_span(+1), "Tab", on_view=True)
        self.act_previous_span = self._action(
            "Previous span", lambda: self.step_span(-1), "Shift+Tab", on_view=True
        )
        self.act_grow_end = self._action(
            "Grow end by a token", lambda: self.nudge("end", True), "Shift+Alt+Right", on_view=True
        )
        self.act_shrink_end = self._action(
            "Shrink end by a token", lambda: self.nudge("end", False), "Shift+Alt+Left", on_view=True
        )
        self.act_grow_start = self._action(
            "Grow start by a token", lambda: self.nudge("start", True), "Alt+Left", on_view=True
        )
        self.act_shrink_start = self._action(
            "Shrink start by a token", lambda: self.nudge("start", False), "Alt+Right", on_view=True
        )
        self.act_link = self._action("&Link from this span…", self.start_link, "Ctrl+L", "link", on_view=True)
        # Escape works from every panel: back to the article first, then as in the article
        self.act_escape = self._action(
            "Back to the article / cancel link / clear selection", self.escape, "Escape"
        )
        self.act_attributes = self._action(
            "Set an &attribute…",
            self.choose_attribute,
            "A",
            on_view=True,
            tip="The selected span's attributes by key: a number picks the attribute, a number or letter its value",
        )
        self.act_name = self._action("Your &name…", self.change_annotator)
        self.act_next_document = self._action(
            "&Next document", lambda: self.step_document(+1), [keys("Ctrl+PgDown"), keys("Alt+Down")], "next"
        )
        self.act_previous_document = self._action(
            "&Previous document",
            lambda: self.step_document(-1),
            [keys("Ctrl+PgUp"), keys("Alt+Up")],
            "previous",
        )
        self.act_done_next = self._action(
            "Mark &done and go to next", self.done_and_next, "Ctrl+Return", "done_next"
        )
        self.act_zoom_in = self._action(
            "Zoom &in", lambda: self.zoom(+1), [keys.StandardKey.ZoomIn, keys("Ctrl+=")], "zoom_in"
        )
        self.act_zoom_out = self._action(
            "Zoom &out", lambda: self.zoom(-1), keys.StandardKey.ZoomOut, "zoom_out"
        )
        self.act_zoom_reset = self._action("&Reset zoom", lambda: self.zoom(0), "Ctrl+0")
        self.act_find = self._action("&Find documents", self.focus_find, keys.StandardKey.Find, "find")
        self.act_find_corpus = self._action(
            "Search &all articles…", lambda: self.show_find_panel("search"), "Ctrl+Shift+F", "search_corpus"
        )
        self.act_segments = self._action(
            "Tagged &segments…", lambda: self.show_find_panel("segments"), "Ctrl+Shift+G", "segments"
        )
        self.act_remove_document = self._action(
            "&Remove article from project…",
            self.remove_document,
            tip="Remove this article and its annotations (the project is backed up first)",
        )
        self.act_tag_all = self._action(
            "&Tag all occurrences…",
            self.tag_all_occurrences,
            "Ctrl+Shift+T",
            "tag_all",
            tip="Suggest the selected span's label wherever its text occurs in the corpus",
        )
        self.act_snap = self._action("&Snap selections to tokens", lambda: None)
        self.act_snap.setCheckable(True)
        self.act_snap.setChecked(True)
        self.act_suggestions_first = self._action("&Tab visits undecided suggestions first", lambda: None)
        self.act_suggestions_first.setCheckable(True)
        self.act_suggestions_first.setChecked(True)
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts, "F1", "shortcuts")
        self.act_review = self._action(
            "&Review mode (two annotators, gold)", self.toggle_review, "Ctrl+R", "review"
        )
        self.act_review.setCheckable(True)
        self.act_next_difference = self._action("Next difference", lambda: self._review_step(+1), "F8")
        self.act_previous_difference = self._action(
            "Previous difference", lambda: self._review_step(-1), "Shift+F8"
        )
        self.review_choice_actions = [
            self._action(f"Gold: take {choice}", lambda c=choice: self._review_request(c), key)
            for choice, key in (("a", "Alt+1"), ("b", "Alt+2"), ("both", "Alt+3"), ("neither", "Alt+0"))
        ]

        self.label_actions: list[QAction] = []
        self.label_toolbar = QToolBar("Labels")
        self.label_toolbar.setObjectName("labels")
        self._build_label_actions()

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (self.act_new, self.act_open):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addSeparator()
        for action in (
            self.act_import,
            self.act_import_folder,
            self.act_export,
            self.act_merge,
            self.act_preannotate,
            self.act_preannotate_all,
        ):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.act_save)
        file_menu.addAction(self.act_quit)
        edit_menu = menus.addMenu("&Edit")
        for action in (
            self.act_undo,
            self.act_redo,
            None,
            self.act_accept,
            self.act_reject,
            self.act_delete,
            self.act_accept_all,
            None,
            self.act_next_span,
            self.act_previous_span,
            self.act_grow_end,
            self.act_shrink_end,
            self.act_grow_start,
            self.act_shrink_start,
            None,
            self.act_link,
            self.act_attributes,
            self.act_escape,
            None,
            self.act_name,
        ):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        self.label_menu = menus.addMenu("&Labels")
        for action in self.label_actions:
            self.label_menu.addAction(action)
        document_menu = menus.addMenu("&Document")
        for action in (
            self.act_previous_document,
            self.act_next_document,
            self.act_done_next,
            None,
            self.act_find,
            self.act_find_corpus,
            self.act_segments,
            self.act_tag_all,
            None,
            self.act_remove_document,
        ):
            document_menu.addSeparator() if action is None else document_menu.addAction(action)
        review_menu = menus.addMenu("&Review")
        for action in (
            self.act_review,
            None,
            self.act_next_difference,
            self.act_previous_difference,
            None,
            *self.review_choice_actions,
        ):
            review_menu.addSeparator() if action is None else review_menu.addAction(action)
        view_menu = menus.addMenu("&View")
        for action in (
            self.act_zoom_in,
            self.act_zoom_out,
            self.act_zoom_reset,
            None,
            self.act_snap,
            self.act_suggestions_first,
        ):
            view_menu.addSeparator() if action is None else view_menu.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main")
        for action in (
            self.act_open,
            self.act_import,
            self.act_export,
            self.act_preannotate,
            None,
            self.act_undo,
            self.act_redo,
            None,
            self.act_accept,
            self.act_reject,
            self.act_accept_all,
            None,
            self.act_previous_document,
            self.act_next_document,
            self.act_done_next,
            None,
            self.act_review,
            self.act_shortcuts,
        ):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)
        self.addToolBarBreak()
        self.addToolBar(self.label_toolbar)
        self._update_recent_menu()

    def _build_label_actions(self) -> None:
        for action in self.label_actions:
            self.view.removeAction(action)
        self.label_actions = []
        self.label_toolbar.clear()
        for label in self.store.schema.labels.values():
            pixmap = QPixmap(14, 14)
            pixmap.fill(QColor(label.colour))
            shortcuts = (
                [QKeySequence(label.shortcut.upper()), QKeySequence(f"Shift+{label.shortcut.upper()}")]
                if label.shortcut
                else []
            )
            action = self._action(
                f"{label.name}",
                lambda name=label.name: self.apply_label(name),
                shortcuts or None,
                on_view=True,
                tip=f"{label.description}\nKey {label.shortcut} (Shift+{label.shortcut}: no snapping)",
            )
            action.setIcon(QIcon(pixmap))
            action.setIconText(f"{label.name} [{label.shortcut}]" if label.shortcut else label.name)
            self.label_actions.append(action)
            self.label_toolbar.addAction(action)
        self.label_toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        # A is the attribute menu's key unless the schema gives it to a label
        taken = {label.shortcut.lower() for label in self.store.schema.labels.values() if label.shortcut}
        self.act_attributes.setShortcut(QKeySequence("Alt+Shift+A" if "a" in taken else "A"))

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
        self.side.document_note_changed.connect(
            lambda note: (
                self.document_id
                and self.perform(lambda: self.editor.set_document_note(self.document_id, note))
            )
        )

    def apply_icons(self) -> None:
        apply_icons([*self._icon_targets, *self.side.icon_targets])

    # -- settings --------------------------------------------------------------------------

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
        if self.document_id is not None:
            self.settings.setValue(f"documents/{self.store.path}", self.document_id)
        self.settings.sync()

    def _set_title(self) -> None:
        self.setWindowTitle(f"{Path(self.store.path).name} — annotator")
        self.who.setText(f"{self.editor.annotator} · {self.store.path}")

    # -- showing ---------------------------------------------------------------------------

    def say(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "")
        self.message.setText(text)

    def open_document(self, document_id: int) -> None:
        document = self.store.document(document_id)
        self.document_id = document_id
        self.link_head = None
        if self.reviewing:
            self._open_for_review(document)
            return
        spans = self.store.working_spans(document_id, self.editor.annotator)
        self.view.set_review({}, {}, {})
        self.view.set_document(document.text, spans, self.store.schema.labels)
        self.side.set_document(
            document.text, document.status, document.note, self.store.schema, document.tags
        )
        self.side.show_span(None, [])
        self.side.set_spans(self._ordered_spans())
        self._update_counts()
        if self.documents.current_id() != document_id:
            self.documents.select(document_id, emit=False)
        self.settings.setValue(f"documents/{self.store.path}", document_id)

    def _ordered_spans(self) -> list[Span]:
        return list(self.view._order)

    def _update_counts(self) -> None:
        self.undecided.setText(f"{self.view.undecided} undecided")
        self.act_undo.setText(f"&Undo {self.editor.undo_text}".rstrip())
        self.act_redo.setText(f"&Redo {self.editor.redo_text}".rstrip())
        self.act_undo.setEnabled(bool(self.editor.undo_stack))
        self.act_redo.setEnabled(bool(self.editor.redo_stack))

    def select_span(self, span_id: int | None, reveal: bool = True) -> None:
        """Select a span in the article (``reveal``: scrolled to) and show it in the side panel."""
        self.view.select_span(span_id, reveal)
        span = self.view.spans.get(span_id) if span_id is not None else None
        links = self.store.links_of(span.id) if span is not None and self.document_id is not None else []
        self.side.show_span(span, links)
        self.side.select_in_list(span_id)

    @property
    def selected(self) -> Span | None:
        return self.view.spans.get(self.view.selected_id) if self.view.selected_id is not None else None

    def _visible(self, states: dict[int, dict[str, Any] | None]) -> dict[int, Span | None]:
        """The spans an action left (their recorded states) as the analyst's view shows
        them, None for those that left the view."""
        shown: dict[int, Span | None] = {}
        for span_id, state in states.items():
            visible = (
                state is not None
                and state["document_id"] == self.document_id
                and (
                    state["status"] == "suggested"
                    or (state["annotator"] == self.editor.annotator and state["status"] != "rejected")
                )
            )
            shown[span_id] = self.store.span_from_state(state) if visible else None
        return shown

    def refresh(self, edit: Edit, undone: bool = False) -> None:
        """Redraw what an action changed, or its undo (``undone``), switching to its document
        if it was another."""
        if self.reviewing:
            self.open_document(edit.document_id if edit.document_id is not None else self.document_id)
            self._update_counts()
            return
        if edit.document_id is not None and edit.document_id != self.document_id:
            self.open_document(edit.document_id)
        else:
            # only this article's spans (a corpus-wide action touches thousands elsewhere)
            states = edit.span_states(undone)
            changed = self._visible({i: states[i] for i in edit.spans_touched(self.document_id) if i in states})
            self.view.update_spans(changed)
            self.side.update_spans(changed)
            if any(change.kind == "document" for change in edit.changes):
                document = self.store.document(self.document_id)
                self.side.set_document(
                    document.text, document.status, document.note, self.store.schema, document.tags
                )
            # the side panel follows the selected span's changes; the article does not scroll
            # back to it (it may be far from where the action happened)
            self.select_span(self.view.selected_id, reveal=False)
        if edit.document_id is not None:
            # The list's counts follow once the keys pause (counting a long article's spans
            # would take a frame of its own at every key).
            self._list_stale.add(edit.document_id)
            self._list_timer.start()
        self._update_counts()

    # -- finding things across the corpus -------------------------------------------------

    def show_find_panel(self, tab: str) -> None:
        """The Search / Segments dock (made when first asked for)."""
        if self.find_panel is None:
            from PySide6.QtWidgets import QDockWidget

            from annotator.gui.find_panel import FindPanel

            self.find_panel = FindPanel(self.store, lambda: self.documents.model.filters)
            self.find_panel.open_requested.connect(self.open_at)
            self.find_panel.export_requested.connect(
                lambda query: self.show_export().preset(
                    query["label"], query["attributes"], query["date_prefix"], query["annotator"]
                )
            )
            self.find_dock = QDockWidget("Find in the corpus", self)
            self.find_dock.setObjectName("find")
            self.find_dock.setWidget(self.find_panel)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.find_dock)
        self.find_dock.show()
        panel = self.find_panel
        if tab == "search":
            panel.tabs.setCurrentIndex(0)
            panel.query.setFocus()
            panel.query.selectAll()
        else:
            panel.tabs.setCurrentIndex(1)
            panel.fill_choices()
            panel.label.setFocus()

    def open_at(self, document_id: int, start: int, end: int, span_id: int, query: str) -> None:
        """Open an article at a span, a range, or the first hit of a search ``query``."""
        if document_id != self.document_id:
            self.open_document(document_id)
        if span_id and span_id in self.view.spans:
            self.select_span(span_id)
        else:
            if start < 0:
                from annotator.domain import first_hit

                start, end = first_hit(self.view.text, query) or (0, 0)
            self.view.select_range(start, end)
        self.view.setFocus()

    def tag_all_occurrences(self) -> None:
        """From the selected span: count where its text occurs elsewhere (in the background,
        with progress and Cancel), ask, then add those places as suggestions of its label (the
        analyst still decides each; decisions are never touched). One undoable action."""
        span = self.selected
        if span is None or self.document_id is None:
            self.say("Select a span first: its text and label are what gets tagged", error=True)
            return
        phrase = self.view.text[span.start : span.end]
        if self.store.path == ":memory:":  # no second connection to count on
            self._ask_tag_all(span.id, phrase, span.label, self.store.occurrences(phrase, span.label))
            return
        from annotator.gui.workers import OccurrencesWorker

        self._start_worker(
            OccurrencesWorker(self.store.path, phrase, span.label),
            f"Looking for “{phrase}” in every article…",
            0,
            lambda places: (self._end_worker(), self._ask_tag_all(span.id, phrase, span.label, places)),
        )

    def _ask_tag_all(self, span_id: int, phrase: str, label: str, places: Any) -> None:
        from PySide6.QtWidgets import QMessageBox

        if places is None:
            self.say("Tag all: cancelled, nothing was added")
            return
        if isinstance(places, Exception):
            self.say(f"Tag all: {places}", error=True)
            return
        if not places:
            QMessageBox.information(
                self, "Tag all occurrences", f"No other untagged occurrence of “{phrase}” in the corpus."
            )
            return
        documents = len({document_id for document_id, _start, _end in places})
        answer = QMessageBox.question(
            self,
            "Tag all occurrences",
            f"Suggest {label} at {len(places):,} occurrences of “{phrase}” in {documents:,} "
            "documents?\n\nThey are added as undecided suggestions: you still accept or reject each, "
            "and no decision is changed. Ctrl+Z takes them all back.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        added = self.perform(
            lambda: self._with_progress(
                f"Adding {len(places):,} suggestions of {label}…",
                len(places),
                lambda progress, should_stop: self.editor.tag_all(span_id, places, progress, should_stop),
            )
        )
        if added is not None:
            self.say(f"{len(added):,} suggestions of {label} added for “{phrase}” — saved")

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

    def _refresh_list_rows(self) -> None:
        stale, self._list_stale = self._list_stale, set()
        try:
            for document_id in stale:
                self.documents.model.refresh_document(document_id)
        except sqlite3.ProgrammingError:  # the project was closed meanwhile: no list to update
            pass

    # -- acting ----------------------------------------------------------------------------

    def perform(self, action: Callable[[], T]) -> T | None:
        """Run an editor action: redraw what it changed, or say why it was refused."""
        depth = len(self.editor.undo_stack)
        try:
            result = action()
        except Cancelled as e:  # by the person: said plainly, not as an error
            self.say(str(e)[:1].upper() + str(e)[1:])
            return None
        except AnnotatorError as e:
            self.say(str(e), error=True)
            QApplication.beep()
            return None
        except sqlite3.Error as e:
            # a read-only file, a full disk, a lock held too long: the decision was not written,
            # and the window shows it as not done
            self.say(
                f"Not saved: {e}. Nothing was changed; try again once the file can be written.", error=True
            )
            QApplication.beep()
            return None
        if len(self.editor.undo_stack) > depth:
            edit = self.editor.undo_stack[-1]
            self.refresh(edit)
            self.say(f"{edit.description[:1].upper()}{edit.description[1:]} — saved")
        return result

    def _act_on(self, span_id: int, method: Callable[..., Span], *args: Any) -> None:
        result = self.perform(lambda: method(span_id, *args))
        if isinstance(result, Span):
            self.select_span(result.id)

    def apply_label(self, label: str) -> None:
        """A label key: tag the selected text, or relabel the selected span (Shift: no snapping)."""
        if self.document_id is None:
            return
        selection = self.view.char_selection()
        snap = self.act_snap.isChecked() and not (
            QApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        )
        if selection and self.view.text[selection[0] : selection[1]].strip():
            span = self.perform(
                lambda: self.editor.create_span(self.document_id, *selection, label, snap=snap)
            )
            if span is not None:
                self.select_span(span.id)
        elif self.selected is not None:
            self._act_on(self.selected.id, self.editor.relabel, label)
        else:
            self.say("Select some text (mouse or Shift+arrows) or a span (Tab) first")

    def accept(self) -> None:
        span = self.selected
        if self.link_head is not None:
            if span is not None and span.id != self.link_head:
                self.finish_link(span.id)
            return
        if span is None:
            self.step_span(+1)
            return
        if span.status == "suggested":
            self.perform(lambda: self.editor.accept(span.id))
        self._advance(span)

    def reject(self) -> None:
        span = self.selected
        if span is not None and span.status == "suggested":
            self.perform(lambda: self.editor.reject(span.id))
            self._advance(span)

    def delete(self) -> None:
        span = self.selected
        if span is not None:
            self.perform(lambda: self.editor.delete(span.id))
            self._advance(span)

    def _advance(self, after: Span) -> None:
        """Select the next span to decide after ``after`` (its successor when all are decided)."""
        # past ``after`` and the decision that may have replaced it at the same place
        self.select_span(self._next_span((*span_order(after)[:4], math.inf), +1))

    def _next_span(self, after: tuple | None, step: int, position: int = 0) -> int | None:
        """The span after (``step`` +1) or before (-1) the one whose :func:`span_order` key is
        ``after``, wrapping around; with no key, from the text cursor's ``position``."""
        spans = self._ordered_spans()
        if not spans:
            return None
        candidates = spans
        if self.link_head is not None:
            candidates = [s for s in spans if self.link_labels_between(self.link_head, s.id)]
            if not candidates:
                return None
        elif self.act_suggestions_first.isChecked() and any(s.status == "suggested" for s in spans):
            candidates = [s for s in spans if s.status == "suggested"]
        keys = [span_order(s) for s in candidates]
        key = after if after is not None else (position,)
        if step > 0:
            index = bisect.bisect_right(keys, key) if after is not None else bisect.bisect_left(keys, key)
            return candidates[index % len(candidates)].id
        index = bisect.bisect_left(keys, key) - 1
        return candidates[index % len(candidates)].id

    def step_span(self, step: int) -> None:
        current = self.selected
        position = self.view.offsets.from_qt(self.view.textCursor().position()) if current is None else 0
        self.select_span(self._next_span(span_order(current) if current else None, step, position))

    def nudge(self, side: str, grow: bool) -> None:
        span = self.selected
        if span is not None:
            self._act_on(span.id, self.editor.nudge, side, grow)

    def link(self, head_id: int, tail_id: int, label: str) -> None:
        if self.perform(lambda: self.editor.link(head_id, tail_id, label)) is not None:
            self.select_span(head_id)

    def link_labels_between(self, head_id: int, tail_id: int) -> list[str]:
        """Link labels the schema allows from one span to another."""
        head, tail = self.view.spans.get(head_id), self.view.spans.get(tail_id)
        if head is None or tail is None or head.id == tail.id:
            return []
        return [
            link.name
            for link in self.store.schema.link_labels.values()
            if (not link.heads or head.label in link.heads) and (not link.tails or tail.label in link.tails)
        ]

    def start_link(self) -> None:
        """Link mode: Tab (or a click) picks the other span, Enter links, Escape cancels."""
        span = self.selected
        if span is None:
            self.say("Select the span the link starts from (a QUOTE or a CLAIM) first")
            return
        if not any(self.link_labels_between(span.id, other) for other in self.view.spans):
            self.say(f"No link can start from {span.label} here")
            return
        self.link_head = span.id
        self.say(
            f"Link {span.label} to… Tab to choose a span, Enter to link, Escape to cancel (or click a span)"
        )

    def finish_link(self, tail_id: int) -> None:
        head_id = self.link_head
        labels = self.link_labels_between(head_id, tail_id) if head_id is not None else []
        if not labels:
            self.say("No link of the schema joins these two spans", error=True)
            return
        label = labels[0] if len(labels) == 1 else self.choose_link_label(labels)
        if label is None:
            return
        self.link_head = None
        self.link(head_id, tail_id, label)

    def choose_link_label(self, labels: list[str]) -> str | None:
        """Ask which link when the schema allows several (a menu, keyboard-friendly)."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        for label in labels:
            menu.addAction(label)
        rect = self.view.cursorRect()
        chosen = menu.exec(self.view.viewport().mapToGlobal(rect.bottomLeft()))
        return chosen.text() if chosen is not None else None

    def attribute_menu(self, span: Span) -> Any:
        """The selected span's attributes as a keyboard menu: ``1``… picks an attribute, then
        ``0`` (none), ``1``… or a letter picks its value; a free-text attribute asks for it."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        label = self.store.schema.labels.get(span.label)
        keys = "0123456789abcdefghijklmnopqrstuvwxyz"
        for number, attribute in enumerate(label.attributes if label else (), 1):
            current = str(span.attributes.get(attribute.name, ""))
            shown = f" = {current}" if current else ""
            key = keys[number] if number < len(keys) else ""
            if not attribute.values:
                action = menu.addAction(f"&{key} {attribute.name}{shown}: type…")
                action.setData((attribute.name, None))
                continue
            choices = menu.addMenu(f"&{key} {attribute.name}{shown}")
            for index, value in enumerate(["", *attribute.values]):
                mnemonic = f"&{keys[index]} " if index < len(keys) else ""
                action = choices.addAction(f"{mnemonic}{value or '— (none)'}")
                action.setCheckable(True)
                action.setChecked(value == current)
                action.setData((attribute.name, value))
        return menu

    def choose_attribute(self) -> None:
        """Set an attribute of the selected span from the keyboard (A), then back to the article."""
        span = self.selected
        if span is None:
            self.say("Select a span first (Tab), then A to set its attributes")
            return
        label = self.store.schema.labels.get(span.label)
        if label is None or not label.attributes:
            self.say(f"{span.label} has no attributes in this schema")
            return
        menu = self.attribute_menu(span)
        chosen = menu.exec(self.view.viewport().mapToGlobal(self.view.cursorRect().bottomLeft()))
        menu.deleteLater()
        if chosen is not None and chosen.data() is not None:
            name, value = chosen.data()
            if value is None:
                from PySide6.QtWidgets import QInputDialog

                value, ok = QInputDialog.getText(
                    self, span.label, f"{name}:", text=str(span.attributes.get(name, ""))
                )
                if not ok:
                    return
            self.set_attribute(span.id, name, value.strip())
        self.view.setFocus()

    def set_attribute(self, span_id: int, name: str, value: str) -> None:
        span = self.view.spans.get(span_id)
        if span is None:
            return
        attributes = {k: v for k, v in span.attributes.items() if k != name}
        if value:
            attributes[name] = value
        if attributes != span.attributes:
            self._act_on(span_id, self.editor.set_attributes, attributes)

    def on_span_clicked(self, span_id: int) -> None:
        if self.link_head is not None and span_id != self.link_head:
            self.select_span(span_id)
            self.finish_link(span_id)
        else:
            self.select_span(span_id)

    def escape(self) -> None:
        """From a panel (the find box, the side panel, a list): back to the article, where the
        keys act on spans again. In the article: cancel link mode, else clear the selection."""
        focus = QApplication.focusWidget()
        if focus is not None and focus is not self.view and not self.view.isAncestorOf(focus):
            self.view.setFocus()
            return
        if self.link_head is not None:
            head, self.link_head = self.link_head, None
            self.select_span(head)
            self.say("Link cancelled")
        else:
            self.select_span(None)

    # -- review mode -----------------------------------------------------------------------

    @property
    def reviewing(self) -> bool:
        return self.review_panel is not None and self.act_review.isChecked()

    def toggle_review(self) -> None:
        from annotator.gui.review_panel import ReviewDock, ReviewPanel

        if self.review_panel is None:
            self.review_panel = ReviewPanel()
            self.review_dock = ReviewDock("Review", self)
            self.review_dock.setObjectName("review")
            self.review_dock.closed.connect(self._review_dock_closed)
            self.review_dock.setWidget(self.review_panel)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.review_dock)
            panel = self.review_panel
            panel.difference_selected.connect(self._show_difference)
            panel.resolve_requested.connect(
                lambda difference, choice: self.perform(
                    lambda: self.editor.resolve(difference, choice, panel.gold)
                )
            )
            panel.accept_agreed_requested.connect(
                lambda: (
                    self.document_id is not None
                    and self.perform(
                        lambda: self.editor.accept_agreed(self.document_id, panel.a, panel.b, panel.gold)
                    )
                )
            )
            panel.annotators_changed.connect(self._review_annotators_changed)
            panel.corpus_requested.connect(self.show_corpus_agreement)
            panel.comment_requested.connect(
                lambda difference, text: (
                    self.perform(lambda: self.editor.comment(difference, text, panel.gold))
                    and panel.comment.clear()
                )
            )
        on = self.act_review.isChecked()
        self.review_dock.setVisible(on)
        self._make_room_for_review(on)
        if on:
            names = [a["name"] for a in self.store.annotators() if a["kind"] != "rule"]
            self.review_panel.set_annotators(names, self.store.annotators_by_work(self.document_id))
            self._review_annotators_changed()
        else:
            if self._agreement_worker_running():
                self._worker.cancel()  # nothing to order any more
            self.documents.model.set_scores(None)
            if self.document_id is not None:
                self.open_document(self.document_id)

    def _review_dock_closed(self) -> None:
        """The dock's × ends the review, as the menu does (not only hides its panel)."""
        if self.act_review.isChecked():
            self.act_review.setChecked(False)
            self.toggle_review()

    def _make_room_for_review(self, on: bool) -> None:
        """The review dock takes its width from the article's neighbours (the list and the
        side panel, narrowed to what they need), not from the article; they get their widths
        back when the review ends."""
        if on and self._sizes_before_review is None:
            self._sizes_before_review = self.splitter.sizes()
            QTimer.singleShot(0, self._narrow_neighbours)  # once the dock is laid out
        elif not on and self._sizes_before_review is not None:
            sizes, self._sizes_before_review = self._sizes_before_review, None
            QTimer.singleShot(0, lambda: self.splitter.setSizes(sizes))  # once the dock is gone

    def _narrow_neighbours(self) -> None:
        if self._sizes_before_review is None:  # the review ended meanwhile
            return
        sizes = self.splitter.sizes()
        listed = min(sizes[0], self.REVIEW_LIST_WIDTH)
        side = min(sizes[2], max(self.side.minimumSizeHint().width(), self.REVIEW_SIDE_WIDTH))
        self.splitter.setSizes([listed, sum(sizes) - listed - side, side])

    def _review_annotators_changed(self) -> None:
        panel = self.review_panel
        if not self.reviewing or not panel.a or not panel.b:
            return
        if self.document_id is not None:
            self.open_document(self.document_id)  # this article's differences, at once
        self._measure_agreement(self._order_by_agreement)

    def _order_by_agreement(self, result: Any) -> None:
        panel = self.review_panel
        current = self.document_id
        self.documents.model.set_scores(result.by_document)
        if current is not None:  # (its differences are shown already: see above)
            self.documents.select(current, emit=False)
        self.say(
            f"Review: {panel.b} against {panel.a}; the list starts with the articles they agree on least"
        )

    def _measure_agreement(self, then: Callable[[Any], None]) -> None:
        """The agreement of the review's B with A over the corpus, then ``then(result)``. On a
        project file it is measured on a worker thread (seconds on a large corpus), with
        progress and Cancel; the window stays usable meanwhile. Asked again while measuring,
        ``then`` waits for that result; when the pair changed meanwhile, the measure is
        stopped and the pair now chosen measured instead."""
        from annotator.gui.workers import AgreementWorker
        from annotator.review import agreement

        panel = self.review_panel
        pair = (panel.a, panel.b)
        if self._agreement_worker_running():
            self._agreement_waiting.append(then)
            if (self._worker.a, self._worker.b) != pair:
                self._worker.cancel()
            return
        if self.store.path == ":memory:" or (self._thread is not None and self._thread.isRunning()):
            then(agreement(self.store, *pair))  # no second connection, or other work running
            return

        def measured(result: Any) -> None:
            self._end_worker()
            if self._thread is not None:  # ended: so that the next measure may start
                self._thread.quit()
                self._thread.wait(10_000)
            waiting = list(dict.fromkeys(self._agreement_waiting))
            self._agreement_waiting = []
            if not self.reviewing or not panel.a or not panel.b:
                return
            if (panel.a, panel.b) != pair:
                for callback in waiting:
                    self._measure_agreement(callback)
            elif result is None:
                self.say("Agreement over the corpus: cancelled; the list keeps its order")
            elif isinstance(result, Exception):
                self.say(f"Agreement over the corpus: {result}", error=True)
            else:
                for callback in waiting:
                    callback(result)

        self._agreement_waiting = [then]
        self._start_worker(
            AgreementWorker(self.store.path, *pair),
            f"Measuring the agreement of {pair[1]} with {pair[0]} over the corpus…",
            self.store.last_document_id(),
            measured,
        )

    def _agreement_worker_running(self) -> bool:
        from annotator.gui.workers import AgreementWorker

        thread = self._thread
        return isinstance(self._worker, AgreementWorker) and thread is not None and thread.isRunning()

    def _open_for_review(self, document: Any) -> None:
        from annotator.gui.review_panel import KIND_COLOURS
        from annotator.review import differences, exact_counts, settled

        panel = self.review_panel
        spans_a = self.store.review_spans(document.id, panel.a)
        spans_b = self.store.review_spans(document.id, panel.b)
        found = differences(spans_a, spans_b)
        marks, sides = {}, {}
        for difference in found:
            for side, span in (("A", difference.a), ("B", difference.b)):
                if span is not None:
                    marks[span.id], sides[span.id] = difference.kind, side
        gold_spans = [
            s for s in self.store.spans(document.id, annotator=panel.gold) if s.status == "accepted"
        ]
        sides |= {span.id: "G" for span in gold_spans}  # gold's own spans: editable with the usual keys
        self.view.set_review(marks, sides, KIND_COLOURS)
        self.view.set_document(document.text, [*spans_a, *spans_b, *gold_spans], self.store.schema.labels)
        self.side.set_document(
            document.text, document.status, document.note, self.store.schema, document.tags
        )
        self.side.show_span(None, [])
        self.side.set_spans(self._ordered_spans())
        gold = self.store.spans(document.id, annotator=panel.gold)
        done = {index for index, difference in enumerate(found) if settled(difference, gold)}
        f1 = exact_counts(
            [(s.start, s.end, s.label) for s in spans_a], [(s.start, s.end, s.label) for s in spans_b]
        ).f1
        panel.show_differences(document.text, found, done, f1)
        self._update_counts()
        if self.documents.current_id() != document.id:
            self.documents.select(document.id, emit=False)

    def _show_difference(self, difference: Any) -> None:
        span = difference.a or difference.b
        self.view.select_span(span.id)
        self.side.show_span(span, [])

    def _review_step(self, direction: int) -> None:
        if self.reviewing:
            self.review_panel.step(direction)

    def _review_request(self, choice: str) -> None:
        if self.reviewing:
            self.review_panel.request(choice)

    def show_corpus_agreement(self) -> None:
        from annotator.gui.review_panel import CorpusDialog

        panel = self.review_panel

        def show(result: Any) -> None:
            self.corpus_dialog = CorpusDialog(panel.a, panel.b, result, self)
            self.corpus_dialog.open()

        self._measure_agreement(show)

    def accept_all(self) -> None:
        if self.document_id is None:
            return
        result = self.perform(lambda: self.editor.accept_all(self.document_id))
        if result is not None:
            accepted, left = result
            self.say(
                f"Accepted {accepted} suggestion(s)"
                + (f"; {left} clash with a decision and wait for you" if left else "")
                + " — saved"
            )

    def undo(self) -> None:
        self._replay(self.editor.undo, "Undone")

    def redo(self) -> None:
        self._replay(self.editor.redo, "Redone")

    def _replay(self, step: Callable[..., Edit | None], verb: str) -> None:
        """Undo or redo; a large action (tag all) under a progress dialog with Cancel."""
        following = self.editor.next_undo if verb == "Undone" else self.editor.next_redo
        try:
            if following is not None and len(following.changes) > self.store.PROGRESS_STEP:
                edit = self._with_progress(
                    f"{verb[:-2]}ing: {following.description} ({len(following.changes):,} changes)…",
                    len(following.changes),
                    step,
                )
            else:
                edit = step()
        except Cancelled:
            self.say(f"{verb[:-2]} cancelled ({following.description}): nothing was changed")
            return
        except (AnnotatorError, sqlite3.Error) as e:
            self.say(f"Not done: {e}", error=True)
            return
        if edit is None:
            self.say(f"Nothing to {verb.lower()[:-2]}")
            return
        self.refresh(edit, undone=verb == "Undone")
        self.say(f"{verb}: {edit.description} — saved")

    def save(self) -> None:
        self.say(f"Everything is saved: each decision was written to {self.store.path} as you made it")

    def step_document(self, step: int) -> None:
        target = self.documents.neighbour(self.document_id, step)
        if target is None:
            self.say("No more documents in this direction (with the current filters)")
            return
        self.documents.select(target)

    def done_and_next(self) -> None:
        if self.document_id is None:
            return
        current = self.document_id
        target = self.documents.neighbour(current, +1)
        self.perform(lambda: self.editor.set_status(current, "done"))
        if target is not None:
            self.documents.select(target)
        else:
            self.say("Marked done — that was the last document of the list")

    def zoom(self, step: int) -> None:
        if step == 0:
            self.view.zoomOut(self._zoom)
            self._zoom = 0
        else:
            self.view.zoomIn(step)
            self._zoom += step

    def focus_find(self) -> None:
        self.documents.find.setFocus()
        self.documents.find.selectAll()

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """Every key of the window, from the schema and the actions themselves."""
        rows = []
        for label in self.store.schema.labels.values():
            if label.shortcut:
                rows.append(
                    (
                        f"{label.shortcut.upper()}  /  Shift+{label.shortcut.upper()}",
                        f"Tag the selection {label.name}, or relabel the selected span (Shift: no snapping)",
                    )
                )
        for action in self.findChildren(QAction):
            if action.shortcuts() and action not in self.label_actions:
                keys = "  /  ".join(
                    k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()
                )
                rows.append((keys, action.text().replace("&", "")))
        rows.append(("Shift+arrows, mouse", "Select text in the article"))
        return rows

    def show_shortcuts(self) -> None:
        from annotator.gui.dialogs import ShortcutsDialog

        ShortcutsDialog(self.shortcut_rows(), self).exec()

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

    # -- projects --------------------------------------------------------------------------

    def new_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "New project", str(Path.home() / "project.db"), "Annotator projects (*.db)"
        )
        if path:
            if Path(path).exists():
                Path(path).unlink()
            self.switch_project(Path(path))

    def open_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open project",
            str(Path(self.store.path).parent),
            "Annotator projects (*.db);;All files (*)",
        )
        if path:
            self.switch_project(Path(path))

    def switch_project(self, path: Path) -> bool:
        from PySide6.QtWidgets import QMessageBox

        try:
            store = open_store(path, self)
        except AnnotatorError as e:
            QMessageBox.critical(self, "Cannot open project", str(e))
            return False
        self.stop_background_work()
        self._save_settings()
        if self.reviewing:  # its annotators belong to the other project
            self.act_review.setChecked(False)
            self.toggle_review()
        old = self.store
        self.store = store
        self._list_stale.clear()  # ids of the other project
        if self.find_panel is not None:
            self.find_panel.set_store(store)
        self._save_history()
        self.editor = Editor(store, self.editor.annotator)
        self._load_history()
        self.documents.model.store = store
        self.document_id = None
        self._build_label_actions()
        self.documents.fill_filters()
        self.documents.apply_filters()
        self.view.set_document("", [], store.schema.labels)
        self.open_or_first(None)
        old.close()
        self._remember_recent(path)
        self._set_title()
        self._update_counts()
        self.say(f"Opened {path}")
        return True

    def _remember_recent(self, path: Path) -> None:
        recent = [p for p in self.settings.value("projects/recent", []) or [] if p != str(path)]
        self.settings.setValue("projects/recent", [str(path), *recent][:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.value("projects/recent", []) or []
        if isinstance(recent, str):
            recent = [recent]
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.switch_project(Path(p)))
        self.recent_menu.setEnabled(bool(recent))

    # -- background work -------------------------------------------------------------------

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

    def start_preannotation(self, document_ids: list[int] | None = None, redo: bool = False) -> bool:
        """Pre-annotate on a worker thread (default: what needs it); False if nothing to do."""
        from annotator.gui.workers import PreannotateWorker
        from annotator.nlp import documents_to_preannotate

        planned = len(document_ids) if document_ids is not None else len(documents_to_preannotate(self.store))
        if planned == 0 or self.store.path == ":memory:":
            return False
        worker = PreannotateWorker(self.store.path, document_ids, redo)
        return self._start_worker(
            worker,
            f"Loading the model to suggest entities in {planned} document(s)…",
            planned,
            self._on_preannotation_finished,
        )

    def preannotate_current(self) -> None:
        if self.document_id is not None:
            self.start_preannotation([self.document_id], redo=True)

    def preannotate_all(self) -> None:
        if not self.start_preannotation():
            self.say("Every document is already pre-annotated")

    def _on_preannotation_finished(self, summary: str, messages: list) -> None:
        self._end_worker()
        self.say(" · ".join([summary, *messages]))
        self.editor.forget_tokens()
        self.documents.fill_filters()
        self.documents.apply_filters()
        if self.document_id is not None:
            selected = self.view.selected_id
            self.open_document(self.document_id)
            self.select_span(selected)
        self.preannotation_done.emit(summary)

    def export_folder(self) -> Path:
        """exports/ beside where the tool was started (the repository's), else beside the project."""
        here = Path.cwd() / "exports"
        return here if here.is_dir() else Path(self.store.path).resolve().parent / "exports"

    def show_export(self) -> Any:
        from annotator.gui.export_dialog import ExportDialog

        dialog = ExportDialog(self.store, self.export_folder(), self)
        dialog.done.connect(
            lambda report: self.say(
                report.summary() if not isinstance(report, Exception) else f"Not exported: {report}",
                error=isinstance(report, Exception),
            )
        )
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def merge_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Merge a colleague's project", str(Path.home()), "Annotator projects (*.db);;All files (*)"
        )
        if path:
            self.start_merge(Path(path))

    def remove_document(self) -> None:
        """Remove the open article and its annotations, after asking; the project is backed up
        first (on a worker: a large project's backup takes seconds), since Ctrl+Z cannot bring
        an article back."""
        from PySide6.QtWidgets import QMessageBox

        if self.document_id is None or self.store.path == ":memory:":
            return
        document = self.store.document(self.document_id)
        answer = QMessageBox.question(
            self,
            "Remove article",
            f"Remove “{document.title[:80]}” and every annotation on it from the project?\n\n"
            "The project is backed up first (File > Open the backup, or `annotator restore`, brings "
            "it back); the undo history is cleared.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        from annotator.gui.workers import DeleteWorker

        following = self.documents.neighbour(document.id, +1) or self.documents.neighbour(document.id, -1)
        self._start_worker(
            DeleteWorker(self.store.path, [document.id], self.editor.annotator),
            "Backing up the project, then removing the article…",
            0,
            lambda result: self._on_removed(result, following),
        )

    def _on_removed(self, result: Any, following: int | None) -> None:
        self._end_worker()
        if isinstance(result, Exception):
            self.say(f"Not removed: {result}", error=True)
            return
        removed, kept = result
        self.editor.undo_stack.clear()  # their changes may name the removed spans
        self.editor.redo_stack.clear()
        self._update_counts()
        self.document_id = None
        self.documents.apply_filters()
        self.open_or_first(following)
        self.say(f"{removed} article removed; the project before is kept in {kept}")

    def start_merge(self, path: Path) -> bool:
        from annotator.gui.workers import MergeWorker

        return self._start_worker(
            MergeWorker(self.store.path, path, self.editor.annotator),
            f"Merging {path.name}…",
            0,
            self._on_merge_finished,
        )

    def _on_merge_finished(self, report: Any) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._end_worker()
        if isinstance(report, Exception):
            self.say(f"Not merged: {report}", error=True)
            QMessageBox.warning(self, "Not merged", str(report))
        else:
            self.store.reload_schema()
            self._build_label_actions()
            self.documents.fill_filters()
            self.documents.apply_filters()
            self.say(report.summary(), error=bool(report.conflicts))
        self.merge_done.emit(report)

    def import_files(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from annotator.formats import dialog_filter

        paths, _ = QFileDialog.getOpenFileNames(self, "Import articles", str(Path.home()), dialog_filter())
        if paths:
            self.start_import([Path(p) for p in paths])

    def import_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(self, "Import a folder of articles", str(Path.home()))
        if path:
            self.start_import([Path(path)])

    def start_import(self, paths: list[Path]) -> bool:
        from annotator.gui.workers import ImportWorker

        return self._start_worker(
            ImportWorker(self.store.path, paths),
            f"Importing {len(paths)} item(s)…",
            len(paths),
            self._on_import_finished,
        )

    def _on_import_finished(self, report: Any) -> None:
        self._end_worker()
        if isinstance(report, Exception):
            self.say(f"Import failed: {report}", error=True)
            self.import_done.emit(report)
            return
        self.store.reload_schema()
        self._build_label_actions()
        self.documents.fill_filters()
        self.documents.apply_filters()
        self.say(report.summary())
        self.import_done.emit(report)
        if self.document_id is None:
            self.open_or_first(None)
        from annotator.gui.dialogs import ImportReportDialog

        ImportReportDialog(report, self).open()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.start_import(paths)
            event.acceptProposedAction()

    def wait_for_background_work(self, timeout_ms: int = 60_000) -> bool:
        return self._thread is None or self._thread.wait(timeout_ms)

    def stop_background_work(self) -> None:
        """Cancel the work in progress and wait for its thread (finished batches stay saved)."""
        if self._worker is not None:
            self._worker.cancel()
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(30_000)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self._save_history()
        QApplication.instance().removeEventFilter(self._panel_shortcuts)
        self._list_timer.stop()
        self.documents.stop_timers()
        self.stop_background_work()
        self._save_settings()
        super().closeEvent(event)


def open_store(path: Path, parent: Any = None) -> Store:
    """A project opened from the window. Bringing an older file up to date can take a while on
    a large project: it is announced on screen, not a silent freeze."""
    notice: Any = None

    def announce(message: str) -> None:
        nonlocal notice
        from PySide6.QtWidgets import QProgressDialog

        notice = QProgressDialog(message, "", 0, 0, parent)  # a busy bar: it cannot be cancelled
        notice.setCancelButton(None)
        notice.setWindowTitle("Updating the project")
        notice.setWindowModality(Qt.WindowModality.WindowModal)
        notice.setMinimumDuration(0)
        notice.show()
        QApplication.processEvents()

    def keep_drawn() -> None:  # every few milliseconds of the update: drawn, not "not responding"
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    try:
        return Store(path, on_migrate=announce, while_busy=keep_drawn)
    finally:
        if notice is not None:
            notice.close()


def seed_samples(store: Store) -> int:
    """Put the sample articles in an empty project; returns how many documents it added."""
    if store.document_ids():
        return 0
    from annotator.importing import import_paths
    from annotator.schema import resources_dir

    report = import_paths(store, [resources_dir() / "samples"])
    return report.total("documents_new")


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0, libEGL.so.1 -> libegl1."""
    name, _, version = soname.partition(".so")
    major = version.strip(".").split(".")[0]
    return name.lower() + ("-" if name[-1:].isdigit() and major else "") + major


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` could not find, each once, in its order."""
    missing = [line.split()[0] for line in ldd_output.splitlines() if "=> not found" in line]
    return list(dict.fromkeys(missing))


def xcb_plugin_problem() -> str | None:
    """Every library Qt's xcb platform plugin needs and this system lacks, as one line (Qt would
    abort with its own message, naming only xcb-cursor)."""
    import subprocess

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None
    import ctypes

    try:  # the common case, on the way to the window: the plugin loads, no process is started
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY)
        return None
    except OSError:
        pass  # a library is missing: ldd names every one
    try:
        output = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    missing = missing_libraries(output)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (
        f"Qt's xcb platform cannot start: {', '.join(missing)} not found. On Debian/Ubuntu: "
        f"apt-get install {packages} (or set QT_QPA_PLATFORM=offscreen for no window)"
    )


def display_problem() -> str | None:
    """A one-line hint when Qt would abort for lack of a display or of xcb's libraries."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform != "linux" or (platform and not platform.startswith("xcb")):
        return None
    if not platform and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display: run inside a desktop session, or set QT_QPA_PLATFORM=offscreen"
    if os.environ.get("DISPLAY") or platform.startswith("xcb"):
        return xcb_plugin_problem()
    return None


def login_name() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name (containers)
        return "analyst"


def run(db_path: Path, annotator: str | None, samples: bool = True, screenshot: Path | None = None) -> int:
    """Open the window; with ``screenshot``, wait for suggestions, save the window as PNG, quit.

    ``annotator`` None means: the name kept from last time, else asked (default: login name).
    """
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problem = display_problem()
    if problem:
        print(f"annotator: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("annotator")
    app.setOrganizationName("annotator")
    settings = QSettings("annotator", "annotator")
    ask_name = False
    if annotator is None:
        annotator = settings.value("annotator/name")
        if not annotator:  # asked once, over the window (which is there first), login name proposed
            annotator, ask_name = login_name(), screenshot is None
            settings.setValue("annotator/name", annotator)
    store = open_store(Path(db_path))
    if samples and store.created:
        seed_samples(store)
    window = MainWindow(store, str(annotator), settings, defer_icons=True, defer_open=True)
    window._remember_recent(Path(db_path))
    window.show()
    QTimer.singleShot(0, window.open_last_document)
    QTimer.singleShot(0, window.apply_icons)
    if ask_name:
        QTimer.singleShot(50, window.change_annotator)
    if screenshot is not None:
        window.resize(1440, 860)

        def save(_summary: str = "") -> None:
            QTimer.singleShot(0, lambda: _finish_screenshot(window, screenshot, app))

        window.preannotation_done.connect(save)
        if not window.start_preannotation():
            save()
    else:
        # Background work starts once the window is drawn: its imports and queries (the NLP
        # module, the importers, the count of documents to do) must not delay the first paint.
        QTimer.singleShot(100, window.start_preannotation)
        QTimer.singleShot(3000, lambda: _daily_backup_in_background(Path(db_path)))
    code = app.exec()
    window.stop_background_work()
    return code


def _daily_backup_in_background(path: Path) -> None:
    """Once a day, a backup of the project, off the GUI thread (SQLite's online backup copes
    with the window writing meanwhile)."""
    import threading

    from annotator.store.backups import daily_backup

    threading.Thread(target=daily_backup, args=(path,), name="daily-backup", daemon=True).start()


def _finish_screenshot(window: MainWindow, path: Path, app: QApplication) -> None:
    """Show a worked example (decisions, a quote linked to its speaker, a source with its
    agency) and save the PNG."""
    if window.document_id is not None:
        text = window.view.text
        editor, document_id = window.editor, window.document_id
        speaker = None
        for span in window._ordered_spans():
            if text[span.start : span.end] == "Kim Jong-un" and span.status == "suggested":
                window.select_span(span.id)
                speaker = window.view.selected_id
                window.accept()
                speaker = next((s.id for s in window.view.spans.values() if s.suggestion_id == speaker), None)
                break
        source = text.find("según recogió")
        if source >= 0:
            end = text.index("KCNA", source) + 4
            span = window.perform(lambda: editor.create_span(document_id, source, end, "SOURCE"))
            if span is not None:
                window.perform(lambda: editor.set_attributes(span.id, {"agency": "KCNA"}))
        quote_start = text.find("«un escudo para la paz en")
        if quote_start >= 0:
            quote_end = text.index("»", quote_start) + 1
            quote = window.perform(lambda: editor.create_span(document_id, quote_start, quote_end, "QUOTE"))
            if quote is not None and speaker is not None:
                window.link(quote.id, speaker, "speaker")
    window._list_timer.stop()
    window._refresh_list_rows()  # the list's counts, without waiting for the keys to pause
    app.processEvents()  # widgets added to the side panel are shown by a queued call
    window.grab().save(str(path))
    print(f"saved {path}")
    app.quit()
