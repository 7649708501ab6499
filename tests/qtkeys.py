"""Helpers the window tests share: a window shown with the keys in its article, and answers
to a popup menu whose exec() blocks the test."""

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from annotator.gui.app import MainWindow


def shown_window(qtbot, store, settings_path, annotator="ana", document_id=None):
    """The real window on ``store``, shown, the article (``document_id``'s) holding the keys."""
    window = MainWindow(store, annotator, QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    if document_id is not None:
        window.open_document(document_id)
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    return window


def answer_menu(keys, tries=200):
    """Press ``keys`` in the popup menus as they open (menu.exec blocks the test)."""
    pending = list(keys)

    def step(left=tries):
        popup = QApplication.activePopupWidget()
        if popup is None:
            if left:
                QTimer.singleShot(10, lambda: step(left - 1))
            return
        QTest.keyClick(popup, pending.pop(0))
        if pending:
            QTimer.singleShot(10, step)

    QTimer.singleShot(10, step)


def listed_spans(window: MainWindow) -> list:
    """The spans of the side panel's list, row by row, as its Qt model gives them to the view."""
    model = window.side.span_model
    ids = [model.data(model.index(row), Qt.ItemDataRole.UserRole) for row in range(model.rowCount())]
    return [window.side.spans[span_id] for span_id in ids]
