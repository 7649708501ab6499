"""Text from articles, files and colleagues is shown as plain text everywhere: one place that
makes a string safe for the widgets that would otherwise guess it is HTML."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally: tooltips render anything that looks like HTML
    (``<img src=...>`` in a title would be drawn, not shown), so it is escaped."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return "<p style='white-space:pre-wrap'>" + escaped.replace("'", "&#x27;").replace("\n", "<br>") + "</p>"


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def parse_pairs(text: str) -> dict[str, str]:
    """``agency=KCNA, kind=direct`` as a dict (a value may hold spaces; commas separate)."""
    pairs = {}
    for part in text.split(","):
        if "=" in part:
            key, value = part.split("=", 1)
            if key.strip():
                pairs[key.strip()] = value.strip()
    return pairs
