"""Every icon of the window, by name, in one table (qtawesome), coloured from the palette.

qtawesome is imported on first use: its import costs more than showing the window, so the
window shows first and takes its icons a moment later (:func:`apply_icons`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import QApplication

ICONS = {
    "new": "mdi6.file-plus-outline",
    "open": "mdi6.folder-open-outline",
    "import": "mdi6.tray-arrow-down",
    "export": "mdi6.tray-arrow-up",
    "merge": "mdi6.call-merge",
    "review": "mdi6.compare-horizontal",
    "preannotate": "mdi6.robot-outline",
    "undo": "mdi6.undo",
    "redo": "mdi6.redo",
    "accept": "mdi6.check",
    "reject": "mdi6.close",
    "delete": "mdi6.delete-outline",
    "accept_all": "mdi6.check-all",
    "done_next": "mdi6.check-decagram-outline",
    "next": "mdi6.chevron-right",
    "previous": "mdi6.chevron-left",
    "save": "mdi6.content-save-check-outline",
    "shortcuts": "mdi6.keyboard-outline",
    "zoom_in": "mdi6.magnify-plus-outline",
    "zoom_out": "mdi6.magnify-minus-outline",
    "link": "mdi6.link-variant",
    "unlink": "mdi6.link-variant-off",
    "find": "mdi6.magnify",
    "search_corpus": "mdi6.text-search",
    "segments": "mdi6.format-quote-open-outline",
    "tag_all": "mdi6.tag-multiple-outline",
    "cancel": "mdi6.cancel",
}


def icon(name: str) -> QIcon:
    import qtawesome as qta

    app = QApplication.instance()
    colour = app.palette().color(QPalette.ColorRole.WindowText) if app else None
    return qta.icon(ICONS[name], color=colour) if colour is not None else qta.icon(ICONS[name])


def apply_icons(targets: Iterable[tuple[Any, str]]) -> None:
    """Give each action or button of ``(target, icon name)`` its icon."""
    for target, name in targets:
        target.setIcon(icon(name))
