"""Finding things across the corpus: full-text search with hits in context, and tagged segments
(keyword in context), each row opening its article at the hit or the span."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.formats.segments import write_segments
from annotator.gui.document_list import refill_combo
from annotator.gui.text import parse_pairs, plain_tooltip
from annotator.store import Store


class PagedModel(QAbstractTableModel):
    """Rows read from the database a page at a time as the view scrolls (``fetch(offset,
    limit)`` returns dicts); the columns name their keys."""

    PAGE = 100

    def __init__(self, columns: list[tuple[str, str]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict[str, Any]] = []
        self._fetch: Callable[[int, int], list[dict[str, Any]]] | None = None
        self._more = False

    def load(self, fetch: Callable[[int, int], list[dict[str, Any]]] | None) -> None:
        self.beginResetModel()
        self._fetch, self.rows, self._more = fetch, [], fetch is not None
        if fetch is not None:
            self.rows = fetch(0, self.PAGE)
            self._more = len(self.rows) == self.PAGE
        self.endResetModel()

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802 - Qt's signature
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._more or self._fetch is None:
            return
        rows = self._fetch(len(self.rows), self.PAGE)
        self._more = len(rows) == self.PAGE
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self.rows += rows
            self.endInsertRows()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        value = row.get(key)
        if key == "attributes" and value:
            value = attribute_text(value)
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(str(value).split()) if value is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(str(value)) if value else None
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "left_context":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        return None


def attribute_text(value: Any) -> str:
    """Attributes as a person reads them: ``agency=KCNA, kind=direct`` (not raw JSON)."""
    try:
        pairs = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)
    if not isinstance(pairs, dict):
        return str(value)
    return ", ".join(f"{name}={pairs[name]}" for name in pairs)


def _table(model: PagedModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.setWordWrap(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class FindPanel(QWidget):
    """Search (Ctrl+Shift+F) and Segments tabs. ``open_requested(document, start, end, span,
    query)``: a row was chosen (span 0 for a search hit, whose offsets come from ``query``)."""

    open_requested = Signal(int, int, int, int, str)
    #: "Export as…": the segment query, for the export dialog's filters.
    export_requested = Signal(dict)

    def __init__(
        self, store: Store, list_filters: Callable[[], dict[str, Any]], parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.store = store
        self.list_filters = list_filters
        self.tabs = QTabWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs)

        search = QWidget()
        self.query = QLineEdit()
        self.query.setPlaceholderText(
            'Words in any article ("quoted phrase"; accents and case ignored), Enter'
        )
        self.query.setClearButtonEnabled(True)
        self.scoped = QCheckBox("Only documents the list shows")
        self.scoped.setChecked(True)
        self.scoped.setToolTip("Keep the list's status, label and annotator filters")
        self.search_count = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.query, 1)
        top.addWidget(self.scoped)
        top.addWidget(self.search_count)
        self.search_model = PagedModel(
            [("title", "Title"), ("published", "Published"), ("snippet", "In context")], self
        )
        self.search_table = _table(self.search_model)
        self._add_tab(search, top, self.search_table, "Search")

        segments = QWidget()
        self.label = QComboBox()
        self.attributes = QLineEdit()
        self.attributes.setPlaceholderText("agency=KCNA")
        self.link = QLineEdit()
        self.link.setPlaceholderText("speaker=Kim Jong-un (link label = text of the linked span)")
        self.date = QLineEdit()
        self.date.setPlaceholderText("2026-05 (published, beginning with)")
        self.annotator = QComboBox()
        self.find_segments = QPushButton("Find")
        self.export_segments = QPushButton("Export CSV…")
        self.export_segments.setToolTip("These rows, with their context, as a CSV file")
        self.export_segments.setEnabled(False)
        self.export_as = QPushButton("Export as…")
        self.export_as.setToolTip(
            "These spans in any export format (JSONL, spaCy, brat...), with the export dialog"
        )
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.label)
        row.addWidget(QLabel("by"))
        row.addWidget(self.annotator)
        row.addWidget(QLabel("attributes"))
        row.addWidget(self.attributes, 1)
        form.addRow("Label", row)
        row = QHBoxLayout()
        row.addWidget(self.link, 1)
        row.addWidget(QLabel("published"))
        row.addWidget(self.date)
        row.addWidget(self.find_segments)
        row.addWidget(self.export_segments)
        row.addWidget(self.export_as)
        form.addRow("Link", row)
        self.segment_model = PagedModel(
            [
                ("title", "Title"),
                ("left_context", "Before"),
                ("text", "Segment"),
                ("right_context", "After"),
                ("label", "Label"),
                ("annotator", "By"),
                ("attributes", "Attributes"),
            ],
            self,
        )
        self.segment_table = _table(self.segment_model)
        self._add_tab(segments, form, self.segment_table, "Segments")

        self.query.returnPressed.connect(self.run_search)
        self.query.installEventFilter(self)
        self.scoped.toggled.connect(lambda _on: self.query.text().strip() and self.run_search())
        for field in (self.attributes, self.link, self.date):
            field.returnPressed.connect(self.run_segments)
        self.find_segments.clicked.connect(self.run_segments)
        self.export_segments.clicked.connect(self._export_dialog)
        self.export_as.clicked.connect(lambda: self.export_requested.emit(self.segment_query()))
        self.search_table.activated.connect(self._open_hit)
        self.segment_table.activated.connect(self._open_segment)
        self.search_table.doubleClicked.connect(self._open_hit)
        self.segment_table.doubleClicked.connect(self._open_segment)
        self.fill_choices()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Down in the search box goes to the results, the first one selected (Enter opens it)."""
        if (
            watched is self.query
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
            and self.search_model.rowCount()
        ):
            self.search_table.setFocus()
            self.search_table.setCurrentIndex(self.search_model.index(0, 0))
            return True
        return super().eventFilter(watched, event)

    def _add_tab(self, page: QWidget, controls: QLayout, table: QTableView, title: str) -> None:
        """A tab: its controls above its table of results."""
        column = QVBoxLayout(page)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(controls)
        column.addWidget(table)
        self.tabs.addTab(page, title)

    def set_store(self, store: Store) -> None:
        self.store = store
        self.search_model.load(None)
        self.segment_model.load(None)
        self.fill_choices()

    def fill_choices(self) -> None:
        for combo, everything, values in (
            (self.label, "Any label", list(self.store.schema.labels)),
            (
                self.annotator,
                "anyone",
                [a["name"] for a in self.store.annotators() if a["kind"] not in ("model", "rule")],
            ),
        ):
            refill_combo(combo, everything, values)

    # -- search ----------------------------------------------------------------------------

    def run_search(self) -> None:
        query = self.query.text().strip()
        if not query:
            self.search_model.load(None)
            self.search_count.setText("")
            return
        filters = self.list_filters() if self.scoped.isChecked() else {}
        scope = {key: filters.get(key) for key in ("status", "label", "annotator")}
        store = self.store
        self.search_model.load(lambda offset, limit: store.search(query, limit, offset, **scope))
        shown = self.search_model.rowCount()
        more = "+" if self.search_model.canFetchMore() else ""
        self.search_count.setText(f"{shown}{more} document{'' if shown == 1 and not more else 's'}")
        self.search_table.resizeColumnToContents(1)
        self.search_table.setColumnWidth(0, 260)

    def _open_hit(self, index: QModelIndex) -> None:
        row = self.search_model.rows[index.row()]
        self.open_requested.emit(row["document_id"], -1, -1, 0, self.query.text())

    # -- segments --------------------------------------------------------------------------

    def segment_query(self) -> dict[str, Any]:
        link = parse_pairs(self.link.text())
        return {
            "label": self.label.currentData(),
            "attributes": parse_pairs(self.attributes.text()),
            "link": next(iter(link.items())) if link else None,
            "date_prefix": self.date.text().strip() or None,
            "annotator": self.annotator.currentData(),
        }

    def run_segments(self) -> None:
        query, store = self.segment_query(), self.store
        self.segment_model.load(lambda offset, limit: store.segments(**query, limit=limit, offset=offset))
        self.export_segments.setEnabled(self.segment_model.rowCount() > 0)
        for column, width in ((0, 200), (1, 260), (2, 220), (3, 260), (4, 70), (5, 70)):
            self.segment_table.setColumnWidth(column, width)

    def _open_segment(self, index: QModelIndex) -> None:
        row = self.segment_model.rows[index.row()]
        self.open_requested.emit(row["document_id"], row["start"], row["end"], row["span_id"], "")

    def _export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export segments", "exports/segments.csv", "CSV (*.csv)")
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> int:
        """Every segment the query finds (not only those read so far) as keyword-in-context
        CSV rows; returns how many."""
        return write_segments(self.store, self.segment_query(), path)
