"""Annotating in the window: opening an article, the key actions on spans (label, accept, reject,
delete, nudge, link, attributes, Tab between spans), undo and redo, and redrawing what an
action's recorded changes touched (never the whole article for one span)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from annotator.domain import Link, Span, span_order
from annotator.editing import Edit
from annotator.errors import AnnotatorError, Cancelled
from annotator.gui.arcs import Arc

T = TypeVar("T")


class Annotate:
    """Part of :class:`annotator.gui.app.MainWindow`."""

    def open_document(self, document_id: int) -> None:
        document = self.store.document(document_id)
        self.document_id = document_id
        self.link_head = None
        if self.reviewing:
            self._open_for_review(document)
            return
        spans = self.store.working_spans(document_id, self.editor.annotator)
        self.view.set_review({}, {}, {})
        self.view.set_document(document.text, spans, self.store.schema.labels, document_id)
        self.side.set_document(
            document.text, document.status, document.note, self.store.schema, document.tags
        )
        self.show_document_labels()
        self.side.show_field_changes(self.store.shared_field_changes(document_id))
        self.side.show_span(None, [])
        self.show_arcs([])
        self._update_counts()
        if self.documents.current_id() != document_id:
            self.documents.select(document_id, emit=False)
        self.settings.setValue(self._last_document_key(), document_id)

    def _update_counts(self) -> None:
        self.undecided.setText(f"{self.session.undecided} undecided")
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
        self.show_arcs(links)

    def show_arcs(self, selected_links: list[Link] | None = None) -> None:
        """The links drawn in the article: the selected span's, or all the article's (View >
        Show all links)."""
        if self.act_all_links.isChecked() and self.document_id is not None:
            links = self.store.links(self.document_id)
        elif selected_links is not None:
            links = selected_links
        else:
            span = self.selected
            links = self.store.links_of(span.id) if span is not None else []
        self.view.set_arcs([Arc(k.head_id, k.tail_id, k.label) for k in links])

    @property
    def selected(self) -> Span | None:
        return self.session.selected

    def _visible(self, states: dict[int, dict[str, Any] | None]) -> dict[int, Span | None]:
        """The spans an action left (their recorded states) as the analyst's view shows
        them, None for those that left the view."""
        return self.session.visible(states, self.editor.annotator, self.store.schema.layer_of)

    def _settled(self, edit: Edit, changed: dict[int, Span | None]) -> dict[int, Span | None]:
        """The suggestions the action settled or unsettled for the analyst (read by index
        around what it changed; a bulk action's, by reading the article's again)."""
        ids, keys = edit.fate_candidates(self.editor.annotator)
        if len(ids) + len(keys) > 32:
            undecided = self.store.undecided_suggestions(self.document_id, self.editor.annotator)
            return self.session.settled(undecided, changed)
        near = self.store.suggestions_near(self.document_id, self.editor.annotator, ids, keys)
        undecided = {span_id: span for span_id, (span, open_) in near.items() if open_}
        return self.session.settled(undecided, changed, set(near))

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
            if changed:
                changed.update(self._settled(edit, changed))
            self.view.spans_changed(self.session.apply(changed))
            if any(change.kind == "document" for change in edit.changes):
                document = self.store.document(self.document_id)
                self.side.set_document(
                    document.text, document.status, document.note, self.store.schema, document.tags
                )
                self.show_document_labels()
                self.side.show_field_changes(self.store.shared_field_changes(self.document_id))
            # the side panel follows the selected span's changes; the article does not scroll
            # back to it (it may be far from where the action happened)
            self.select_span(self.view.selected_id, reveal=False)
        if edit.document_id is not None:
            # The list's counts follow once the keys pause (counting a long article's spans
            # would take a frame of its own at every key).
            self._list_stale.add(edit.document_id)
            self._list_timer.start()
        self._update_counts()

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

    def _refresh_list_rows(self) -> None:
        stale, self._list_stale = self._list_stale, set()
        try:
            for document_id in stale:
                self.documents.model.refresh_document(document_id)
        except sqlite3.ProgrammingError:  # the project was closed meanwhile: no list to update
            pass

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
        """The span Tab (``step`` +1) or Shift+Tab (-1) goes to from the one whose
        :func:`span_order` key is ``after`` (or from the text cursor's ``position``): in link
        mode among the spans a link can reach; with "suggestions first", among the undecided."""
        among = None
        if self.link_head is not None:
            head = self.link_head
            among = lambda span: bool(self.link_labels_between(head, span.id))  # noqa: E731
        elif self.act_suggestions_first.isChecked() and self.session.undecided:
            among = lambda span: span.status == "suggested"  # noqa: E731
        return self.session.next_span(after, step, position, among)

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

    def show_document_labels(self) -> None:
        """The analyst's document labels of the open article, in the side panel."""
        annotator = self.editor.annotator
        values = self.store.document_labels(self.document_id, annotator).get(annotator, {}) if self.document_id else {}
        self.side.set_document_labels(self.store.schema, values)

    def choose_document_label(self) -> None:
        """Set a document label from the keyboard (D): a number picks the label, then a number
        its value (toggled, for a label of several values; 0 clears)."""
        from PySide6.QtWidgets import QMenu

        labels = list(self.store.schema.document_labels.values())
        if self.document_id is None or not labels:
            self.say("This project's schema has no document labels" if labels == [] else "Open an article first")
            return
        annotator = self.editor.annotator
        current = self.store.document_labels(self.document_id, annotator).get(annotator, {})
        keys = "0123456789abcdefghijklmnopqrstuvwxyz"
        menu = QMenu(self)
        for number, label in enumerate(labels, 1):
            value = current.get(label.name)
            shown = ", ".join(value) if isinstance(value, list) else value or ""
            choices = menu.addMenu(f"&{keys[number]} {label.name}" + (f" = {shown}" if shown else ""))
            for index, option in enumerate(["", *label.values]):
                action = choices.addAction(f"&{keys[index]} {option or '— (none)'}")
                action.setCheckable(bool(option))
                action.setChecked(option in (value or []) if label.multiple else option == value)
                action.setData((label.name, option))
        chosen = menu.exec(self.view.viewport().mapToGlobal(self.view.cursorRect().bottomLeft()))
        menu.deleteLater()
        if chosen is not None and chosen.data() is not None:
            name, option = chosen.data()
            label = self.store.schema.document_labels[name]
            value: Any = option or None
            if label.multiple and option:
                have = list(current.get(name) or [])
                value = [v for v in have if v != option] if option in have else [*have, option]
            self.perform(lambda: self.editor.set_document_label(self.document_id, name, value))
        self.view.setFocus()

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
        self.say(f"Everything is saved: each decision was written to {self._project_name(self.store.path)} as you made it")

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
