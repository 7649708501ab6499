"""File > Export: the command line's choices in a dialog, run in the background with a progress
bar and Cancel, and a button that opens the folder when done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import DOCUMENT_STATUSES, LAYERS, Selection
from annotator.formats import FORMATS, WRITABLE, default_path
from annotator.gui.background import Runner
from annotator.gui.text import parse_pairs
from annotator.store import Store


def _checklist(values: list[str], checked: bool = False) -> QListWidget:
    widget = QListWidget()
    for value in values:
        item = QListWidgetItem(value)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.setMaximumHeight(min(120, 22 * max(1, len(values)) + 6))
    return widget


def _checked(widget: QListWidget) -> tuple[str, ...]:
    return tuple(
        widget.item(row).text()
        for row in range(widget.count())
        if widget.item(row).checkState() == Qt.CheckState.Checked
    )


class ExportDialog(QDialog):
    """Emits ``done`` with the report (or the error) when an export ends."""

    done = Signal(object)

    def __init__(self, store: Store, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.store = store
        self.folder = folder
        self.runner = Runner(self)
        self.runner.progress.connect(self._on_progress)
        self.last_folder: Path | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.format_combo = QComboBox()
        for name in WRITABLE:
            self.format_combo.addItem(FORMATS[name].title, name)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        form.addRow("Format", self.format_combo)
        path_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("Save to", path_row)

        self.annotator_combo = QComboBox()
        self.annotator_combo.addItem("Everyone's decisions", None)
        self.annotator_combo.addItem("Gold (adjudicated)", "__gold__")
        for row in store.annotators():
            self.annotator_combo.addItem(row["name"], row["name"])
        form.addRow("Spans of", self.annotator_combo)
        self.suggestions = QCheckBox("Undecided suggestions too")
        self.rejected = QCheckBox("Rejected spans too")
        form.addRow("", self.suggestions)
        form.addRow("", self.rejected)
        self.labels = _checklist(list(store.schema.labels))
        self.labels.setToolTip("None checked: every label")
        form.addRow("Labels", self.labels)
        self.layers = _checklist(list(LAYERS))
        form.addRow("Layers", self.layers)
        self.statuses = _checklist(list(DOCUMENT_STATUSES))
        self.statuses.setToolTip("None checked: documents of any status")
        form.addRow("Documents", self.statuses)
        self.attributes = QLineEdit()
        self.attributes.setPlaceholderText("agency=KCNA (spans with these attribute values; commas between)")
        form.addRow("Attributes", self.attributes)
        self.published = QLineEdit()
        self.published.setPlaceholderText("2024-05 (documents published beginning so)")
        form.addRow("Published", self.published)
        self.excel = QCheckBox("Byte-order mark for spreadsheet programs (accents)")
        self.excel.setChecked(True)
        self.raw = QCheckBox("Keep formula-like cells as they are (machine pipelines)")
        self.documents = QCheckBox("Also one row per document (<name>.documents.csv)")
        self.split = QDoubleSpinBox()
        self.split.setRange(0.0, 0.95)
        self.split.setSingleStep(0.05)
        self.split.setSpecialValueText("no split (one .spacy file)")
        self.split.setToolTip("Share of documents in train.spacy; the rest in dev.spacy")
        self.span_key = QLineEdit("sc")
        self.format_options = {
            "csv": [self.excel, self.raw, self.documents],
            "spacy": [self.split, self.span_key],
        }
        form.addRow("", self.excel)
        form.addRow("", self.raw)
        form.addRow("", self.documents)
        form.addRow("Train share", self.split)
        form.addRow("Span key", self.span_key)
        self.split.valueChanged.connect(self._update_path)
        layout.addLayout(form)

        self.progress = QProgressBar()
        self.progress.hide()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)
        buttons = QHBoxLayout()
        self.open_button = QPushButton("Open folder")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_folder)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self._format_changed()

    # -- choices ---------------------------------------------------------------------------

    @property
    def format_name(self) -> str:
        return self.format_combo.currentData()

    def _format_changed(self) -> None:
        for name, widgets in self.format_options.items():
            for widget in widgets:
                widget.setEnabled(name == self.format_name)
        self._update_path()

    def _update_path(self) -> None:
        split = self.split.value() or None if self.format_name == "spacy" else None
        self.path_edit.setText(str(default_path(self.format_name, self.folder, split)))

    def _browse(self) -> None:
        if self.format_name == "brat" or (self.format_name == "spacy" and self.split.value()):
            path = QFileDialog.getExistingDirectory(self, "Export to folder", str(self.folder))
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text())
        if path:
            self.path_edit.setText(path)

    def selection(self) -> Selection:
        who = self.annotator_combo.currentData()
        return Selection(
            annotators=(who,) if who and who != "__gold__" else (),
            gold=who == "__gold__",
            include_suggestions=self.suggestions.isChecked(),
            include_rejected=self.rejected.isChecked(),
            labels=_checked(self.labels),
            layers=_checked(self.layers),
            document_statuses=_checked(self.statuses),
            attributes=tuple(parse_pairs(self.attributes.text()).items()),
            published=self.published.text().strip(),
        )

    def preset(
        self,
        label: str | None = None,
        attributes: dict[str, str] | None = None,
        published: str | None = None,
        annotator: str | None = None,
    ) -> None:
        """Fill the filters (what the Segments panel found, to export in any format)."""
        for row in range(self.labels.count()):
            item = self.labels.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.text() == label else Qt.CheckState.Unchecked)
            if item.text() == label:
                self.labels.scrollToItem(item)
        self.attributes.setText(", ".join(f"{k}={v}" for k, v in (attributes or {}).items()))
        self.published.setText(published or "")
        if annotator:
            self.annotator_combo.setCurrentIndex(max(0, self.annotator_combo.findData(annotator)))

    def options(self) -> dict[str, Any]:
        return {
            "excel": self.excel.isChecked(),
            "raw": self.raw.isChecked(),
            "documents": self.documents.isChecked(),
            "split": (self.split.value() or None) if self.format_name == "spacy" else None,
            "span_key": self.span_key.text().strip() or "sc",
        }

    # -- running ---------------------------------------------------------------------------

    def start(self) -> None:
        out = Path(self.path_edit.text()).expanduser()
        from annotator.gui.workers import ExportWorker

        worker = ExportWorker(self.store.path, self.format_name, out, self.selection(), self.options())
        if not self.runner.start(worker, self._on_finished):
            return
        self.progress.setRange(0, 0)
        self.progress.show()
        self.result.setText("Exporting…")
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _on_finished(self, report: Any) -> None:
        self.progress.hide()
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")
        if isinstance(report, Exception):
            self.result.setText(f"Not exported: {report}")
        else:
            warnings = (
                f"\n{len(report.warnings)} warning(s), e.g. {report.warnings[0]}" if report.warnings else ""
            )
            self.result.setText(report.summary() + warnings)
            first = report.paths[0]
            self.last_folder = first if first.is_dir() else first.parent
            self.open_button.setEnabled(True)
        self.done.emit(report)

    def _cancel_or_close(self) -> None:
        if self.runner.busy():
            self.runner.cancel()
        else:
            self.reject()

    def open_folder(self) -> None:
        if self.last_folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_folder)))

    def done_waiting(self, timeout_ms: int = 60_000) -> bool:
        return self.runner.wait(timeout_ms)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        self.runner.stop()
        super().closeEvent(event)
