"""Search scoped by the list, hits in the text, tag all occurrences, the Search/Segments dock."""

import csv
import json

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from annotator.domain import find_terms, find_whole
from annotator.editing import Editor
from annotator.errors import Cancelled
from annotator.gui.app import MainWindow
from annotator.store import Store

KCNA_TEXT = "La agencia KCNA informó ayer. Según KCNA, el misil voló. KCNAX no es KCNA-2."


def test_find_terms_ignores_case_and_accents_as_the_index_does():
    text = "Según Seúl, SEGUN la agencia; segunda vez."
    assert find_terms(text, "segun") == [(0, 5), (12, 17)]
    assert find_terms(text, '"la agencia"') == [(18, 28)]
    assert find_terms(text, "seul agencia") == [(6, 10), (21, 28)]
    assert find_terms(text, "*** (") == []


def test_find_whole_is_exact_and_whole_words():
    assert find_whole(KCNA_TEXT, "KCNA") == [(11, 15), (36, 40), (69, 73)]
    assert find_whole("kcna KCNA", "KCNA") == [(5, 9)]
    assert find_whole("x", " ") == []


def test_search_is_scoped_by_the_lists_filters(store):
    first, _ = store.add_document("El misil cayó en el mar.", "Uno")
    second, _ = store.add_document("Otro misil, otra protesta.", "Dos")
    store.set_document_status(second, "done", "ana")
    store.add_span(first, 3, 8, "MISC", "ana")
    assert {r["document_id"] for r in store.search("misil")} == {first, second}
    assert [r["document_id"] for r in store.search("misil", status="done")] == [second]
    assert [r["document_id"] for r in store.search("misil", label="MISC")] == [first]
    assert [r["document_id"] for r in store.search("misil", annotator="ana")] == [first]


def test_deleted_documents_leave_the_index(store):
    document_id, _ = store.add_document("Tokio protesta por la pesca.", "Tokio")
    store.add_span(document_id, 0, 5, "LOC", "ana")
    assert store.search("pesca")
    assert store.delete_documents([document_id], "ana") == 1
    assert store.search("pesca") == [] and store.document_rows(text="pesca") == []
    assert store.conn.execute("SELECT count(*) FROM spans").fetchone()[0] == 0
    if store.sql.name == "sqlite":  # the server's index is on the documents themselves
        assert store.conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")
    assert store.history()[-1]["action"] == "delete document"


@pytest.fixture
def agencies(store):
    """Three articles mentioning KCNA; in the second, ana decided KCNA is part of a longer ORG."""
    ids = [store.add_document(f"{KCNA_TEXT} ({n})", f"Art {n}")[0] for n in range(3)]
    seed = store.add_span(ids[0], 11, 15, "ORG", "ana")
    store.add_span(ids[1], 3, 15, "ORG", "ana")  # "agencia KCNA": a decision over the first KCNA
    store.add_span(ids[2], 36, 40, "ORG", "model-x")  # already there, another annotator's
    return store, ids, seed


def test_occurrences_skip_decisions_and_spans_already_there(agencies):
    store, ids, _seed = agencies
    places = store.occurrences("KCNA", "ORG")
    assert (ids[0], 11, 15) not in places  # the span itself
    assert (ids[1], 11, 15) not in places  # inside a person's decision
    assert (ids[2], 36, 40) not in places  # the same span exists
    assert places == [
        (ids[0], 36, 40),
        (ids[0], 69, 73),
        (ids[1], 36, 40),
        (ids[1], 69, 73),
        (ids[2], 11, 15),
        (ids[2], 69, 73),
    ]


def test_occurrences_report_progress_and_stop_when_asked(agencies):
    store, _ids, _seed = agencies
    seen = []
    assert store.occurrences("KCNA", "ORG", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 3)]
    assert store.occurrences("KCNA", "ORG", should_stop=lambda: True) is None


