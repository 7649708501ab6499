"""Review mode: two annotators side by side, their differences in plain words, and the gold set.

The panel only shows and asks; the window acts (through the Editor, so every decision is one
undoable, logged transaction)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDockWidget,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.charts import BarChart
from annotator.gui.text import plain_label, plain_tooltip
from annotator.review import KINDS, Agreement, Difference

#: One colour per kind of difference, drawn under the spans in the article and in the list.
KIND_COLOURS = {
    "agreed": "#3aa655",
    "only_a": "#2f7fd8",
    "only_b": "#e08a00",
    "label": "#d64541",
    "boundary": "#8e44ad",
    "attributes": "#c9a300",
}


class ReviewDock(QDockWidget):
    """The review panel's dock; ``closed`` when the person closes it (its × button), which
    ends the review as Review > Review mode does."""

    closed = Signal()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        super().closeEvent(event)
        self.closed.emit()


class ReviewPanel(QWidget):
    difference_selected = Signal(object)
    resolve_requested = Signal(object, str)
    accept_agreed_requested = Signal()
    annotators_changed = Signal()
    corpus_requested = Signal()
    comment_requested = Signal(object, str)
    document_label_taken = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.differences: list[Difference] = []
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.a_combo = QComboBox()
        self.b_combo = QComboBox()
        self.gold_edit = QLineEdit("gold")
        for combo in (self.a_combo, self.b_combo):
            combo.currentIndexChanged.connect(lambda _index: self.annotators_changed.emit())
        self.gold_edit.editingFinished.connect(self.annotators_changed.emit)
        form.addRow("A", self.a_combo)
        form.addRow("B", self.b_combo)
        form.addRow("Gold set", self.gold_edit)
        layout.addLayout(form)
        legend = QGridLayout()
        for index, (kind, colour) in enumerate(KIND_COLOURS.items()):
            swatch = QLabel("■ " + kind.replace("_", " "))
            swatch.setStyleSheet(f"color: {colour}; font-weight: bold;")
            swatch.setToolTip(KINDS[kind])
            legend.addWidget(swatch, index // 3, index % 3)
        layout.addLayout(legend)
        self.summary = plain_label()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.currentRowChanged.connect(self._on_row)
        layout.addWidget(self.list, 1)
        buttons = QGridLayout()
        self.take_a = QPushButton("Take A  (Alt+1)")
        self.take_b = QPushButton("Take B  (Alt+2)")
        self.take_both = QPushButton("Both  (Alt+3)")
        self.take_neither = QPushButton("Neither  (Alt+0)")
        for index, (button, choice) in enumerate(
            ((self.take_a, "a"), (self.take_b, "b"), (self.take_both, "both"), (self.take_neither, "neither"))
        ):
            button.clicked.connect(lambda _checked=False, c=choice: self.request(c))
            buttons.addWidget(button, index // 2, index % 2)
        layout.addLayout(buttons)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Review comment on the settled difference (Enter)")
        self.comment.returnPressed.connect(self._on_comment)
        layout.addWidget(self.comment)
        #: The article's document labels: A's and B's choices, gold's, a button to take each.
        self.document_labels = QGridLayout()
        layout.addLayout(self.document_labels)
        row = QHBoxLayout()
        self.accept_agreed = QPushButton("Accept all agreed")
        self.accept_agreed.clicked.connect(self.accept_agreed_requested.emit)
        self.corpus = QPushButton("Corpus agreement…")
        self.corpus.clicked.connect(self.corpus_requested.emit)
        row.addWidget(self.accept_agreed)
        row.addWidget(self.corpus)
        layout.addLayout(row)

    def set_annotators(self, names: list[str], proposed: list[str] | None = None) -> None:
        """The names to choose from; A and B keep their choice, else take ``proposed`` (the
        pair with the most work), else the first two names."""
        proposed = [name for name in (proposed or []) if name in names]
        for combo, default in ((self.a_combo, 0), (self.b_combo, 1)):
            if combo.currentData() is None and len(proposed) > default:
                default = names.index(proposed[default])
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for name in names:
                combo.addItem(name, name)
            index = combo.findData(current)
            combo.setCurrentIndex(index if index >= 0 else min(default, combo.count() - 1))
            combo.blockSignals(False)

    @property
    def a(self) -> str | None:
        return self.a_combo.currentData()

    @property
    def b(self) -> str | None:
        return self.b_combo.currentData()

    @property
    def gold(self) -> str:
        return self.gold_edit.text().strip() or "gold"

    def show_differences(
        self, text: str, differences: list[Difference], settled: set[int], f1: float
    ) -> None:
        """``settled``: indexes of the differences the gold set already decides."""
        current = self.list.currentRow()
        self.differences = [d for d in differences if d.kind != "agreed"]
        agreed = len(differences) - len(self.differences)
        open_count = sum(1 for i, d in enumerate(differences) if d.kind != "agreed" and i not in settled)
        self.summary.setText(
            f"This article: exact F1 {f1:.2f} · {agreed} agreed · {len(self.differences)} difference(s), "
            f"{open_count} not settled in {self.gold}"
        )
        self.list.blockSignals(True)
        self.list.clear()
        settled_differences = {id(differences[i]) for i in settled}
        for difference in self.differences:
            done = id(difference) in settled_differences
            item = QListWidgetItem(("✓ " if done else "") + difference.explain(text))
            item.setForeground(QColor(KIND_COLOURS[difference.kind]) if not done else QColor("#888888"))
            item.setToolTip(plain_tooltip(f"{difference.explain(text)}\n({KINDS[difference.kind]})"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.differences:
            self.list.setCurrentRow(min(max(current, 0), len(self.differences) - 1))

    def show_document_labels(self, names: list[str], a: dict, b: dict, gold: dict) -> None:
        """One row per document label either A or B set: their choices, gold's, and Take A /
        Take B (into gold) where they differ from gold's."""
        while self.document_labels.count():
            item = self.document_labels.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()

        def shown(value: object) -> str:
            return ", ".join(value) if isinstance(value, list) else str(value or "—")

        row = 0
        for name in names:
            if name not in a and name not in b:
                continue
            agreed = a.get(name) == b.get(name)
            text = f"{name}: A {shown(a.get(name))} · B {shown(b.get(name))} · gold {shown(gold.get(name))}"
            label = plain_label(("= " if agreed else "≠ ") + text)
            label.setWordWrap(True)
            self.document_labels.addWidget(label, row, 0)
            for column, (side, value) in enumerate((("A", a.get(name)), ("B", b.get(name))), 1):
                button = QPushButton(f"Take {side}")
                button.setEnabled(value is not None and value != gold.get(name))
                button.clicked.connect(lambda _checked=False, n=name, v=value: self.document_label_taken.emit(n, v))
                self.document_labels.addWidget(button, row, column)
            row += 1

    def step(self, direction: int) -> None:
        if self.differences:
            self.list.setCurrentRow((self.list.currentRow() + direction) % len(self.differences))

    def current(self) -> Difference | None:
        row = self.list.currentRow()
        return self.differences[row] if 0 <= row < len(self.differences) else None

    def request(self, choice: str) -> None:
        difference = self.current()
        if difference is not None:
            self.resolve_requested.emit(difference, choice)

    def _on_comment(self) -> None:
        difference = self.current()
        if difference is not None and self.comment.text().strip():
            self.comment_requested.emit(difference, self.comment.text().strip())

    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.differences):
            self.difference_selected.emit(self.differences[row])


