"""Review > Time spent: each person's active time as bars (pauses over five minutes cut), their
actions per hour, and the open article's time per person; from the project's history
(:mod:`annotator.worktime`)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from annotator.gui.charts import BarChart
from annotator.worktime import IDLE_SECONDS, WorkTime, hours


class WorkDialog(QDialog):
    def __init__(self, work: dict[str, WorkTime], document_id: int | None, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Time spent")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Active time from the project's history: pauses over {IDLE_SECONDS // 60} minutes are not counted."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        people = sorted(work.values(), key=lambda w: -w.seconds)
        layout.addWidget(QLabel("<b>Each person</b>"))
        self.people = BarChart(
            [
                (w.annotator, w.seconds, f"{hours(w.seconds)} · {w.per_hour:.0f} actions/hour · {len(w.documents)} article(s)")
                for w in people
            ]
        )
        layout.addWidget(self.people)
        self.article = None
        if document_id is not None:
            rows = [
                (w.annotator, w.documents[document_id], hours(w.documents[document_id]))
                for w in people
                if w.documents.get(document_id)
            ]
            layout.addWidget(QLabel(f"<b>This article</b>: {title}" if rows else "No time on this article yet."))
            if rows:
                self.article = BarChart(rows, "#d9822b")
                layout.addWidget(self.article)
        if not people:
            layout.addWidget(QLabel("Nobody has decided anything in this project yet."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())
