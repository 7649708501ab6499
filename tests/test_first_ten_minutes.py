"""The README's "First ten minutes", followed literally: the sample project, the real model's
suggestions in the background, then the keys the README gives, on the real window; the result
checked in the project file and in the export a colleague would receive."""

import csv
import json
import re

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from qtkeys import answer_menu

from annotator.domain import Selection
from annotator.exporting import export
from annotator.gui.app import MainWindow
from annotator.gui.project import seed_samples
from annotator.store import Store

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def press(qtbot, window, key, modifier=NONE):
    qtbot.keyClick(window.view, key, modifier)


def selected_text(window):
    span = window.selected
    return (window.view.text[span.start : span.end], span.label, span.status)


@pytest.mark.slow
def test_first_ten_minutes_as_the_readme_says(qtbot, tmp_path, spanish_pipeline):
    # 1. The window opens on a project with the sample articles; the model's suggestions
    #    arrive in the background and the status bar says so.
    store = Store(tmp_path / "default.db")
    assert seed_samples(store) == 8
    window = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    assert window.start_preannotation()
    qtbot.waitUntil(lambda: "Suggestions ready" in window.message.text(), timeout=120_000)
    first = store.document_ids()[0]
    window.documents.select(first)
    window.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.view)
    text = window.view.text
    assert text.startswith("Pionyang defiende el pacto")

    # 2. Suggestions are there: the model's entities, and the rules' quotes with their speaker,
    #    claims, and "según recogió la agencia estatal norcoreana KCNA" as a SOURCE with
    #    agency = KCNA; the status bar counts the undecided.
    phrase = "según recogió la agencia estatal norcoreana KCNA"
    start = text.index(phrase)
    sources = [s for s in window.view.spans.values() if s.start == start and s.label == "SOURCE"]
    assert sources and text[sources[0].start : sources[0].end] == phrase
    assert sources[0].attributes == {"agency": "KCNA"}
    quotes = sorted(text[s.start : s.end] for s in window.view.spans.values() if s.label == "QUOTE")
    assert quotes == [
        "«Nadie podrá separar a nuestros pueblos»",
        "«un escudo para la paz en la península»",
        "«un escudo para la paz»",
    ]
    assert window.undecided.text() == f"{window.view.undecided} undecided" and window.view.undecided > 10

    # 3. Tab walks the suggestions; a label key relabels and accepts; Enter accepts and moves
    #    on; X rejects. A suggested quote shows its speaker in the side panel.
    press(qtbot, window, Qt.Key.Key_Tab)
    assert selected_text(window) == ("Pionyang", "PER", "suggested")
    press(qtbot, window, Qt.Key.Key_L)  # a place, not a person
    assert selected_text(window) == ("Pionyang", "LOC", "accepted")
    press(qtbot, window, Qt.Key.Key_Tab)
    assert selected_text(window) == ("Moscú", "LOC", "suggested")
    press(qtbot, window, Qt.Key.Key_Return)
    assert selected_text(window) == ("«un escudo para la paz»", "QUOTE", "suggested")
    side = window.side
    shown = [side.links_list.item(i).text() for i in range(side.links_list.count())]
    assert shown == ["→ speaker: PER «Kim Jong-un»"]
    press(qtbot, window, Qt.Key.Key_Return)  # the headline's quote, said by Kim Jong-un
    title_quote = next(
        s for s in store.spans(first, annotator="ana") if text[s.start : s.end] == "«un escudo para la paz»"
    )
    assert selected_text(window) == ("Seúl", "ORG", "suggested")
    press(qtbot, window, Qt.Key.Key_L)
    press(qtbot, window, Qt.Key.Key_Tab)
    assert selected_text(window) == ("El líder norcoreano", "MISC", "suggested")
    press(qtbot, window, Qt.Key.Key_X)
    assert selected_text(window) == ("Kim Jong-un", "PER", "suggested")
    press(qtbot, window, Qt.Key.Key_Return)  # Kim Jong-un (PER)
    kim = next(s for s in store.spans(first, annotator="ana") if text[s.start : s.end] == "Kim Jong-un")
    #    the quote accepted first now points at the analyst's Kim Jong-un
    assert [(k.tail_id, k.label, k.annotator) for k in store.links_of(title_quote.id)] == [
        (kim.id, "speaker", "ana")
    ]

    #    "Consejo de Seguridad" should include "ruso": Shift+Alt+Right grows its end by a token;
    #    Alt+Right moves its start past "El".
    consejo = next(s for s in window.view.spans.values() if text[s.start : s.end] == "El Consejo de Seguridad")
    window.select_span(consejo.id)
    press(qtbot, window, Qt.Key.Key_Right, SHIFT | ALT)
    press(qtbot, window, Qt.Key.Key_Right, ALT)
    assert selected_text(window) == ("Consejo de Seguridad ruso", "ORG", "accepted")

    # 4. Select the words in «…» with Shift+arrows and press Q: the rules' quote there is
    #    taken, with its speaker (and its source).
    quote_start = text.index("«un escudo para la paz en")  # in the body (the title has one too)
    quote_end = text.index("»", quote_start) + 1
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(window.view.offsets.to_qt(quote_start))
    window.view.setTextCursor(cursor)
    for _ in range(quote_end - quote_start):
        press(qtbot, window, Qt.Key.Key_Right, SHIFT)
    press(qtbot, window, Qt.Key.Key_Q)
    quote = window.selected
    assert (text[quote.start : quote.end], quote.label, quote.annotator) == (
        "«un escudo para la paz en la península»",
        "QUOTE",
        "ana",
    )
    shown = [side.links_list.item(i).text() for i in range(side.links_list.count())]
    assert "→ speaker: PER «Kim Jong-un»" in shown

    #    A link by hand: the headline's quote is KCNA's report too. In the side panel pick
    #    `source` and the KCNA phrase (listed with its place and context), then Link.
    window.select_span(title_quote.id)
    side.link_label_combo.setCurrentIndex(side.link_label_combo.findData("source"))
    entries = [side.link_target_combo.itemText(i) for i in range(side.link_target_combo.count())]
    assert any("según recogió" in entry and "after" in entry for entry in entries)
    side.link_target_combo.setCurrentIndex(side.link_target_combo.findData(sources[0].id))
    qtbot.mouseClick(side.link_button, Qt.MouseButton.LeftButton)
    assert any(k.tail_id == sources[0].id and k.label == "source" for k in store.links_of(title_quote.id))

    #    Select "según recogió la agencia estatal norcoreana KCNA" and press S: the suggestion
    #    is taken with its agency; A opens the attribute menu (1 agency, 2 Yonhap: a slip).
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(window.view.offsets.to_qt(start))
    cursor.setPosition(window.view.offsets.to_qt(start + len(phrase)), QTextCursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)
    window.view.setFocus()
    press(qtbot, window, Qt.Key.Key_S)
    source = window.selected
    assert (text[source.start : source.end], source.label, source.annotator) == (phrase, "SOURCE", "ana")
    assert store.span(source.id).attributes == {"agency": "KCNA"}
    answer_menu([Qt.Key.Key_1, Qt.Key.Key_2])  # attribute 1 (agency), value 2 (Yonhap)
    press(qtbot, window, Qt.Key.Key_A)
    assert store.span(source.id).attributes == {"agency": "Yonhap"}

    # 5. The slip: Ctrl+Z, Ctrl+Z, Ctrl+Shift+Z. Nothing to save.
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the agency: KCNA again
    assert store.span(source.id).attributes == {"agency": "KCNA"}
    press(qtbot, window, Qt.Key.Key_Z, CTRL)  # the SOURCE taken: a suggestion again
    assert not any(s.label == "SOURCE" and s.start == start for s in store.spans(first, annotator="ana"))
    press(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)  # taken again, with its agency
    assert store.span(source.id).attributes == {"agency": "KCNA"}
    press(qtbot, window, Qt.Key.Key_S, CTRL)
    assert "saved" in window.message.text()

    # 6. Accept all remaining, mark done and go to the next article.
    press(qtbot, window, Qt.Key.Key_A, CTRL | SHIFT)
    said = re.match(r"Accepted (\d+) suggestion\(s\)(?:; (\d+) clash)?", window.message.text())
    assert said and int(said.group(1)) > 5
    assert window.view.undecided == int(said.group(2) or 0)  # those that clash wait for the analyst
    press(qtbot, window, Qt.Key.Key_Return, CTRL)
    assert store.document(first).status == "done"
    assert window.document_id != first

    # What a colleague receives: the quote with its speaker, the source with its agency.
    out = tmp_path / "ana.json"
    export(store, "json", out, Selection(annotators=("ana",)))
    document = next(d for d in json.loads(out.read_text(encoding="utf-8"))["documents"] if d["status"] == "done")
    spans = {s["id"]: s for s in document["spans"]}
    said = {(text[s["start"] : s["end"]], s["label"]) for s in spans.values()}
    assert {("Pionyang", "LOC"), ("Moscú", "LOC"), ("Kim Jong-un", "PER")} <= said
    assert ("Consejo de Seguridad ruso", "ORG") in said and ("El líder norcoreano", "MISC") not in said
    speakers = [k for k in document["links"] if k["label"] == "speaker"]
    assert len(speakers) == 3  # the three quotes, each said by Kim Jong-un
    for link in speakers:
        assert spans[link["head"]]["label"] == "QUOTE"
        tail = spans[link["tail"]]
        assert (text[tail["start"] : tail["end"]], tail["label"]) == ("Kim Jong-un", "PER")
    (agency,) = [s for s in spans.values() if s["label"] == "SOURCE" and s["start"] == start]
    assert agency["attributes"] == {"agency": "KCNA"}
    print("DBG", document["links"], title_quote.id, agency["id"], store.links_of(title_quote.id))
    (headline,) = [i for i, s in spans.items() if text[s["start"] : s["end"]] == "«un escudo para la paz»"]
    (title_source,) = [k for k in document["links"] if k["label"] == "source" and k["head"] == headline]
    assert title_source["tail"] == agency["id"]
    table = tmp_path / "ana.csv"
    export(store, "csv", table, Selection(annotators=("ana",)))
    rows = [r for r in csv.DictReader(table.open(encoding="utf-8")) if r["label"] == "QUOTE"]
    assert len(rows) == 3
    for row in rows:
        assert {(k["label"], k["tail_text"]) for k in json.loads(row["links"]) if k["label"] == "speaker"} == {
            ("speaker", "Kim Jong-un")
        }
    window.close()
    store.close()
