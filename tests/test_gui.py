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
