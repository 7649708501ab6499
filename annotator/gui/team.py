"""A server project in the window: colleagues' changes shown as they happen (LISTEN/NOTIFY on a
connection of its own, in a thread), a lost server said in the status bar, and "next assigned
article"."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from annotator.errors import AnnotatorError


class ChangesListener(QObject):
    """Listens to a server project's notifications on a thread of its own; each arrives on the
    GUI thread as ``changed(dict)``; connection trouble as ``status(str)``."""

    changed = Signal(dict)
    status = Signal(str)

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._stop = threading.Event()
        self.thread = QThread()
        self.moveToThread(self.thread)
        self.thread.started.connect(self.run)

    def run(self) -> None:
        from annotator.store.postgres import listen

        listen(self.url, self.changed.emit, self._stop.is_set, self.status.emit)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.quit()
        self.thread.wait(3000)


class TeamFlows:
    """Part of :class:`annotator.gui.app.MainWindow`."""

    listener: ChangesListener | None = None

    def start_listening(self) -> None:
        """On a server project, follow what colleagues change (nothing on a project file)."""
        self.stop_listening()
        if not getattr(self.store, "server", False):
            return
        self.listener = ChangesListener(self.store.path)
        self.listener.changed.connect(self.on_server_change)
        self.listener.status.connect(lambda message: self.say(message, error="lost" in message))
        self.listener.start()

    def stop_listening(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None

    def on_server_change(self, change: dict[str, Any]) -> None:
        """A change on the server: this window's own writes are already shown; a colleague's
        refresh the list's rows, and the article if it is the one open (where the analyst
        was: selection and scroll kept)."""
        try:
            own = self.store.conn.raw.info.backend_pid
        except Exception:  # noqa: BLE001 - the project was closed meanwhile
            return
        if change.get("pid") == own:
            return
        documents = change.get("documents")
        if documents is None or (change.get("table") == "documents" and change.get("op") in ("INSERT", "DELETE")):
            self.documents.apply_filters()  # new or removed articles, or too many to say
        else:
            for document_id in documents:
                self._list_stale.add(document_id)
            self._list_timer.start()
        here = self.document_id
        if here is None or self.reviewing or (documents is not None and here not in documents):
            return
        # after a reconnection, what changed meanwhile is unknown: redrawn, the message
        # saying "reconnected" kept
        self._reload_open_document(None if change.get("op") == "RECONNECT" else change.get("by") or "a colleague")

    def _reload_open_document(self, by: str | None) -> None:
        try:
            self.store.document(self.document_id)
        except AnnotatorError:
            self.say(f"{by or 'A colleague'} removed this article", error=True)
            return
        selected = self.view.selected_id
        scroll = self.view.verticalScrollBar().value()
        self.open_document(self.document_id)
        self.view.verticalScrollBar().setValue(scroll)
        if selected is not None and selected in self.view.spans:
            self.select_span(selected, reveal=False)
        if by is not None and by != self.editor.annotator:
            self.say(f"{by} changed this article: it is shown as it is now")

    def open_next_assignment(self) -> None:
        """Go > Next assigned article (Ctrl+Shift+N): the analyst's unfinished article, else a
        new one taken for them (each to as many people as the project's overlap)."""
        try:
            document_id = self.store.next_assignment(self.editor.annotator)
        except AnnotatorError as e:
            self.say(str(e), error=True)
            return
        if document_id is None:
            self.say("No article left for you: every article has its people")
            return
        self.documents.select(document_id)
        QTimer.singleShot(0, lambda: self.open_document(document_id) if self.document_id != document_id else None)
        self.say(f"Your next article: {self.store.document(document_id).title}")
