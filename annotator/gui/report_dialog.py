"""Review > Label report: the co-occurrence table (labels overlapping in the text, labels sharing
articles) with its cells shaded by count, and each label's frequency by month, source or
language as bars (:mod:`annotator.reports`)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import Selection
from annotator.gui.charts import BarChart
from annotator.reports import cooccurrence, frequencies
from annotator.store import Store


def shaded_table(rows: list[list[object]]) -> QTableWidget:
    """A table of counts (first row: header; first column: names), darker where larger."""
    header, *body = rows
    table = QTableWidget(len(body), len(header) - 1)
    table.setHorizontalHeaderLabels([str(h) for h in header[1:]])
    table.setVerticalHeaderLabels([str(row[0]) for row in body])
    largest = max((int(c) for row in body for c in row[1:]), default=0) or 1
    for r, row in enumerate(body):
        for c, value in enumerate(row[1:]):
            item = QTableWidgetItem(str(value))
            shade = QColor("#5b9bd5")
            shade.setAlphaF(0.08 + 0.6 * int(value) / largest if value else 0.0)
            item.setBackground(shade)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    return table


class ReportDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Label report")
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        table = cooccurrence(store, Selection())
        self.overlap = shaded_table(table.rows("overlap"))
        self.shared = shaded_table(table.rows("documents"))
        tabs.addTab(self.overlap, "Overlap in the text")
        tabs.addTab(self.shared, f"Shared articles (of {table.articles})")
        page = QWidget()
        page_layout = QVBoxLayout(page)
        self.group = QComboBox()
        for key, text in (
            ("month", "by month"),
            ("source", "by source"),
            ("lang", "by language"),
            ("status", "by status"),
        ):
            self.group.addItem(text, key)
        self.group.currentIndexChanged.connect(self._show_frequencies)
        page_layout.addWidget(self.group)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        page_layout.addWidget(self.scroll)
        tabs.addTab(page, "Frequencies")
        layout.addWidget(
            QLabel("Accepted decisions of every person; `annotator report` writes these as CSV or JSON.")
        )
        layout.addWidget(tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.chart: BarChart | None = None
        self._show_frequencies()
        self.resize(760, 480)

    def _show_frequencies(self) -> None:
        counts = frequencies(self.store, self.group.currentData(), Selection())
        rows = [
            (group, sum(row.values()), " · ".join(f"{label} {n}" for label, n in row.most_common()))
            for group, row in counts.items()
        ]
        self.chart = BarChart(rows)
        self.scroll.setWidget(self.chart)
