"""Dialogs: the shortcuts sheet, the import report, the annotator's name."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QInputDialog,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from annotator.gui.text import plain_label
from annotator.importing import ImportReport


class ShortcutsDialog(QDialog):
    """Every key of the window, generated from the schema and the actions (F1)."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Action"])
        self.table.verticalHeader().hide()
        for row, (keys, action) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(action))
        self.table.resizeColumnToContents(0)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(680, 640)


class ImportReportDialog(QDialog):
    """What an import did, and every file or line it refused, with the reason."""

    def __init__(self, report: ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        layout = QVBoxLayout(self)
        summary = plain_label(report.summary())
        summary.setWordWrap(True)
        layout.addWidget(summary)
        lines = []
        for result in report.rejected_files:
            lines.append(f"Rejected {result.path} (nothing imported from it):")
            lines.extend(f"  {rejection}" for rejection in result.rejections)
            hidden = result.rejected_count - len(result.rejections)
            if hidden > 0:
                lines.append(f"  ... and {hidden} more problem(s) in this file")
        for result in report.imported_files:
            lines.extend(f"Warning: {result.path}: {warning}" for warning in result.warnings)
        self.details = QPlainTextEdit("\n".join(lines) if lines else "Nothing was rejected.")
        self.details.setReadOnly(True)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)
        self.resize(720, 360 if lines else 160)


def ask_annotator_name(parent: QWidget | None, current: str) -> str | None:
    name, ok = QInputDialog.getText(
        parent, "Your name", "The name your decisions are saved under:", text=current
    )
    name = name.strip()
    return name if ok and name else None