def test_tag_all_adds_suggestions_never_decisions_and_undoes_in_one_step(agencies):
    store, ids, seed = agencies
    decisions_before = [
        (s.id, s.start, s.end, s.label, s.status) for s in store.spans(ids[1], annotator="ana")
    ]
    editor = Editor(store, "ana")
    added = editor.tag_all(seed.id)
    assert len(added) == 6
    spans = [store.span(i) for i in added]
    assert {s.status for s in spans} == {"suggested"} and {s.annotator for s in spans} == {"tag-all"}
    assert {s.label for s in spans} == {"ORG"} and {s.origin for s in spans} == {"rule"}
    assert [
        (s.id, s.start, s.end, s.label, s.status) for s in store.spans(ids[1], annotator="ana")
    ] == decisions_before
    assert store.occurrences("KCNA", "ORG") == []  # a second run adds nothing
    editor.undo()
    assert (
        store.conn.execute(
            "SELECT count(*) FROM spans WHERE annotator_id = ?", (store.annotator_id("tag-all", "rule"),)
        ).fetchone()[0]
        == 0
    )
    editor.redo()
    assert len(store.occurrences("KCNA", "ORG")) == 0


@pytest.fixture
def window(qtbot, tmp_path, agencies):
    store, ids, seed = agencies
    win = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win, store, ids, seed


def test_search_dock_opens_the_article_at_the_hit(window, qtbot):
    win, store, ids, _seed = window
    third, _ = store.add_document("Nada que ver. Pero luego Pionyang habló.", "Tres")
    win.documents.apply_filters()
    win.show_find_panel("search")
    panel = win.find_panel
    panel.query.setText("pionyang")
    panel.run_search()
    assert panel.search_model.rowCount() == 1
    panel.search_table.activated.emit(panel.search_model.index(0, 0))
    assert win.document_id == third
    assert win.view.char_selection() == (25, 33)
    assert win.documents.current_id() == third


def test_search_dock_follows_the_list_filter(window):
    win, store, ids, _seed = window
    store.set_document_status(ids[2], "done", "ana")
    win.documents.status_filter.setCurrentIndex(win.documents.status_filter.findData("done"))
    win.show_find_panel("search")
    panel = win.find_panel
    panel.query.setText("misil")
    panel.run_search()
    assert [r["document_id"] for r in panel.search_model.rows] == [ids[2]]
    panel.scoped.setChecked(False)
    assert {r["document_id"] for r in panel.search_model.rows} == set(ids)


def test_segments_dock_lists_in_context_opens_at_the_span_and_exports(window, tmp_path):
    win, store, ids, seed = window
    source = store.add_span(ids[1], 36, 40, "SOURCE", "ana", attributes={"agency": "KCNA"})
    store.add_span(ids[2], 69, 73, "SOURCE", "ana", attributes={"agency": "TASS"})
    win.show_find_panel("segments")
    panel = win.find_panel
    panel.label.setCurrentIndex(panel.label.findData("SOURCE"))
    panel.attributes.setText("agency=KCNA")
    panel.run_segments()
    assert [r["span_id"] for r in panel.segment_model.rows] == [source.id]
    assert panel.segment_model.data(panel.segment_model.index(0, 2)) == "KCNA"
    assert panel.segment_model.data(panel.segment_model.index(0, 1)).endswith("Según")
    panel.segment_table.activated.emit(panel.segment_model.index(0, 0))
    assert win.document_id == ids[1] and win.view.selected_id == source.id
    out = tmp_path / "segments.csv"
    assert panel.export_csv(out) == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["text"] == "KCNA" and rows[0]["attributes"] == '{"agency": "KCNA"}'


