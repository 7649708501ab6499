"""Links drawn in the article: the selected span's arcs, all of them on View > Show all links
(Ctrl+Shift+L, kept between sessions), painted on the real window offscreen."""

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor

from annotator.gui.app import MainWindow
from annotator.gui.arcs import Arc
from annotator.nlp import preannotate
from annotator.store import Store
from tests.conftest import SAMPLES

SEED = (SAMPLES / "01-pionyang-pacto.txt").read_text(encoding="utf-8")


@pytest.fixture
def opened(qtbot, tmp_path, spanish_pipeline):
    store = Store(tmp_path / "p.db")
    document_id, _ = store.add_document(SEED, "Pionyang", lang="es")
    preannotate(store, pipelines={"es": spanish_pipeline})
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, "ana", settings)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.open_document(document_id)
    yield window, store, document_id, settings
    window.close()
    store.close()


def orange_pixels(window) -> int:
    """Pixels of the QUOTE colour in the article (its underlines, and arcs from a quote)."""
    image = window.view.viewport().grab().toImage()
    target = QColor("#d9822b")
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if abs(pixel.red() - target.red()) + abs(pixel.green() - target.green()) + abs(pixel.blue() - target.blue()) < 60:
                count += 1
    return count


def test_the_selected_quote_shows_its_speaker_arc(opened, qtbot):
    window, store, document_id, _ = opened
    quote = next(
        s for s in window.view.spans.values() if SEED[s.start : s.end] == "«Nadie podrá separar a nuestros pueblos»"
    )
    window.select_span(None)
    assert window.view.arcs == []
    plain = orange_pixels(window)
    window.select_span(quote.id)
    (speaker,) = [k for k in store.links_of(quote.id) if k.label == "speaker"]
    assert Arc(quote.id, speaker.tail_id, "speaker") in window.view.arcs
    qtbot.wait(10)
    assert orange_pixels(window) > plain + 20  # the arc is painted, in the quote's colour


def test_show_all_links_draws_every_link_and_is_kept(opened, qtbot):
    window, store, document_id, settings = opened
    window.select_span(None)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.act_all_links.isChecked()
    every = {(k.head_id, k.tail_id, k.label) for k in store.links(document_id)}
    assert len(every) >= 5 and set(window.view.arcs) == {Arc(*k) for k in every}
    # a link removed with the quote's rejection leaves the drawing too
    quote = next(s for s in window.view.spans.values() if s.label == "QUOTE")
    window.select_span(quote.id)
    window.reject()
    assert not any(arc.head_id == quote.id for arc in window.view.arcs)
    window.close()
    assert settings.value("view/all_links") in (True, "true")
