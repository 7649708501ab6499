"""The project's flows in the window: new, open and recent projects, import (files, folders,
dropped files), pre-annotation, merge, export, removing documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import QApplication

from annotator.editing import Editor
from annotator.errors import AnnotatorError
from annotator.store import Store

#: Projects the File menu remembers.
MAX_RECENT = 8


class ProjectFlows:
    """Part of :class:`annotator.gui.app.MainWindow`."""

    def new_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "New project", str(Path.home() / "project.db"), "Annotator projects (*.db)"
        )
        if path:
            if Path(path).exists():
                Path(path).unlink()
            self.switch_project(Path(path))

    def open_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open project",
            str(Path.home() if self.store.server else Path(self.store.path).parent),
            "Annotator projects (*.db);;All files (*)",
        )
        if path:
            self.switch_project(Path(path))

    def open_server_project(self) -> None:
        """A team's project on a PostgreSQL server, by its URL (the password comes from
        ~/.pgpass or PGPASSFILE, as for PostgreSQL's own tools: it is never asked or kept here)."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        from annotator.store.postgres import is_server_url

        recent = [p for p in self.settings.value("projects/recent", []) or [] if is_server_url(p)]
        url, ok = QInputDialog.getText(
            self,
            "Open server project",
            "The project's URL, postgresql://[you@]host[:port]/database\n"
            "(your password is read from ~/.pgpass, as PostgreSQL's own tools do):",
            QLineEdit.EchoMode.Normal,
            recent[0] if recent else "postgresql://localhost/",
        )
        url = url.strip()
        if not ok or not url:
            return
        if not is_server_url(url):
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.critical(self, "Cannot open project", f"{url!r} is not a postgresql:// URL")
            return
        self.switch_project(url)

    def switch_project(self, path: Path | str) -> bool:
        from PySide6.QtWidgets import QMessageBox

        try:
            store = open_store(path, self)
        except AnnotatorError as e:
            QMessageBox.critical(self, "Cannot open project", str(e))
            return False
        self.stop_background_work()
        self.stop_listening()
        self._save_settings()
        if self.reviewing:  # its annotators belong to the other project
            self.act_review.setChecked(False)
            self.toggle_review()
        old = self.store
        self.store = store
        self._list_stale.clear()  # ids of the other project
        if self.find_panel is not None:
            self.find_panel.set_store(store)
        self._save_history()
        # on a server, decisions are under the name one connects as (the server refuses others)
        self.editor = Editor(store, store.server_user if store.server else self.editor.annotator)
        self._load_history()
        self.documents.model.set_store(store)
        self.documents.show_columns(self.documents.shown)
        self.document_id = None
        self._build_label_actions()
        self.documents.fill_filters()
        self.documents.apply_filters()
        self.view.set_document("", [], store.schema.labels)
        self.open_or_first(None)
        old.close()
        self.start_listening()
        self._remember_recent(path)
        self._set_title()
        self._update_counts()
        self.say(f"Opened {self._project_name(path)}")
        return True

    @staticmethod
    def _project_name(path: Path | str) -> str:
        from annotator.store.postgres import is_server_url, redacted

        return redacted(path) if is_server_url(path) else str(path)

    def _remember_recent(self, path: Path | str) -> None:
        from annotator.store.postgres import is_server_url, without_password

        if is_server_url(path):  # never a password in the settings file
            path = without_password(str(path))
        recent = [p for p in self.settings.value("projects/recent", []) or [] if p != str(path)]
        self.settings.setValue("projects/recent", [str(path), *recent][:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.value("projects/recent", []) or []
        if isinstance(recent, str):
            recent = [recent]
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, p=path: self.switch_project(project_location(p)))
        self.recent_menu.setEnabled(bool(recent))

    def export_folder(self) -> Path:
        """exports/ beside where the tool was started (the repository's), else beside the project."""
        here = Path.cwd() / "exports"
        if here.is_dir() or self.store.server:
            return here
        return Path(self.store.path).resolve().parent / "exports"

    def show_export(self) -> Any:
        from annotator.gui.export_dialog import ExportDialog

        dialog = ExportDialog(self.store, self.export_folder(), self)
        dialog.done.connect(
            lambda report: self.say(
                report.summary() if not isinstance(report, Exception) else f"Not exported: {report}",
                error=isinstance(report, Exception),
            )
        )
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def merge_project(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Merge a colleague's project", str(Path.home()), "Annotator projects (*.db);;All files (*)"
        )
        if path:
            self.start_merge(Path(path))

    def remove_document(self) -> None:
        """Remove the open article and its annotations, after asking; the project is backed up
        first (on a worker: a large project's backup takes seconds), since Ctrl+Z cannot bring
        an article back."""
        from PySide6.QtWidgets import QMessageBox

        if self.document_id is None or self.store.path == ":memory:":
            return
        document = self.store.document(self.document_id)
        answer = QMessageBox.question(
            self,
            "Remove article",
            f"Remove “{document.title[:80]}” and every annotation on it from the project?\n\n"
            "The project is backed up first (File > Open the backup, or `annotator restore`, brings "
            "it back); the undo history is cleared.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        from annotator.gui.workers import DeleteWorker

        following = self.documents.neighbour(document.id, +1) or self.documents.neighbour(document.id, -1)
        self._start_worker(
            DeleteWorker(self.store.path, [document.id], self.editor.annotator),
            "Backing up the project, then removing the article…",
            0,
            lambda result: self._on_removed(result, following),
        )

    def _on_removed(self, result: Any, following: int | None) -> None:
        self._end_worker()
        if isinstance(result, Exception):
            self.say(f"Not removed: {result}", error=True)
            return
        removed, kept = result
        self.editor.undo_stack.clear()  # their changes may name the removed spans
        self.editor.redo_stack.clear()
        self._update_counts()
        self.document_id = None
        self.documents.apply_filters()
        self.open_or_first(following)
        self.say(f"{removed} article removed; the project before is kept in {kept}")

    def start_merge(self, path: Path) -> bool:
        from annotator.gui.workers import MergeWorker

        return self._start_worker(
            MergeWorker(self.store.path, path, self.editor.annotator),
            f"Merging {path.name}…",
            0,
            self._on_merge_finished,
        )

    def _on_merge_finished(self, report: Any) -> None:
        from PySide6.QtWidgets import QMessageBox

        self._end_worker()
        if isinstance(report, Exception):
            self.say(f"Not merged: {report}", error=True)
            QMessageBox.warning(self, "Not merged", str(report))
        else:
            self.store.reload_schema()
            self._build_label_actions()
            self.documents.fill_filters()
            self.documents.apply_filters()
            self.say(report.summary(), error=bool(report.conflicts))
        self.merge_done.emit(report)

    def import_files(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from annotator.formats import dialog_filter

        paths, _ = QFileDialog.getOpenFileNames(self, "Import articles", str(Path.home()), dialog_filter())
        if paths:
            self.start_import([Path(p) for p in paths])

    def import_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(self, "Import a folder of articles", str(Path.home()))
        if path:
            self.start_import([Path(path)])

    def start_import(self, paths: list[Path]) -> bool:
        from annotator.gui.workers import ImportWorker

        return self._start_worker(
            ImportWorker(self.store.path, paths),
            f"Importing {len(paths)} item(s)…",
            len(paths),
            self._on_import_finished,
        )

    def _on_import_finished(self, report: Any) -> None:
        self._end_worker()
        if isinstance(report, Exception):
            self.say(f"Import failed: {report}", error=True)
            self.import_done.emit(report)
            return
        self.store.reload_schema()
        self._build_label_actions()
        self.documents.fill_filters()
        self.documents.apply_filters()
        self.say(report.summary())
        self.import_done.emit(report)
        if self.document_id is None:
            self.open_or_first(None)
        from annotator.gui.dialogs import ImportReportDialog

        ImportReportDialog(report, self).open()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            self.start_import(paths)
            event.acceptProposedAction()

    def start_preannotation(self, document_ids: list[int] | None = None, redo: bool = False) -> bool:
        """Pre-annotate on a worker thread (default: what needs it); False if nothing to do."""
        from annotator.models import latest

        trained = latest(self.store.path, self.store.schema.default_language)
        if document_ids is None:
            document_ids = self.store.documents_to_preannotate(False, trained.pipeline if trained else None)
        planned = len(document_ids)
        if planned == 0 or self.store.path == ":memory:":
            return False
        from annotator.gui.workers import PreannotateWorker  # the model and its worker: only now

        worker = PreannotateWorker(self.store.path, document_ids, redo)
        model = f"the project's model {trained.name}" if trained is not None else "the model"
        return self._start_worker(
            worker,
            f"Loading {model} to suggest entities in {planned} document(s)…",
            planned,
            self._on_preannotation_finished,
        )

    #: Training steps of Model > Train (None: the default preset; tests make it short).
    train_steps: int | None = None
    #: What the last training said, repeated with the suggestions its model then makes.
    _trained_note: str | None = None

    def start_training(self) -> bool:
        """Model > Train: a new model from the documents marked done, on a worker thread, the
        progress and the dev F1 in the status bar; Cancel keeps the best model so far. Then the
        undecided documents are re-suggested with it."""
        if self.store.path == ":memory:":
            self.say("Training needs a project file: File > New project", error=True)
            return False
        from annotator.gui.workers import TrainWorker

        worker = TrainWorker(self.store.path, self.train_steps)
        worker.status.connect(self.say)
        return self._start_worker(
            worker, "Training the model on the documents marked done…", 1, self._on_training_finished
        )

    def _on_training_finished(self, result: Any) -> None:
        self._end_worker()
        if isinstance(result, Exception):
            self.say(f"Not trained: {result}", error=True)
            return
        trained = f"Trained {result.summary()}"
        if self.start_preannotation():
            self._trained_note = trained  # said again with the suggestions it makes
            self.say(f"{trained}; suggesting with it where you have not finished…")
        else:
            self.say(trained)

    def show_report(self) -> None:
        """Review > Label report: co-occurrence and frequencies."""
        from annotator.gui.report_dialog import ReportDialog

        self.report_dialog = ReportDialog(self.store, self)
        self.report_dialog.show()

    def show_work(self) -> None:
        """Review > Time spent: active time per person and on the open article."""
        from annotator.gui.work_dialog import WorkDialog
        from annotator.worktime import work_time

        title = self.store.document(self.document_id).title if self.document_id is not None else ""
        self.work_dialog = WorkDialog(work_time(self.store.activity()), self.document_id, title, self)
        self.work_dialog.show()

    def show_models(self) -> None:
        """The project's models, newest last, with their scores per label."""
        from PySide6.QtWidgets import QMessageBox

        from annotator.models import list_models

        found = list_models(self.store.path)
        if not found:
            text = "No trained model yet: mark the articles you finished as done, then Model > Train."
        else:
            lines = []
            for info in found:
                lines.append(info.summary())
                lines += [
                    f"    {label}: P {s['p']:.2f}  R {s['r']:.2f}  F1 {s['f']:.2f}"
                    for label, s in sorted(info.per_label.items())
                ]
            text = "\n".join(lines) + "\n\nPre-annotation uses the newest."
        box = QMessageBox(QMessageBox.Icon.Information, "Models of this project", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def preannotate_current(self) -> None:
        if self.document_id is not None:
            self.start_preannotation([self.document_id], redo=True)

    def preannotate_all(self) -> None:
        if not self.start_preannotation():
            self.say("Every document is already pre-annotated")

    def _on_preannotation_finished(self, summary: str, messages: list) -> None:
        self._end_worker()
        note, self._trained_note = self._trained_note, None
        self.say(" · ".join([*([note] if note else []), summary, *messages]))
        self.editor.forget_tokens()
        self.documents.fill_filters()
        self.documents.apply_filters()
        if self.document_id is not None:
            selected = self.view.selected_id
            self.open_document(self.document_id)
            self.select_span(selected)
        self.preannotation_done.emit(summary)


def project_location(value: str) -> Path | str:
    """A project file's path, or a server project's URL as it is."""
    from annotator.store.postgres import is_server_url

    return value if is_server_url(value) else Path(value)


def open_store(path: Path | str, parent: Any = None) -> Store:
    """A project opened from the window. Bringing an older file up to date can take a while on
    a large project: it is announced on screen, not a silent freeze."""
    notice: Any = None

    def announce(message: str) -> None:
        nonlocal notice
        from PySide6.QtWidgets import QProgressDialog

        notice = QProgressDialog(message, "", 0, 0, parent)  # a busy bar: it cannot be cancelled
        notice.setCancelButton(None)
        notice.setWindowTitle("Updating the project")
        notice.setWindowModality(Qt.WindowModality.WindowModal)
        notice.setMinimumDuration(0)
        notice.show()
        QApplication.processEvents()

    def keep_drawn() -> None:  # every few milliseconds of the update: drawn, not "not responding"
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

    try:
        return Store(path, on_migrate=announce, while_busy=keep_drawn)
    finally:
        if notice is not None:
            notice.close()


def seed_samples(store: Store) -> int:
    """Put the sample articles in an empty project; returns how many documents it added."""
    if store.document_ids():
        return 0
    from annotator.importing import import_paths
    from annotator.schema import resources_dir

    report = import_paths(store, [resources_dir() / "samples"])
    return report.total("documents_new")
