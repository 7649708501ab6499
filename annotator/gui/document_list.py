"""The document list: title, status and counts, filtered by status, label, annotator and text."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import DOCUMENT_STATUSES
from annotator.gui.text import plain_tooltip
from annotator.store import Store


class DocumentTableModel(QAbstractTableModel):
    """Adapter from ``Store.document_rows()`` to a Qt table."""

    COLUMNS = (("title", "Title"), ("status", "Status"), ("suggested", "Undecided"), ("decided", "Decided"))

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[dict[str, Any]] = []
        self.filters: dict[str, str | None] = {}
        self.columns = list(self.COLUMNS)
        #: Review mode: agreement (exact F1) per document; the list then starts with the worst.
        self.scores: dict[int, float] | None = None

    def set_scores(self, scores: dict[int, float] | None) -> None:
        self.scores = scores
        self.columns = list(self.COLUMNS) + ([("agreement", "Agreement")] if scores is not None else [])
        self.refresh()

    def refresh(self, **filters: str | None) -> None:
        if filters:
            self.filters = filters
        self.beginResetModel()
        self.rows = self.store.document_rows(**self.filters)
        if self.scores is not None:
            scores = self.scores
            for row in self.rows:
                row["agreement"] = scores.get(row["id"])
            self.rows.sort(key=lambda row: (row["agreement"] is None, row["agreement"] or 0.0, row["id"]))
        self.endResetModel()

    def refresh_document(self, document_id: int) -> None:
        """Update one row's counts and status after an action (the others are unchanged)."""
        for row, values in enumerate(self.rows):
            if values["id"] == document_id:
                fresh = self.store.document_rows(document_id=document_id)
                if fresh:
                    fresh[0]["agreement"] = values.get("agreement")
                    self.rows[row] = fresh[0]
                    self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
                return

    def row_of(self, document_id: int) -> int:
        for row, values in enumerate(self.rows):
            if values["id"] == document_id:
                return row
        return -1

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.columns[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            value = row.get(key)
            if key == "agreement":
                return "—" if value is None else f"{value:.2f}"
            return value.replace("_", " ") if key == "status" else value
        if role == Qt.ItemDataRole.UserRole:
            return row["id"]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{row['title']}\n{row['text_length']:,} characters · {row['lang'] or '?'}")
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("suggested", "decided", "agreement"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section][1]
        return None


class DocumentList(QWidget):
    document_selected = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DocumentTableModel(store, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find in titles and texts (Ctrl+F)")
        self.find.setClearButtonEnabled(True)
        layout.addWidget(self.find)
        filters = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", None)
        for status in DOCUMENT_STATUSES:
            self.status_filter.addItem(status.replace("_", " "), status)
        self.label_filter = QComboBox()
        self.annotator_filter = QComboBox()
        for combo in (self.status_filter, self.label_filter, self.annotator_filter):
            filters.addWidget(combo)
            combo.currentIndexChanged.connect(self.apply_filters)
        layout.addLayout(filters)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._find_timer = QTimer(self, singleShot=True, interval=250)
        self._find_timer.timeout.connect(self.apply_filters)
        self.find.textChanged.connect(self._find_timer.start)
        self.fill_filters()

    def fill_filters(self) -> None:
        """(Re)list labels and annotators in the filters, keeping the current choices."""
        store = self.model.store
        for combo, everything, values in (
            (self.label_filter, "Any label", list(store.schema.labels)),
            (self.annotator_filter, "Any annotator", [a["name"] for a in store.annotators()]),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

    def apply_filters(self) -> None:
        current = self.current_id()
        self.model.refresh(
            status=self.status_filter.currentData(),
            label=self.label_filter.currentData(),
            annotator=self.annotator_filter.currentData(),
            text=self.find.text().strip() or None,
        )
        if current is not None and self.model.row_of(current) >= 0:
            self.select(current, emit=False)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def select(self, document_id: int, emit: bool = True) -> None:
        row = self.model.row_of(document_id)
        if row < 0:
            return
        self.table.blockSignals(not emit)
        self.table.selectionModel().blockSignals(not emit)
        self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        self.table.blockSignals(False)

    def neighbour(self, document_id: int | None, step: int) -> int | None:
        """The document ``step`` rows away in the list as filtered, or None at the ends."""
        row = self.model.row_of(document_id) if document_id is not None else -1
        target = row + step
        if 0 <= target < self.model.rowCount():
            return self.model.rows[target]["id"]
        return None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.document_selected.emit(current.data(Qt.ItemDataRole.UserRole))