def test_tag_all_from_the_window_asks_first(window, monkeypatch, qtbot):
    win, store, ids, seed = window
    win.documents.select(ids[0])
    win.select_span(seed.id)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No
    )
    win.tag_all_occurrences()
    qtbot.waitUntil(lambda: bool(asked), timeout=20000)  # counted by a worker on its own connection (server)
    assert "6 occurrences" in asked[0] and "3 documents" in asked[0]
    assert store.occurrences("KCNA", "ORG")  # nothing added on No
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.Yes)
    win.tag_all_occurrences()
    qtbot.waitUntil(lambda: len(asked) == 2 and store.occurrences("KCNA", "ORG") == [], timeout=20000)
    assert {s.start for s in win.view.spans.values() if s.annotator == "tag-all"} == {36, 69}
    win.undo()
    assert not [s for s in win.view.spans.values() if s.annotator == "tag-all"]


def test_tag_all_and_scoped_search_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli

    db = tmp_path / "p.db"
    with Store(db) as store:
        first = store.add_document(KCNA_TEXT, "Uno")[0]
        store.add_document("Otra nota de KCNA.", "Dos")
        store.set_document_status(first, "done", "ana")
    run = CliRunner().invoke
    result = run(
        cli, ["--db", str(db), "--annotator", "ana", "tag-all", "KCNA", "--label", "SOURCE"], input="n\n"
    )
    assert "4 untagged occurrence(s) of 'KCNA' in 2 document(s)" in result.output
    result = run(
        cli,
        [
            "--db",
            str(db),
            "--annotator",
            "ana",
            "tag-all",
            "KCNA",
            "--label",
            "SOURCE",
            "--attr",
            "agency=KCNA",
            "--yes",
        ],
    )
    assert result.exit_code == 0 and "4 suggestion(s) of SOURCE added" in result.output
    with Store(db) as store:
        spans = [s for s in store.spans(first) if s.annotator == "tag-all"]
        assert {s.attributes["agency"] for s in spans} == {"KCNA"} and {s.status for s in spans} == {
            "suggested"
        }
    result = run(cli, ["--db", str(db), "search", "KCNA", "--status", "done", "--json"])
    assert [row["title"] for row in json.loads(result.output)] == ["Uno"]


def test_segments_export_as_presets_the_export_dialog(window):
    win, store, ids, _seed = window
    store.add_span(ids[1], 36, 40, "SOURCE", "ana", attributes={"agency": "KCNA"})
    win.show_find_panel("segments")
    panel = win.find_panel
    panel.label.setCurrentIndex(panel.label.findData("SOURCE"))
    panel.attributes.setText("agency=KCNA")
    panel.date.setText("2026")
    panel.export_as.click()
    selection = win.export_dialog.selection()
    assert selection.labels == ("SOURCE",) and selection.attributes == (("agency", "KCNA"),)
    assert selection.published == "2026"
    win.export_dialog.reject()


def kcna_window(qtbot, tmp_path, documents):
    """A window on a project file of ``documents`` KCNA articles, KCNA tagged ORG in the first
    and selected (the worker paths need a file: they open their own connection)."""
    with Store(tmp_path / "p.db") as setup:
        ids = [setup.add_document(f"{KCNA_TEXT} ({n})", f"Art {n}")[0] for n in range(documents)]
        seed = setup.add_span(ids[0], 11, 15, "ORG", "ana")
    store = Store(tmp_path / "p.db")
    win = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.documents.select(ids[0])
    win.select_span(seed.id)
    return win, store, ids


def test_tag_all_counts_in_the_background_on_a_project_file(qtbot, tmp_path, monkeypatch):
    """The real path: counting on a worker thread with its own connection, then one action."""
    win, store, ids = kcna_window(qtbot, tmp_path, 40)
    asked = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.Yes
    )
    win.tag_all_occurrences()
    assert win.cancel_button.isVisible()  # the count runs in the background, with Cancel
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    assert "119 occurrences" in asked[0] and "40 documents" in asked[0]
    assert not win.cancel_button.isVisible()
    assert store.occurrences("KCNA", "ORG") == []
    win.undo()
    assert len(store.occurrences("KCNA", "ORG")) == 119
    win.close()
    store.close()


