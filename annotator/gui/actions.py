"""The window's actions in one table: every menu entry and key, with its icon, shortcut and
tooltip (the shortcuts sheet, F1, is generated from it), and the label keys from the schema."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QToolBar


class Actions:
    """Part of :class:`annotator.gui.app.MainWindow`."""

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
        self.act_open_server = self._action(
            "Open &server project…",
            self.open_server_project,
            tip="A team's project on a PostgreSQL server (postgresql://host/database)",
        )
        self.act_import = self._action("&Import files…", self.import_files, "Ctrl+I", "import")
        self.act_import_folder = self._action("Import &folder…", self.import_folder, "Ctrl+Shift+I")
        self.act_preannotate = self._action(
            "&Pre-annotate this document", self.preannotate_current, "Ctrl+P", "preannotate"
        )
        self.act_preannotate_all = self._action("Pre-annotate &all documents", self.preannotate_all)
        self.act_export = self._action("&Export…", self.show_export, "Ctrl+E", "export")
        self.act_train = self._action(
            "&Train on finished documents",
            self.start_training,
            tip="Fine-tune the model on the entities of the documents marked done; pre-annotation then uses it",
        )
        self.act_models = self._action("&Models of this project…", self.show_models)
        self.act_report = self._action(
            "&Label report…", self.show_report, tip="Labels overlapping or sharing articles; frequencies by month, source"
        )
        self.act_work = self._action(
            "&Time spent…", self.show_work, tip="Active time per person and on this article, from the history"
        )
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
        self.act_document_label = self._action(
            "Set a &document label…",
            self.choose_document_label,
            "D",
            on_view=True,
            tip="The article's labels by key: a number picks the label (stance, reliability...), a number its value",
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
        self.act_next_assigned = self._action(
            "Next &assigned article",
            self.open_next_assignment,
            "Ctrl+Shift+N",
            tip="Your unfinished article, else a new one given to you (annotator assign --overlap K)",
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
        self.act_all_links = self._action(
            "Show all &links",
            lambda: self.show_arcs(),
            "Ctrl+Shift+L",
            tip="Draw every link of the article as an arc (otherwise the selected span's only)",
        )
        self.act_all_links.setCheckable(True)
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
        for action in (self.act_new, self.act_open, self.act_open_server):
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
            self.act_document_label,
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
            self.act_next_assigned,
            None,
            self.act_find,
            self.act_find_corpus,
            self.act_segments,
            self.act_tag_all,
            None,
            self.act_remove_document,
        ):
            document_menu.addSeparator() if action is None else document_menu.addAction(action)
        model_menu = menus.addMenu("&Model")
        for action in (self.act_train, self.act_models, None, self.act_preannotate, self.act_preannotate_all):
            model_menu.addSeparator() if action is None else model_menu.addAction(action)
        review_menu = menus.addMenu("&Review")
        for action in (
            self.act_review,
            None,
            self.act_next_difference,
            self.act_previous_difference,
            None,
            *self.review_choice_actions,
            None,
            self.act_report,
            self.act_work,
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
            self.act_all_links,
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
        self.act_document_label.setShortcut(QKeySequence("Alt+Shift+D" if "d" in taken else "D"))

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
