"""Bar charts the window draws: F1 per label (review), time per person, label frequencies."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

BAR = 22
LABEL_WIDTH = 110


class BarChart(QWidget):
    """Horizontal bars: a name, a bar as long as its share of the largest, the value in words."""

    def __init__(
        self,
        rows: list[tuple[str, float, str]],
        colour: str = "#5b9bd5",
        largest: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.rows = rows
        self.colour = QColor(colour)
        #: The value a full bar stands for (default: the largest value shown).
        self.largest = largest
        self.setMinimumHeight(max(1, len(rows)) * (BAR + 6) + 4)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(560, self.minimumHeight())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        text = self.palette().text().color()
        largest = self.largest or max((value for _, value, _ in self.rows), default=0.0) or 1.0
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
