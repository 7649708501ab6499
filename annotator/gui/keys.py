"""The window's keys reach it from every panel: a text field keeps the keys of typing and
editing text, and gives the window its Ctrl and Alt shortcuts (Ctrl+E exports from the find
box, rather than moving its cursor to the end of the line)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

#: Keys a text field keeps even with Ctrl or Alt: editing and moving in the text.
TEXT_KEYS = (
    QKeySequence.StandardKey.Copy,
    QKeySequence.StandardKey.Cut,
    QKeySequence.StandardKey.Paste,
    QKeySequence.StandardKey.Undo,
    QKeySequence.StandardKey.Redo,
    QKeySequence.StandardKey.SelectAll,
)
MOVING = {
    Qt.Key.Key_Left,
    Qt.Key.Key_Right,
    Qt.Key.Key_Up,
    Qt.Key.Key_Down,
    Qt.Key.Key_Home,
    Qt.Key.Key_End,
    Qt.Key.Key_Backspace,
    Qt.Key.Key_Delete,
    Qt.Key.Key_Insert,
}
COMMAND = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


class PanelShortcuts(QObject):
    """An application event filter for one window: a Ctrl/Alt key pressed in one of its text
    fields that is not a text key is left to the window's shortcuts."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        if not isinstance(watched, (QLineEdit, QAbstractSpinBox)) or watched.window() is not self.window:
            return False
        assert isinstance(event, QKeyEvent)
        if not event.modifiers() & COMMAND or event.key() in MOVING:
            return False
        if any(event.matches(key) for key in TEXT_KEYS):
            return False
        event.ignore()
        return True  # not taken by the field: the window's shortcut fires
