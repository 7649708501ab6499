"""The article: read-only plain text with the spans drawn over it.

- Entity spans: a background in the label's colour, pale with a dashed outline for an
  undecided suggestion, strong for a decision. The label names of the entities on each line
  stand as chips in the right margin.
- Analysis spans (CLAIM, QUOTE, SOURCE): an underline in the label's colour (one lane each
  where they overlap) and a bracket in the left margin, so that they stay visible over
  entities and over each other.
- The selected span has a solid outline.
- Links: arcs from head to tail (:mod:`annotator.gui.arcs`), the selected span's or all.

Spans are painted, not stored as character formats in Qt's document: a format change makes Qt
lay the paragraph out again (6 ms for a dense one), while painting costs only what is on
screen. Opening an article or changing a span therefore never touches the text layout.

Offsets from and to the core are characters (code points); Qt counts UTF-16 units, and its
document turns "\r\n" into one paragraph break, so every conversion goes through
:class:`Offsets`.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QRegion,
    QTextBlock,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QToolTip, QWidget

from annotator.domain import ANALYSIS, Label, Span, assign_lanes, utf16_positions
from annotator.gui.arcs import Arc, paint_arcs
from annotator.gui.text import plain_tooltip
from annotator.session import MANY_CHANGES, OpenDocument

LEFT_MARGIN = 34
RIGHT_MARGIN = 150
LANE_WIDTH = 6




def display_text(text: str) -> str:
    """The text as Qt is given it: "\\r\\n" would become one position in Qt's document, so its
    "\\r" is shown as a space; every other character keeps its length."""
    return text.replace("\r\n", " \n")


class Offsets:
    """Character offsets (code points) <-> Qt document positions (UTF-16 units)."""

    def __init__(self, text: str) -> None:
        self.to_qt = utf16_positions(text)
        self._identity = self.to_qt(len(text)) == len(text)
        if not self._identity:
            self._table = [self.to_qt(i) for i in range(len(text) + 1)]

    def from_qt(self, position: int) -> int:
        if self._identity:
            return position
        return bisect.bisect_left(self._table, position)


class ScreenLine(NamedTuple):
    """A visual line on screen: characters ``start``-``end`` and where they are drawn."""

    start: int
    end: int
    rect: QRectF
    block: QTextBlock
    index: int


def span_tooltip(span: Span) -> str:
    attributes = ", ".join(f"{key} = {value}" for key, value in span.attributes.items())
    tip = f"{span.label} · {span.status} · {span.annotator} ({span.origin})"
    return tip + (f"\n{attributes}" if attributes else "") + (f"\n{span.note}" if span.note else "")


class _Margin(QWidget):
    def __init__(self, view: ArticleView, side: str) -> None:
        super().__init__(view)
        self.view = view
        self.side = side

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(event.rect(), self.palette().window())
        if self.side == "left":
            self.view.paint_left_margin(painter)
        else:
            self.view.paint_right_margin(painter, event.region())


class ArticleView(QPlainTextEdit):
    span_clicked = Signal(int)

    def __init__(self, model: OpenDocument | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        #: The open article this view draws (shared with the side panel's list).
        self.model = model if model is not None else OpenDocument()
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabChangesFocus(False)
        font = QFont()
        font.setPointSize(13)
        self.setFont(font)
        self.setCursorWidth(2)
        self.text = ""
        self.offsets = Offsets("")
        self.labels: dict[str, Label] = {}
        self._lanes: dict[int, int] = {}
        #: Review mode: span id -> kind of difference (drawn as a bar under it) and -> "A"/"B".
        self.review_marks: dict[int, str] = {}
        self.review_sides: dict[int, str] = {}
        self.review_colours: dict[str, str] = {}
        #: The links drawn as arcs (the window sets them: the selected span's, or all).
        self.arcs: list[Arc] = []
        self._lines_key: tuple = ()
        self._lines: list[ScreenLine] = []
        self._line_ends: list[int] = []
        self._left = _Margin(self, "left")
        self._right = _Margin(self, "right")
        self.setViewportMargins(LEFT_MARGIN, 0, RIGHT_MARGIN, 0)
        self.updateRequest.connect(self._on_update_request)

    # -- content ---------------------------------------------------------------------------

    def set_review(self, marks: dict[int, str], sides: dict[int, str], colours: dict[str, str]) -> None:
        """Draw each span's kind of difference under it, B's spans outlined (empty: no review)."""
        self.review_marks, self.review_sides, self.review_colours = marks, sides, colours
        self.viewport().update()
        self._right.update()

    # The model's state, read where the window and tests look for it.
    @property
    def spans(self) -> dict[int, Span]:
        return self.model.spans

    @property
    def undecided(self) -> int:
        return self.model.undecided

    @property
    def selected_id(self) -> int | None:
        return self.model.selected_id

    def set_document(
        self, text: str, spans: Iterable[Span], labels: dict[str, Label], document_id: int | None = None
    ) -> None:
        """Show ``text`` (always as plain text) with ``spans`` drawn over it (the model is
        loaded with them)."""
        self.text = text
        self.offsets = Offsets(text)
        self.labels = labels
        self.setPlainText(display_text(text))
        self.model.load(document_id, text, spans)
        self._assign_lanes()
        self.viewport().update()

    def spans_changed(self, touched: list[Span]) -> None:
        """The model took an action's changes (``touched``: the spans before and after): only
        the places they occupy on screen are repainted."""
        if any(span.layer == ANALYSIS for span in touched):
            self._assign_lanes()
            self._left.update()
        self._repaint_spans(touched)

    def _repaint_spans(self, spans: Iterable[Span]) -> None:
        """Schedule a repaint of where ``spans`` are on screen: text, outlines, margins (all of
        the screen when many changed at once: a screen is cheaper than a search per span)."""
        spans = list(spans)
        if len(spans) > MANY_CHANGES:
            for widget in (self.viewport(), self._left, self._right):
                widget.update()
            return
        lines = self.lines_on_screen()
        width = self.viewport().width()
        for span in spans:
            for line in lines:
                if line.start < span.end and span.start < line.end or line.start <= span.start < line.end:
                    row = line.rect.toAlignedRect()
                    self.viewport().update(QRect(0, row.top() - 2, width, row.height() + 4))
                    self._left.update(QRect(0, row.top() - 2, LEFT_MARGIN, row.height() + 4))
                    self._right.update(QRect(0, row.top() - 2, RIGHT_MARGIN, row.height() + 4))

    def _assign_lanes(self) -> None:
        analysis = [s for s in self.model.order if s.layer == ANALYSIS]
        self._lanes = dict(
            zip((s.id for s in analysis), assign_lanes([(s.start, s.end) for s in analysis]), strict=True)
        )

    def _cursor(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_qt(start))
        cursor.setPosition(self.offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        return cursor

    # -- selection -------------------------------------------------------------------------

    def char_selection(self) -> tuple[int, int] | None:
        """The selected characters as (start, end) offsets, or None."""
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        return self.offsets.from_qt(cursor.selectionStart()), self.offsets.from_qt(cursor.selectionEnd())

    def select_range(self, start: int, end: int) -> None:
        """Select characters (a search hit, someone else's span) and bring them into view."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self.offsets.to_qt(min(start, len(self.text))))
        cursor.setPosition(self.offsets.to_qt(min(end, len(self.text))), QTextCursor.MoveMode.KeepAnchor)
        self.setTextCursor(cursor)
        self.centerCursor()

    def select_span(self, span_id: int | None, reveal: bool = True) -> None:
        """Mark a span as the selected one and (``reveal``) bring it into view, which clears any
        text selection; without ``reveal`` the text cursor and the scroll position stay."""
        previous = self.model.select(span_id)
        if self.selected_id is not None and not reveal:
            self._repaint_spans([self.spans[self.selected_id]])
        elif self.selected_id is not None:
            span = self.spans[self.selected_id]
            cursor = QTextCursor(self.document())
            cursor.setPosition(self.offsets.to_qt(span.start))
            self.setTextCursor(cursor)
            self.ensureCursorVisible()
            self._repaint_spans([span])
        if previous is not None:
            self._repaint_spans([previous])

    def span_at(self, offset: int) -> Span | None:
        return self.model.at(offset)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseReleaseEvent(event)
        if event.button() == Qt.MouseButton.LeftButton and not self.textCursor().hasSelection():
            position = self.cursorForPosition(event.position().toPoint()).position()
            span = self.span_at(self.offsets.from_qt(position))
            if span is not None:
                self.span_clicked.emit(span.id)

    def viewportEvent(self, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == event.Type.ToolTip:
            position = self.cursorForPosition(event.pos()).position()
            span = self.span_at(self.offsets.from_qt(position))
            if span is not None:
                QToolTip.showText(event.globalPos(), plain_tooltip(span_tooltip(span)), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # -- geometry --------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        rect = self.contentsRect()
        self._left.setGeometry(QRect(rect.left(), rect.top(), LEFT_MARGIN, rect.height()))
        self._right.setGeometry(
            QRect(rect.right() - RIGHT_MARGIN + 1, rect.top(), RIGHT_MARGIN, rect.height())
        )

    def _on_update_request(self, rect: QRect, dy: int) -> None:
        """Keep the margins in step with the text: scrolled with it, repainted where it is."""
        if dy:
            self._left.scroll(0, dy)
            self._right.scroll(0, dy)
        elif rect.width() > 0:
            self._left.update(0, rect.y(), LEFT_MARGIN, rect.height())
            self._right.update(0, rect.y(), RIGHT_MARGIN, rect.height())

    def lines_on_screen(self) -> list[ScreenLine]:
        """:meth:`visible_lines`, computed once for the text, margins and outlines of a frame."""
        key = (
            self.verticalScrollBar().value(),
            self.horizontalScrollBar().value(),
            self.document().revision(),
            self.viewport().width(),
            self.viewport().height(),
            self.font().pointSizeF(),
        )
        if self._lines_key != key:
            self._lines_key, self._lines = key, list(self.visible_lines())
            self._line_ends = [line.end for line in self._lines]
        return self._lines

    def visible_lines(self) -> Iterator[ScreenLine]:
        """Each visual line on screen: its characters and its rectangle in the viewport."""
        block = self.firstVisibleBlock()
        offset = self.contentOffset()
        height = self.viewport().height()
        while block.isValid():
            geometry = self.blockBoundingGeometry(block).translated(offset)
            if geometry.top() > height:
                break
            layout = block.layout()
            for index in range(layout.lineCount()):
                line = layout.lineAt(index)
                top = geometry.top() + line.y()
                if top > height:
                    break
                start = block.position() + line.textStart()
                yield ScreenLine(
                    self.offsets.from_qt(start),
                    self.offsets.from_qt(start + line.textLength()),
                    QRectF(line.x(), top, line.naturalTextWidth(), line.height()),
                    block,
                    index,
                )
            block = block.next()

    def _segments(self, span: Span, lines: list[ScreenLine]) -> Iterator[QRectF]:
        """Rectangles of a span on the visible lines (``lines`` from :meth:`lines_on_screen`)."""
        first = bisect.bisect_right(self._line_ends, span.start) if lines is self._lines else 0
        x_offset = self.contentOffset().x()
        to_qt = self.offsets.to_qt
        for line in lines[first:]:
            if line.start >= span.end:
                break
            if span.start >= line.end:
                continue
            text_line = line.block.layout().lineAt(line.index)
            origin = line.block.position()
            x1 = text_line.cursorToX(to_qt(max(span.start, line.start)) - origin)[0]
            x2 = text_line.cursorToX(to_qt(min(span.end, line.end)) - origin)[0]
            yield QRectF(x1 + x_offset, line.rect.top(), x2 - x1, line.rect.height())

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        region = event.region()
        # Only the lines Qt asked to repaint (after an edit, one or two).
        lines = [line for line in self.lines_on_screen() if region.intersects(line.rect.toAlignedRect())]
        visible = []
        if lines:
            visible = [
                s for s in self.model.between(lines[0][0], lines[-1][1] + 1) if s.label in self.labels
            ]
        segments = {span.id: list(self._segments(span, lines)) for span in visible}
        # Under the text: the entities' backgrounds.
        painter = QPainter(self.viewport())
        for span in visible:
            if span.layer == ANALYSIS:
                continue
            colour = QColor(self.labels[span.label].colour)
            colour.setAlphaF(0.22 if self._pale(span) else 0.5)
            for rect in segments[span.id]:
                painter.fillRect(rect, colour)
        painter.end()
        super().paintEvent(event)
        # Over the text: analysis underlines, suggestion outlines, the selected span.
        painter = QPainter(self.viewport())
        for span in visible:
            label = self.labels[span.label]
            selected = span.id == self.selected_id
            if span.layer == ANALYSIS:
                colour = QColor(label.colour)
                if span.status == "suggested":
                    colour.setAlphaF(0.5)
                lane = self._lanes.get(span.id, 0)
                for rect in segments[span.id]:
                    y = rect.bottom() - 1 - 3 * lane
                    painter.fillRect(QRectF(rect.left(), y - 1, rect.width(), 2), colour)
            elif self._pale(span) and not selected:
                # square and not antialiased: a dashed antialiased outline doubles a repaint
                painter.setPen(QPen(QColor(label.colour), 1, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for rect in segments[span.id]:
                    painter.drawRect(rect.adjusted(-1, 0, 0, -1))
            if selected:
                painter.setPen(QPen(self.palette().text().color(), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                for rect in segments[span.id]:
                    painter.drawRect(rect.adjusted(-1, 0, 1, 0))
            kind = self.review_marks.get(span.id)
            if kind is not None:
                bar = QColor(self.review_colours.get(kind, "#888888"))
                offset = 0 if self.review_sides.get(span.id) == "A" else 3
                for rect in segments[span.id]:
                    painter.fillRect(QRectF(rect.left(), rect.bottom() - 3 - offset, rect.width(), 2.5), bar)
        if self.arcs:
            paint_arcs(self, painter, self.arcs)
        painter.end()

    def set_arcs(self, arcs: list[Arc]) -> None:
        """Draw these links (those whose two spans the article shows); the whole text is
        repainted only when they change, since an arc crosses lines."""
        arcs = [arc for arc in arcs if arc.head_id in self.spans and arc.tail_id in self.spans]
        if arcs != self.arcs:
            self.arcs = arcs
            self.viewport().update()

    def _pale(self, span: Span) -> bool:
        """Drawn pale with a dashed outline: an undecided suggestion, or B's span in a review."""
        return self.review_sides.get(span.id) == "B" if self.review_sides else span.status == "suggested"

    def paint_left_margin(self, painter: QPainter) -> None:
        """Analysis spans as brackets, one lane each where they overlap."""
        lines = self.lines_on_screen()
        if not lines:
            return
        first, last = lines[0][0], lines[-1][1]
        for span in self.model.between(first, last + 1):
            if span.layer != ANALYSIS or span.label not in self.labels:
                continue
            rects = [line.rect for line in lines if span.start < line.end and span.end > line.start]
            if not rects:
                continue
            colour = QColor(self.labels[span.label].colour)
            if span.status == "suggested":
                colour.setAlphaF(0.45)
            x = LEFT_MARGIN - 6 - LANE_WIDTH * (self._lanes.get(span.id, 0) + 1)
            top, bottom = rects[0].top() + 2, rects[-1].bottom() - 2
            painter.fillRect(QRectF(x, top, LANE_WIDTH - 2, bottom - top), colour)
            if span.id == self.selected_id:
                painter.setPen(QPen(self.palette().text().color(), 1.5))
                painter.drawRect(QRectF(x - 1, top - 1, LANE_WIDTH, bottom - top + 2))

    def paint_right_margin(self, painter: QPainter, area: QRegion | None = None) -> None:
        """The labels of the spans that start on each line, as coloured chips."""
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.62))
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        text_colour = self.palette().text().color()
        widths: dict[str, float] = {}
        for start, end, rect, _block, _index in self.lines_on_screen():
            if area is not None and not area.intersects(
                QRect(0, int(rect.top()), RIGHT_MARGIN, int(rect.height()) + 1)
            ):
                continue
            x = 6.0
            # the spans that start on this line: a slice of the start-ordered index
            starts = self.model.starts
            first, last = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
            for span in self.model.order[first:last]:
                if span.label not in self.labels:
                    continue
                text = span.label if not self._pale(span) else span.label.lower()
                if self.review_sides:
                    text = f"{self.review_sides.get(span.id, '')}·{text}"
                width = widths.get(text)
                if width is None:
                    width = widths[text] = metrics.horizontalAdvance(text) + 8
                if x + width > RIGHT_MARGIN - 4:
                    painter.setPen(text_colour)
                    painter.drawText(QPointF(x, rect.top() + metrics.ascent() + 2), "…")
                    break
                colour = QColor(self.labels[span.label].colour)
                chip = QRectF(x, rect.top() + 2, width, metrics.height())
                if self._pale(span):
                    painter.setPen(QPen(colour, 1, Qt.PenStyle.DashLine))
                    painter.setBrush(Qt.BrushStyle.NoBrush)
                else:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(colour)
                painter.drawRoundedRect(chip, 3, 3)
                painter.setPen(text_colour if self._pale(span) else QColor("white"))
                painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
                x += width + 3

