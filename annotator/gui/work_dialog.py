"""Review > Time spent: each person's active time as bars (pauses over five minutes cut), their
actions per hour, and the open article's time per person; from the project's history
(:mod:`annotator.worktime`)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from annotator.worktime import IDLE_SECONDS, WorkTime, hours

BAR = 22
LABEL_WIDTH = 110


class BarChart(QWidget):
    """Horizontal bars: a name, a bar as long as its share of the largest, the value in words."""

    def __init__(self, rows: list[tuple[str, float, str]], colour: str = "#5b9bd5") -> None:
        super().__init__()
        self.rows = rows
        self.colour = QColor(colour)
        self.setMinimumHeight(max(1, len(rows)) * (BAR + 6) + 4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(560, self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text = self.palette().text().color()
        largest = max((value for _, value, _ in self.rows), default=0.0) or 1.0
        metrics = QFontMetricsF(self.font())
        words_width = max((metrics.horizontalAdvance(words) for _, _, words in self.rows), default=0.0)
        room = max(10.0, self.width() - LABEL_WIDTH - words_width - 16)
        for index, (name, value, words) in enumerate(self.rows):
            top = 2 + index * (BAR + 6)
            painter.setPen(text)
            painter.drawText(
                QRectF(0, top, LABEL_WIDTH - 8, BAR), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name
            )
            width = max(2.0, room * value / largest)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self.colour)
            painter.drawRoundedRect(QRectF(LABEL_WIDTH, top + 3, width, BAR - 6), 3, 3)
            painter.setPen(text)
            painter.drawText(
                QRectF(LABEL_WIDTH + width + 8, top, words_width + 4, BAR), Qt.AlignmentFlag.AlignVCenter, words
            )
        painter.end()


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
