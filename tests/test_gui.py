import pytest
from PySide6.QtCore import Qt

from annotator.gui.app import MainWindow, seed_samples
from annotator.store import Store


@pytest.fixture
def project(db_path):
    with Store(db_path) as store:
        yield store


def test_window_lists_documents_and_shows_text_as_plain_text(qtbot, project):
    hostile = "<b>negrita</b> <img src='http://example.invalid/x.png'> &amp; fin"
    project.add_document(hostile, "Hostil")
    window = MainWindow(project, "ana")
    qtbot.addWidget(window)
    window.show()
    assert window.documents.rowCount() == 1
    assert window.documents.data(window.documents.index(0, 0)) == "Hostil"
    assert window.text_view.toPlainText() == hostile  # shown literally, not as HTML


def test_first_run_seeds_samples_and_preannotates_in_background(qtbot, project):
    assert seed_samples(project) == 8
    assert seed_samples(project) == 0  # a project with documents is left alone
    window = MainWindow(project, "ana")
    qtbot.addWidget(window)
    window.show()
    assert window.documents.rowCount() == 8
    assert window.documents.data(window.documents.index(0, 3)) == 0  # no suggestions yet
    with qtbot.waitSignal(window.preannotation_done, timeout=120_000):
        assert window.start_preannotation()
    assert window.message.text().startswith("Suggestions ready: 8 of 8")
    undecided = [window.documents.data(window.documents.index(row, 3)) for row in range(8)]
    assert all(count > 0 for count in undecided)
    assert not window.progress_bar.isVisible()
    assert window.list_view.currentIndex().row() == 0


def test_selecting_a_row_shows_its_article(qtbot, project):
    seed_samples(project)
    window = MainWindow(project, "ana")
    qtbot.addWidget(window)
    window.list_view.selectRow(6)
    assert window.text_view.toPlainText().startswith("North Korea says it put a reconnaissance satellite")
    qtbot.keyClick(window.list_view, Qt.Key.Key_Down)
    assert window.text_view.toPlainText().startswith("Russia and North Korea agree")


def test_spans_drawn_at_the_right_characters_even_after_emoji(qtbot, project):
    text = "Alerta 🚀 en Pionyang: KCNA informa."
    document_id, _ = project.add_document(text, "Emoji")
    pionyang = text.index("Pionyang")
    kcna = text.index("KCNA")
    project.add_span(document_id, pionyang, pionyang + len("Pionyang"), "LOC", "ana")
    project.add_span(document_id, kcna, kcna + len("KCNA"), "ORG", "ana")
    project.add_span(document_id, kcna, kcna + len("KCNA informa"), "QUOTE", "ana")  # analysis over an entity
    window = MainWindow(project, "ana")
    qtbot.addWidget(window)
    selections = window.text_view.extraSelections()
    assert [s.cursor.selectedText() for s in selections] == ["Pionyang", "KCNA", "KCNA informa"]
    background, entity, quote = (s.format for s in selections)
    assert entity.background().color().alpha() > 0
    assert quote.underlineStyle() == quote.UnderlineStyle.SingleUnderline
    assert quote.background().style() == Qt.BrushStyle.NoBrush  # the entity's background stays visible
    assert background.toolTip().startswith("LOC · accepted · ana")