def f1_bars(agreement: Agreement) -> BarChart:
    """F1 per label as horizontal bars (a full bar is 1.0): people look rather than read."""
    rows = sorted((label, counts.f1) for label, counts in agreement.by_label.items())
    return BarChart([(label, f1, f"{f1:.2f}") for label, f1 in rows], "#2f7fd8", largest=1.0)


class CorpusDialog(QDialog):
    """The corpus figures: the summary, F1 per label as bars, and A's labels against B's
    (token counts) as a heat map."""

    def __init__(self, a: str, b: str, agreement: Agreement, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Agreement: {b} against {a}")
        figures = agreement.as_dict()
        layout = QVBoxLayout(self)
        self.summary = plain_label(
            f"{figures['n_docs']} document(s) · exact F1 {figures['exact_f1']:.3f} · overlap F1 "
            f"{figures['overlap_f1']:.3f} · token kappa {figures['token_kappa']:.3f} · "
            f"Krippendorff's alpha {figures['krippendorff_alpha']:.3f}"
        )
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("F1 per label"))
        layout.addWidget(f1_bars(agreement))
        layout.addWidget(plain_label(f"Tokens: {a}'s label (rows) against {b}'s (columns)"))
        confusion = agreement.confusion()
        labels = sorted({x for x, _ in confusion} | {y for _, y in confusion}, key=lambda v: (v == "O", v))
        self.heat = QTableWidget(len(labels), len(labels))
        self.heat.setHorizontalHeaderLabels(labels)
        self.heat.setVerticalHeaderLabels(labels)
        peak = max((n for (x, y), n in confusion.items() if x != "O" or y != "O"), default=1)
        for row, x in enumerate(labels):
            for column, y in enumerate(labels):
                count = confusion.get((x, y), 0)
                item = QTableWidgetItem(str(count))
                strength = 0.0 if x == y == "O" else min(1.0, count / peak)
                colour = QColor("#3aa655" if x == y else "#d64541")
                colour.setAlphaF(0.15 + 0.75 * strength if count else 0.0)
                item.setBackground(colour)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.heat.setItem(row, column, item)
        self.heat.resizeColumnsToContents()
        layout.addWidget(self.heat)
        self.resize(620, 520)
