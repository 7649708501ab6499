"""Links drawn in the article: an arc from the head span to the tail span (a quote to its
speaker, a claim to its source), with an arrowhead at the tail and the link's name at its top.

The arc rises above the text between the two spans' first lines on screen; a span scrolled out
of view is reached at the top or bottom edge. Its colour is the head's label colour, dashed
while either end is an undecided suggestion, and the name sits on a patch of the window's base
colour, so that it reads in light and dark palettes. Only the arcs of the selected span are
drawn, or all the article's with View > Show all links.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from annotator.domain import Span

#: The article view (annotator.gui.article_view.ArticleView, which imports this module).
ArticleView = Any


class Arc(NamedTuple):
    head_id: int
    tail_id: int
    label: str


def _first_piece(view: ArticleView, span: Span) -> QRectF | None:
    """The span's first piece on screen; None when it is not on screen."""
    for rect in view._segments(span, view.lines_on_screen()):
        return rect
    return None


def _edge(view: ArticleView, span: Span, x: float) -> QPointF:
    """Where an arc leaves the screen toward a span out of view: the top or bottom edge."""
    lines = view.lines_on_screen()
    above = not lines or span.end <= lines[0].start
    return QPointF(x, -16.0 if above else view.viewport().height() + 16.0)


def paint_arcs(view: ArticleView, painter: QPainter, arcs: list[Arc]) -> None:
    spans = view.spans
    font = QFont(view.font())
    font.setPointSizeF(max(7.0, view.font().pointSizeF() * 0.6))
    metrics = QFontMetricsF(font)
    painter.setFont(font)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    base = QColor(view.palette().base().color())
    base.setAlphaF(0.88)
    for arc in arcs:
        head, tail = spans.get(arc.head_id), spans.get(arc.tail_id)
        if head is None or tail is None or head.label not in view.labels:
            continue
        head_piece, tail_piece = _first_piece(view, head), _first_piece(view, tail)
        if head_piece is None and tail_piece is None:
            continue
        start = QPointF(head_piece.center().x(), head_piece.top() + 1) if head_piece is not None else None
        end = QPointF(tail_piece.center().x(), tail_piece.top() + 2) if tail_piece is not None else None
        if start is None:
            start = _edge(view, head, end.x())
        if end is None:
            end = _edge(view, tail, start.x())
        colour = QColor(view.labels[head.label].colour)
        if tail_piece is not None:  # the tail outlined in the arc's colour: where it lands
            painter.setPen(QPen(colour, 1.2, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for rect in view._segments(tail, view.lines_on_screen()):
                painter.drawRoundedRect(rect.adjusted(-2, 0, 2, 0), 2, 2)
        pen = QPen(colour, 1.6)
        if "suggested" in (head.status, tail.status):
            pen.setStyle(Qt.PenStyle.DashLine)
        lift = 10 + min(36.0, abs(end.x() - start.x()) / 10 + abs(end.y() - start.y()) / 6)
        top = min(start.y(), end.y()) - lift
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), top), QPointF(end.x(), top), end)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        # the arrowhead, pointing down at the tail
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(
            QPolygonF([end, QPointF(end.x() - 4, end.y() - 7), QPointF(end.x() + 4, end.y() - 7)])
        )
        # the name, at the arc's highest point
        middle = path.pointAtPercent(0.5)
        width = metrics.horizontalAdvance(arc.label) + 6
        box = QRectF(middle.x() - width / 2, middle.y() - metrics.height() / 2, width, metrics.height())
        painter.setBrush(base)
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(colour.darker(115) if base.lightness() > 128 else colour.lighter(130))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, arc.label)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