def test_delete_command_backs_up_then_removes_documents_and_their_index(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli

    db = tmp_path / "p.db"
    with Store(db) as store:
        keep = store.add_document("Seúl responde a Pionyang.", "Seúl")[0]
        gone = store.add_document("Tokio protesta por la pesca.", "Tokio")[0]
        store.add_span(gone, 0, 5, "LOC", "ana")
    run = CliRunner().invoke
    refused = run(cli, ["--db", str(db), "delete", str(gone), "999", "--yes"])
    assert refused.exit_code == 1 and "no document 999" in refused.output
    asked = run(cli, ["--db", str(db), "delete", str(gone)], input="n\n")
    assert asked.exit_code == 1
    done = run(cli, ["--db", str(db), "--annotator", "ana", "delete", str(gone), "--yes"])
    assert done.exit_code == 0, done.output
    assert "Removed 1 document(s)" in done.output
    with Store(db) as store:
        assert store.document_ids() == [keep] and store.search("pesca") == []
    backups = list((tmp_path / ".p.db.backups").glob("*pre-delete*"))
    assert len(backups) == 1
    with Store(backups[0]) as before:
        assert [r["title"] for r in before.search("pesca")] == ["Tokio"]


def test_remove_article_from_the_window_backs_up_first(qtbot, tmp_path, monkeypatch):
    with Store(tmp_path / "p.db") as setup:
        keep = setup.add_document("Seúl responde a Pionyang.", "Seúl")[0]
        gone = setup.add_document("Tokio protesta por la pesca.", "Tokio")[0]
        setup.add_span(gone, 0, 5, "LOC", "ana")
    store = Store(tmp_path / "p.db")
    win = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.documents.select(gone)
    assert win.document_id == gone
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.No)
    win.remove_document()
    assert store.document_ids() == [keep, gone]  # asked first: nothing removed on No
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    win.remove_document()
    qtbot.waitUntil(lambda: store.document_ids() == [keep], timeout=10_000)
    qtbot.waitUntil(lambda: win.document_id == keep, timeout=5_000)
    assert [r["id"] for r in win.documents.model.rows] == [keep]
    assert store.search("pesca") == [] and not win.editor.undo_stack
    (kept,) = (tmp_path / ".p.db.backups").glob("*pre-delete*")
    with Store(kept) as before:
        assert [r["title"] for r in before.search("pesca")] == ["Tokio"]
    win.close()
    store.close()


def test_worker_results_are_handled_on_the_gui_thread(qtbot, tmp_path, monkeypatch):
    """A worker's result reaches the window's thread, even through a lambda (Qt dialogs and
    the window's connection must never be used from the worker's thread)."""
    import threading

    win, store, ids = kcna_window(qtbot, tmp_path, 3)
    threads = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *args: threads.append(threading.current_thread()) or QMessageBox.StandardButton.Yes,
    )
    win.tag_all_occurrences()
    qtbot.waitUntil(lambda: bool(threads), timeout=10_000)
    assert threads == [threading.main_thread()]
    qtbot.waitUntil(lambda: "suggestions of ORG added" in win.message.text(), timeout=10_000)
    assert len(win.editor.undo_stack) == 1
    win.close()
    store.close()


def test_tag_all_reports_progress_and_a_stop_leaves_nothing(agencies, monkeypatch):
    store, _ids, seed = agencies
    monkeypatch.setattr(Store, "PROGRESS_STEP", 2)
    editor = Editor(store, "ana")
    before = store.occurrences("KCNA", "ORG")
    seen = []

    def stop_after_the_second_report() -> bool:
        return len(seen) >= 2  # four places written by then, in the open transaction

    with pytest.raises(Cancelled):
        editor.tag_all(
            seed.id, before, lambda done, total: seen.append((done, total)), stop_after_the_second_report
        )
    assert seen == [(0, 6), (2, 6)]
    assert store.occurrences("KCNA", "ORG") == before  # all rolled back
    assert editor.undo_stack == []  # and nothing to undo
    seen.clear()
    assert len(editor.tag_all(seed.id, before, lambda done, total: seen.append((done, total)))) == 6
    assert seen == [(0, 6), (2, 6), (4, 6), (6, 6)]


