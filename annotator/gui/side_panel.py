"""The side panel: the spans of the document, the selected span (label, attributes, note,
links both ways) and the document (status, note). It only shows and asks; the window acts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import DOCUMENT_STATUSES, Link, Schema, Span, span_order
from annotator.gui.text import plain_label, plain_tooltip
from annotator.session import OpenDocument


def excerpt(text: str, span: Span, limit: int = 48) -> str:
    words = " ".join(text[span.start : span.end].split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def gap(head: Span, other: Span) -> int:
    """Characters between two spans (0 when they overlap)."""
    return max(other.start - head.end, head.start - other.end, 0)


def context(text: str, span: Span, width: int = 24) -> str:
    """The span in its line of text: a few words either side, the span marked «»."""
    before = " ".join(text[max(0, span.start - width) : span.start].split())
    after = " ".join(text[span.end : span.end + width].split())
    return f"…{before} «{excerpt(text, span, 40)}» {after}…"


def target_text(text: str, head: Span, other: Span) -> str:
    """A link target as the combo lists it: label, words, where it is from the head, and what
    follows it in the text."""
    if other.end <= head.start:
        words, side = len(text[other.end : head.start].split()), "before"
    elif other.start >= head.end:
        words, side = len(text[head.end : other.start].split()), "after"
    else:
        words, side = 0, "inside"
    where = side if side == "inside" else f"{words} word{'' if words == 1 else 's'} {side}"
    following = " ".join(text[other.end : other.end + 20].split())
    return f"{other.label} «{excerpt(text, other, 30)}» · {where} · …{following}"


class SpanListModel(QAbstractListModel):
    """The open article's spans, in the one order, for a list view: a view over the window's
    :class:`OpenDocument`, told of each row it removes or inserts (drawn lazily)."""

    def __init__(self, document: OpenDocument, on_change: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.colours: dict[str, str] = {}
        self._on_change = on_change
        document.listeners.append(self)

    # -- Listener (annotator.session) ----------------------------------------------------------

    def reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()
        self._on_change()

    def removing(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)

    def removed(self) -> None:
        self.endRemoveRows()
        self._on_change()

    def inserting(self, row: int) -> None:
        self.beginInsertRows(QModelIndex(), row, row)

    def inserted(self) -> None:
        self.endInsertRows()
        self._on_change()

    # -- the list's data -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.document.order)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.document.order):
            return None
        span = self.document.order[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "?" if span.status == "suggested" else "✓"
            return f"{mark} {span.label:<6} {excerpt(self.document.text, span)}"
        if role == Qt.ItemDataRole.DecorationRole:
            return QColor(self.colours.get(span.label, "#999999"))
        if role == Qt.ItemDataRole.UserRole:
            return span.id
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(
                f"{span.label} · {span.status} · {span.annotator} ({span.origin}) · {span.start}-{span.end}"
            )
        return None


class SidePanel(QWidget):
    span_selected = Signal(int)
    relabel_requested = Signal(int, str)
    attributes_changed = Signal(int, dict)
    note_changed = Signal(int, str)
    link_requested = Signal(int, int, str)
    unlink_requested = Signal(int)
    status_changed = Signal(str)
    document_note_changed = Signal(str)
    document_tags_changed = Signal(list)
    document_label_changed = Signal(str, object)

    def __init__(self, document: OpenDocument | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The open article (shared with the article view): its spans are listed here.
        self.document = document if document is not None else OpenDocument()
        self.schema = Schema()
        self.text = ""
        self.span: Span | None = None
        self.tags: list[str] = []
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        document_box = QGroupBox("Document")
        document_form = QFormLayout(document_box)
        self.status_combo = QComboBox()
        for status in DOCUMENT_STATUSES:
            self.status_combo.addItem(status.replace("_", " "), status)
        self.status_combo.currentIndexChanged.connect(self._on_status)
        self.document_note = QLineEdit()
        self.document_note.setPlaceholderText("A note on this article")
        self.document_note.editingFinished.connect(self._on_document_note)
        self.document_tags = QLineEdit()
        self.document_tags.setPlaceholderText("Tags, separated by commas")
        self.document_tags.editingFinished.connect(self._on_document_tags)
        document_form.addRow("Status", self.status_combo)
        document_form.addRow("Tags", self.document_tags)
        document_form.addRow("Note", self.document_note)
        self.document_form = document_form
        #: The schema's document labels: a combo each, or a row of toggles for several values.
        self.document_label_widgets: dict[str, Any] = {}
        self._document_labels_shape: tuple = ()
        layout.addWidget(document_box)

        self.span_model = SpanListModel(self.document, self._count, self)
        # A table, not a list view: a list view lays out every row again after each insert,
        # which a document with thousands of spans feels on every keystroke.
        self.span_list = QTableView()
        self.span_list.setModel(self.span_model)
        self.span_list.horizontalHeader().hide()
        self.span_list.verticalHeader().hide()
        self.span_list.horizontalHeader().setStretchLastSection(True)
        self.span_list.setShowGrid(False)
        self.span_list.setWordWrap(False)
        self.span_list.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.span_list.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.span_list.verticalHeader().setDefaultSectionSize(self.span_list.fontMetrics().height() + 6)
        self.span_list.clicked.connect(
            lambda index: self.span_selected.emit(index.data(Qt.ItemDataRole.UserRole))
        )
        self.spans_box = QGroupBox("Spans")
        spans_layout = QVBoxLayout(self.spans_box)
        spans_layout.addWidget(self.span_list)
        layout.addWidget(self.spans_box, 2)

        self.span_box = QGroupBox("Selected span")
        span_layout = QVBoxLayout(self.span_box)
        self.span_title = QLabel("Select a span: click it, or Tab")
        self.span_title.setWordWrap(True)
        self.span_title.setTextFormat(Qt.TextFormat.PlainText)
        span_layout.addWidget(self.span_title)
        form = QFormLayout()
        self.label_combo = QComboBox()
        self.label_combo.currentIndexChanged.connect(self._on_label)
        form.addRow("Label", self.label_combo)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("A note on this span")
        self.note_edit.editingFinished.connect(self._on_note)
        form.addRow("Note", self.note_edit)
        span_layout.addLayout(form)
        self.attributes_form = QFormLayout()
        span_layout.addLayout(self.attributes_form)
        self.attribute_widgets: dict[str, QWidget] = {}
        self._form_label = ""  # the label whose attributes the form shows

        self.links_heading = plain_label("Links")
        span_layout.addWidget(self.links_heading)
        self.links_list = QListWidget()
        self.links_list.setMaximumHeight(90)
        self.links_list.setToolTip("Double-click a link to go to the span at its other end")
        self.links_list.itemActivated.connect(self._follow_link)
        span_layout.addWidget(self.links_list)
        # The link's label and target on one row, its buttons on the next: the panel stays
        # narrow (the review dock shares the width with it), and the combos are sized by a
        # few characters, not by the longest excerpt (the open list shows them whole).
        link_row, button_row = QHBoxLayout(), QHBoxLayout()
        self.link_label_combo = QComboBox()
        self.link_target_combo = QComboBox()
        for combo, characters in ((self.link_label_combo, 6), (self.link_target_combo, 10)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(characters)
        self.link_button = QPushButton("Link")
        self.link_button.clicked.connect(self._on_link)
        self.unlink_button = QPushButton("Remove")
        self.unlink_button.setToolTip("Remove the selected link")
        self.unlink_button.clicked.connect(self._on_unlink)
        link_row.addWidget(self.link_label_combo)
        link_row.addWidget(self.link_target_combo, 1)
        button_row.addStretch(1)
        button_row.addWidget(self.link_button)
        button_row.addWidget(self.unlink_button)
        span_layout.addLayout(link_row)
        span_layout.addLayout(button_row)
        self.link_label_combo.currentIndexChanged.connect(self._fill_link_targets)
        layout.addWidget(self.span_box, 3)
        #: Buttons and their icons, given once qtawesome is loaded (see gui.icons).
        self.icon_targets = [(self.link_button, "link"), (self.unlink_button, "unlink")]
        self.show_span(None, [])

    # -- filling ---------------------------------------------------------------------------

    def set_document(
        self, text: str, status: str, note: str, schema: Schema, tags: list[str] | None = None
    ) -> None:
        self._updating = True
        self.text = text
        self.schema = schema
        self.span_model.colours = {name: label.colour for name, label in schema.labels.items()}
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(status)))
        self.document_note.setText(note)
        self.tags = list(tags or [])
        self.document_tags.setText(", ".join(self.tags))
        self.label_combo.clear()
        for label in schema.labels.values():
            self.label_combo.addItem(
                f"{label.name}  [{label.shortcut}]" if label.shortcut else label.name, label.name
            )
        self._updating = False

    def show_field_changes(self, changes: dict[str, tuple[str, str]]) -> None:
        """Who last set the article's status, note and tags, and when (colleagues share them:
        the last one written stands), as the fields' tooltips."""
        for field, widget in (
            ("status", self.status_combo),
            ("note", self.document_note),
            ("tags", self.document_tags),
        ):
            who = changes.get(field)
            widget.setToolTip(f"Last set by {who[0]}, {who[1][:16].replace('T', ' ')} UTC" if who else "")

    def set_document_labels(self, schema: Schema, values: dict[str, Any]) -> None:
        """Show the article's document labels (the analyst's ``values``); the widgets are made
        once per schema, then only their values change."""
        shape = tuple((d.name, d.values, d.multiple) for d in schema.document_labels.values())
        if shape != self._document_labels_shape:
            self._build_document_labels(schema)
            self._document_labels_shape = shape
        self._updating = True
        for name, widget in self.document_label_widgets.items():
            value = values.get(name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value or "")))
            else:
                for action in widget.menu().actions():
                    action.setChecked(action.text() in (value or []))
                widget.setText(", ".join(value or []) or "—")
        self._updating = False

    def _build_document_labels(self, schema: Schema) -> None:
        for _ in range(len(self.document_label_widgets)):  # the rows after Status, Tags and Note
            self.document_form.removeRow(self.document_form.rowCount() - 1)
        self.document_label_widgets = {}
        for number, label in enumerate(schema.document_labels.values(), 1):
            if label.multiple:
                # a button whose menu ticks values: as narrow as a combo, whatever their number
                widget = QToolButton()
                widget.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
                widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                choices = QMenu(widget)
                for value in label.values:
                    action = choices.addAction(value)
                    action.setCheckable(True)
                    action.toggled.connect(lambda _on, name=label.name, box=widget: self._on_document_toggles(name, box))
                widget.setMenu(choices)
                widget.setText("—")
            else:
                widget = QComboBox()
                widget.addItem("—", "")
                for value in label.values:
                    widget.addItem(value, value)
                widget.currentIndexChanged.connect(
                    lambda _index, name=label.name, box=widget: self._on_document_label(name, box.currentData())
                )
            tip = f"By keys from the article: D, then {number}, then the value's number"
            widget.setToolTip(f"{label.description}\n{tip}" if label.description else tip)
            self.document_label_widgets[label.name] = widget
            self.document_form.addRow(plain_label(f"{label.name}  [D {number}]"), widget)

    def _on_document_label(self, name: str, value: str) -> None:
        if not self._updating:
            self.document_label_changed.emit(name, value or None)

    def _on_document_toggles(self, name: str, box: QToolButton) -> None:
        if not self._updating:
            values = [action.text() for action in box.menu().actions() if action.isChecked()]
            box.setText(", ".join(values) or "—")
            self.document_label_changed.emit(name, values)

    @property
    def spans(self) -> dict[int, Span]:
        return self.document.spans

    def _count(self) -> None:
        self.spans_box.setTitle(f"Spans ({len(self.document.spans)}, {self.document.undecided} undecided)")

    def select_in_list(self, span_id: int | None) -> None:
        row = self.document.row_of(span_id)
        if row >= 0:
            self.span_list.setCurrentIndex(self.span_model.index(row))
        else:
            self.span_list.clearSelection()

    def show_span(self, span: Span | None, links: list[Link]) -> None:
        """Show the selected span (None: nothing selected) and the links touching it."""
        self._updating = True
        previous, self.span = self.span, span
        for widget in (
            self.label_combo,
            self.note_edit,
            self.links_list,
            self.link_label_combo,
            self.link_target_combo,
            self.link_button,
            self.unlink_button,
        ):
            widget.setEnabled(span is not None)
        # The form is kept when the label is the same (values set in place): a combo may be
        # the very widget emitting the change that led here, and deleting a widget inside its
        # own signal crashes Qt; a different form is removed later (deleteLater), never now.
        same_form = (
            span is not None and previous is not None and span.label == previous.label and self._form_label
        )
        if not same_form:
            self._clear_attribute_rows()
        self.links_list.clear()
        self.link_label_combo.clear()
        if span is None:
            self.span_title.setText("Select a span: click it, or Tab")
            self.note_edit.clear()
            self.links_heading.setText("Links")
            self._updating = False
            return
        self.span_title.setText(
            f"«{excerpt(self.text, span, 80)}»  {span.label} · {span.status} · {span.annotator} ({span.origin})"
        )
        self.label_combo.setCurrentIndex(max(0, self.label_combo.findData(span.label)))
        self.note_edit.setText(span.note)
        label = self.schema.labels.get(span.label)
        if same_form:
            for name, widget in self.attribute_widgets.items():
                value = str(span.attributes.get(name, ""))
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(0, widget.findData(value)))
                elif widget.text() != value:
                    widget.setText(value)
        else:
            self._form_label = span.label
            for number, attribute in enumerate(label.attributes if label else (), 1):
                if attribute.values:
                    widget = QComboBox()
                    widget.addItem("—", "")
                    for value in attribute.values:
                        widget.addItem(value, value)
                    widget.setCurrentIndex(max(0, widget.findData(span.attributes.get(attribute.name, ""))))
                    widget.currentIndexChanged.connect(self._on_attributes)
                else:
                    widget = QLineEdit(str(span.attributes.get(attribute.name, "")))
                    widget.editingFinished.connect(self._on_attributes)
                tip = f"By keys from the article: A, then {number}, then the value's number"
                widget.setToolTip(f"{attribute.description}\n{tip}" if attribute.description else tip)
                self.attribute_widgets[attribute.name] = widget
                self.attributes_form.addRow(plain_label(f"{attribute.name}  [A {number}]"), widget)
        for link in links:
            outgoing = link.head_id == span.id
            other = self.spans.get(link.tail_id if outgoing else link.head_id)
            other_text = f"{other.label} «{excerpt(self.text, other, 30)}»" if other else "(hidden span)"
            arrow = "→" if outgoing else "←"
            item = QListWidgetItem(f"{arrow} {link.label}: {other_text}")
            item.setData(Qt.ItemDataRole.UserRole, link.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, other.id if other else None)
            self.links_list.addItem(item)
        for link_label in self.schema.link_labels.values():
            if not link_label.heads or span.label in link_label.heads:
                self.link_label_combo.addItem(link_label.name, link_label.name)
        can_link = self.link_label_combo.count() > 0
        for widget in (self.link_label_combo, self.link_target_combo, self.link_button):
            widget.setVisible(can_link)
        self.links_heading.setText("Links" if can_link or links else f"Links (none start at {span.label})")
        self.links_list.setVisible(bool(links) or can_link)
        self.unlink_button.setVisible(bool(links))
        self._updating = False
        self._fill_link_targets()

    def _clear_attribute_rows(self) -> None:
        while self.attributes_form.rowCount():
            row = self.attributes_form.takeRow(0)
            for item in (row.labelItem, row.fieldItem):
                if item is not None and item.widget() is not None:
                    item.widget().hide()
                    item.widget().deleteLater()
        self.attribute_widgets = {}
        self._form_label = ""

    def _fill_link_targets(self) -> None:
        """The spans a link of the chosen type may reach, nearest the selected span first, each
        with its place and context (three «Kim Jong-un» are three entries one can tell apart);
        the target chosen before stays chosen when the link type changes."""
        chosen = self.link_target_combo.currentData()
        self.link_target_combo.clear()
        if self.span is None:
            return
        link_label = self.schema.link_labels.get(self.link_label_combo.currentData() or "")
        if link_label is None:
            self.link_button.setEnabled(False)
            return
        head = self.span
        targets = [
            other
            for other in self.spans.values()
            if other.id != head.id and (not link_label.tails or other.label in link_label.tails)
        ]
        targets.sort(key=lambda other: (gap(head, other), span_order(other)))
        for other in targets:
            self.link_target_combo.addItem(target_text(self.text, head, other), other.id)
            self.link_target_combo.setItemData(
                self.link_target_combo.count() - 1,
                plain_tooltip(context(self.text, other, 80)),
                Qt.ItemDataRole.ToolTipRole,
            )
        if chosen is not None and self.link_target_combo.findData(chosen) >= 0:
            self.link_target_combo.setCurrentIndex(self.link_target_combo.findData(chosen))
        self.link_button.setEnabled(self.link_target_combo.count() > 0)

    # -- asking ----------------------------------------------------------------------------

    def _on_status(self) -> None:
        if not self._updating:
            self.status_changed.emit(self.status_combo.currentData())

    def _on_document_note(self) -> None:
        if not self._updating:
            self.document_note_changed.emit(self.document_note.text())

    def _on_document_tags(self) -> None:
        tags = [tag.strip() for tag in self.document_tags.text().split(",") if tag.strip()]
        if not self._updating and tags != self.tags:
            self.document_tags_changed.emit(tags)

    def _on_label(self) -> None:
        if not self._updating and self.span is not None and self.label_combo.currentData() != self.span.label:
            self.relabel_requested.emit(self.span.id, self.label_combo.currentData())

    def _on_note(self) -> None:
        if not self._updating and self.span is not None and self.note_edit.text() != self.span.note:
            self.note_changed.emit(self.span.id, self.note_edit.text())

    def _on_attributes(self) -> None:
        if self._updating or self.span is None:
            return
        attributes = dict(self.span.attributes)
        for name, widget in self.attribute_widgets.items():
            value = widget.currentData() if isinstance(widget, QComboBox) else widget.text().strip()
            if value:
                attributes[name] = value
            else:
                attributes.pop(name, None)
        if attributes != self.span.attributes:
            self.attributes_changed.emit(self.span.id, attributes)

    def _on_link(self) -> None:
        if self.span is not None and self.link_target_combo.currentData() is not None:
            self.link_requested.emit(
                self.span.id, self.link_target_combo.currentData(), self.link_label_combo.currentData()
            )

    def _follow_link(self, item: QListWidgetItem) -> None:
        other = item.data(Qt.ItemDataRole.UserRole + 1)
        if other is not None:
            self.span_selected.emit(other)

    def _on_unlink(self) -> None:
        item = self.links_list.currentItem()
        if item is not None:
            self.unlink_requested.emit(item.data(Qt.ItemDataRole.UserRole))