def cancel_the_progress_dialog(win):
    """Press Cancel on the window's progress dialog as soon as it is shown (from the event
    loop its modal setValue runs); returns what the dialog showed: [(modality, maximum, label)]."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QProgressDialog

    shown = []

    def press_cancel() -> None:
        dialog = win.findChild(QProgressDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(0, press_cancel)  # not yet (a count may still run): look again
            return
        shown.append((dialog.windowModality(), dialog.maximum(), dialog.labelText()))
        dialog.cancel()  # as the Cancel button does

    QTimer.singleShot(0, press_cancel)
    return shown


def test_tag_all_in_the_window_shows_progress_and_cancel_keeps_nothing(qtbot, tmp_path, monkeypatch):
    """Applying runs under a window-modal progress dialog; its Cancel rolls everything back."""

    win, store, _ids = kcna_window(qtbot, tmp_path, 40)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(Store, "PROGRESS_STEP", 5)
    monkeypatch.setattr(type(win), "PROGRESS_AFTER_MS", 0)
    shown = cancel_the_progress_dialog(win)
    win.tag_all_occurrences()
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert win.message.text() == "Tag all “KCNA”: cancelled, nothing was added"
    assert shown == [(Qt.WindowModality.WindowModal, 119, "Adding 119 suggestions of ORG…")]
    assert len(store.occurrences("KCNA", "ORG")) == 119  # nothing was added
    assert not [s for s in win.view.spans.values() if s.annotator == "tag-all"]
    assert "tag all" not in win.editor.undo_text
    win.close()
    store.close()


def test_a_stopped_undo_changes_nothing_and_stays_next(agencies, monkeypatch):
    store, _ids, seed = agencies
    monkeypatch.setattr(Store, "PROGRESS_STEP", 2)
    editor = Editor(store, "ana")
    added = editor.tag_all(seed.id)
    with pytest.raises(Cancelled):
        editor.undo(should_stop=lambda: True)
    assert [store.span(i).status for i in added] == ["suggested"] * 6  # all still there
    assert editor.next_undo is not None and editor.redo_stack == []
    seen = []
    assert editor.undo(progress=lambda done, total: seen.append(done)) is not None
    assert seen == [0, 2, 4] and store.occurrences("KCNA", "ORG") != []
    with pytest.raises(Cancelled):
        editor.redo(should_stop=lambda: True)
    assert editor.next_redo is not None and len(store.occurrences("KCNA", "ORG")) == 6


def test_undo_of_a_large_tag_all_shows_progress_and_can_be_cancelled(qtbot, tmp_path, monkeypatch):

    win, store, _ids = kcna_window(qtbot, tmp_path, 40)
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    win.tag_all_occurrences()
    qtbot.waitUntil(lambda: "added" in win.message.text(), timeout=10_000)
    assert store.occurrences("KCNA", "ORG") == []
    monkeypatch.setattr(Store, "PROGRESS_STEP", 5)  # 119 changes: a "large" action here
    monkeypatch.setattr(type(win), "PROGRESS_AFTER_MS", 0)
    shown = cancel_the_progress_dialog(win)
    win.undo()
    assert [label for _modality, _maximum, label in shown] == [
        "Undoing: tag all “KCNA” as ORG (119 changes)…"
    ]
    assert win.message.text() == "Undo cancelled (tag all “KCNA” as ORG): nothing was changed"
    assert store.occurrences("KCNA", "ORG") == []  # the suggestions are all still there
    win.undo()  # not cancelled this time
    assert win.message.text().startswith("Undone: tag all")
    assert len(store.occurrences("KCNA", "ORG")) == 119
    win.close()
    store.close()
