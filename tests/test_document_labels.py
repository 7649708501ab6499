"""Document-level labels (stance, reliability, topics): the schema declares them, each person
sets their own from the side panel or by keys (D, a number, a number), undoably; they go out
with JSON, JSONL (and come back), the CSV documents file and spaCy's doc.cats."""

import csv
import json

import pytest
from PySide6.QtCore import Qt
from qtkeys import answer_menu, shown_window

from annotator.domain import Selection
from annotator.editing import Editor
from annotator.errors import StoreError
from annotator.exporting import export
from annotator.importing import import_paths
from annotator.store import Store

TEXT = "Kim Jong-un visitó Pionyang según KCNA."


def test_set_checked_undone_and_each_persons_own(tmp_path):
    with Store(tmp_path / "p.db") as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        assert list(store.schema.document_labels) == ["stance", "reliability", "topic"]
        assert store.schema.document_labels["topic"].multiple
        ana, bea = Editor(store, "ana"), Editor(store, "bea")
        ana.set_document_label(document_id, "stance", "critical")
        ana.set_document_label(document_id, "topic", ["cyber", "military"])
        bea.set_document_label(document_id, "stance", "neutral")
        assert store.document_labels(document_id) == {
            "ana": {"stance": "critical", "topic": ["military", "cyber"]},  # the schema's order
            "bea": {"stance": "neutral"},
        }
        ana.undo()
        assert store.document_labels(document_id, "ana") == {"ana": {"stance": "critical"}}
        ana.redo()
        ana.set_document_label(document_id, "stance", None)  # cleared
        assert "stance" not in store.document_labels(document_id, "ana")["ana"]
        with pytest.raises(StoreError, match="stance cannot be 'maybe'"):
            ana.set_document_label(document_id, "stance", "maybe")
        with pytest.raises(StoreError, match="takes one value"):
            ana.set_document_label(document_id, "reliability", ["A", "B"])
        with pytest.raises(StoreError, match="unknown document label 'mood'"):
            ana.set_document_label(document_id, "mood", "happy")


def test_by_keys_and_in_the_side_panel(qtbot, tmp_path):
    store = Store(tmp_path / "p.db")
    document_id, _ = store.add_document(TEXT, "Kim")
    window = shown_window(qtbot, store, tmp_path / "s.ini", document_id=document_id)
    answer_menu([Qt.Key.Key_1, Qt.Key.Key_3])  # D, then 1 (stance), then 3 (critical)
    qtbot.keyClick(window.view, Qt.Key.Key_D)
    assert store.document_labels(document_id, "ana") == {"ana": {"stance": "critical"}}
    assert window.side.document_label_widgets["stance"].currentData() == "critical"
    answer_menu([Qt.Key.Key_3, Qt.Key.Key_4])  # D, 3 (topic), 4 (cyber): toggled on
    qtbot.keyClick(window.view, Qt.Key.Key_D)
    answer_menu([Qt.Key.Key_3, Qt.Key.Key_1])  # and military
    qtbot.keyClick(window.view, Qt.Key.Key_D)
    assert store.document_labels(document_id, "ana")["ana"]["topic"] == ["military", "cyber"]
    assert window.side.document_label_widgets["topic"].text() == "military, cyber"
    # the side panel's combo sets it too; Ctrl+Z takes it back, and the panel follows
    window.side.document_label_widgets["reliability"].setCurrentIndex(2)  # "B"
    assert store.document_labels(document_id, "ana")["ana"]["reliability"] == "B"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "reliability" not in store.document_labels(document_id, "ana")["ana"]
    assert window.side.document_label_widgets["reliability"].currentData() == ""
    window.close()
    store.close()


def test_exported_and_read_back(tmp_path):
    store = Store(tmp_path / "p.db")
    document_id, _ = store.add_document(TEXT, "Kim", lang="es")
    ana = Editor(store, "ana")
    ana.create_span(document_id, 0, 11, "PER")
    ana.set_document_label(document_id, "stance", "critical")
    ana.set_document_label(document_id, "topic", ["military", "diplomacy"])
    Editor(store, "bea").set_document_label(document_id, "stance", "neutral")
    for name in ("x.json", "x.jsonl"):
        export(store, name.split(".")[1], tmp_path / name, Selection())
        with Store(tmp_path / f"{name}.db") as other:
            assert not import_paths(other, [tmp_path / name]).rejected_files
            assert other.document_labels(other.document_ids()[0]) == store.document_labels(document_id)
    export(store, "csv", tmp_path / "x.csv", Selection(), documents=True)
    (row,) = csv.DictReader((tmp_path / "x.documents.csv").open(encoding="utf-8"))
    assert row["stance"] == "ana: critical | bea: neutral" and row["topic"] == "military; diplomacy"
    export(store, "csv", tmp_path / "ana.csv", Selection(annotators=("ana",)), documents=True)
    (row,) = csv.DictReader((tmp_path / "ana.documents.csv").open(encoding="utf-8"))
    assert row["stance"] == "critical"
    export(store, "spacy", tmp_path / "ana.spacy", Selection(annotators=("ana",)))
    import spacy
    from spacy.tokens import DocBin

    (doc,) = DocBin().from_disk(tmp_path / "ana.spacy").get_docs(spacy.blank("es").vocab)
    assert doc.cats["stance:critical"] == 1.0 and doc.cats["stance:neutral"] == 0.0
    assert doc.cats["topic:military"] == doc.cats["topic:diplomacy"] == 1.0 and doc.cats["topic:cyber"] == 0.0
    # a file whose label the project lacks is refused, naming it
    bad = tmp_path / "bad.jsonl"
    record = json.loads((tmp_path / "x.jsonl").read_text(encoding="utf-8").splitlines()[0])
    record["_annotator_tool"]["document_labels"] = {"ana": {"mood": "happy"}}
    bad.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    with Store(tmp_path / "bad.db") as other:
        report = import_paths(other, [bad])
        assert "unknown document label 'mood'" in report.rejected_files[0].rejections[0].message
    store.close()


def test_a_colleagues_document_labels_come_in_with_a_merge(tmp_path):
    from annotator.merge import merge

    with Store(tmp_path / "bea.db") as theirs:
        document_id, _ = theirs.add_document(TEXT, "Kim")
        bea = Editor(theirs, "bea")
        bea.create_span(document_id, 0, 11, "PER")
        bea.set_document_label(document_id, "stance", "neutral")
    with Store(tmp_path / "ana.db") as ours:
        mine, _ = ours.add_document(TEXT, "Kim")
        Editor(ours, "ana").set_document_label(mine, "stance", "critical")
        report = merge(ours, tmp_path / "bea.db")
        assert report.document_labels_added == 1 and "1 document label(s)" in report.summary()
        assert ours.document_labels(mine) == {"ana": {"stance": "critical"}, "bea": {"stance": "neutral"}}
        assert merge(ours, tmp_path / "bea.db").document_labels_added == 0  # again: nothing twice


def test_agreement_per_document_label(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli

    path = tmp_path / "p.db"
    with Store(path) as store:
        ana, bea = Editor(store, "ana"), Editor(store, "bea")
        for number, (mine, theirs) in enumerate(
            (("critical", "critical"), ("neutral", "critical"), ("neutral", "neutral"))
        ):
            document_id, _ = store.add_document(f"{TEXT} ({number})", f"Kim {number}")
            ana.create_span(document_id, 0, 11, "PER")
            bea.create_span(document_id, 0, 11, "PER")
            ana.set_document_label(document_id, "stance", mine)
            bea.set_document_label(document_id, "stance", theirs)
        ana.set_document_label(document_id, "reliability", "B")  # bea never graded: not compared
    result = CliRunner().invoke(cli, ["--db", str(path), "agreement", "--a", "ana", "--b", "bea", "--json"])
    assert result.exit_code == 0, result.output
    stance = json.loads(result.output)["document_labels"]
    assert list(stance) == ["stance"]
    assert stance["stance"]["documents"] == 3 and abs(stance["stance"]["agreement"] - 2 / 3) < 1e-6
    assert 0 < stance["stance"]["kappa"] < 1
    shown = CliRunner().invoke(cli, ["--db", str(path), "agreement", "--a", "ana", "--b", "bea"])
    assert "document label stance: 3 article(s), same choice 67%" in shown.output


def test_the_list_filters_by_a_document_labels_choice(qtbot, tmp_path):
    store = Store(tmp_path / "p.db")
    critical, _ = store.add_document(TEXT, "Crítico")
    neutral, _ = store.add_document(TEXT + " (2)", "Neutral")
    topical, _ = store.add_document(TEXT + " (3)", "Temas")
    ana = Editor(store, "ana")
    ana.set_document_label(critical, "stance", "critical")
    ana.set_document_label(neutral, "stance", "neutral")
    ana.set_document_label(topical, "topic", ["economy", "cyber"])
    assert store.document_ids_where(label="stance = critical") == [critical]
    assert store.document_ids_where(label="topic = cyber") == [topical]
    window = shown_window(qtbot, store, tmp_path / "s.ini", document_id=critical)
    documents = window.documents
    documents.fill_filters()
    documents.label_filter.setCurrentIndex(documents.label_filter.findData("stance = neutral"))
    qtbot.waitUntil(lambda: [r["id"] for r in documents.model.rows] == [neutral])
    window.close()
    store.close()


def test_review_mode_takes_a_document_label_into_gold(qtbot, tmp_path):
    store = Store(tmp_path / "p.db")
    document_id, _ = store.add_document(TEXT, "Kim")
    for name, stance in (("ana", "critical"), ("bea", "neutral")):
        editor = Editor(store, name)
        editor.create_span(document_id, 0, 11, "PER")
        editor.set_document_label(document_id, "stance", stance)
    window = shown_window(qtbot, store, tmp_path / "s.ini", annotator="rev", document_id=document_id)
    window.act_review.trigger()
    panel = window.review_panel
    panel.a_combo.setCurrentIndex(panel.a_combo.findData("ana"))
    panel.b_combo.setCurrentIndex(panel.b_combo.findData("bea"))
    window.open_document(document_id)
    row = panel.document_labels.itemAtPosition(0, 0).widget().text()
    assert row == "≠ stance: A critical · B neutral · gold —"
    take_b = panel.document_labels.itemAtPosition(0, 2).widget()
    qtbot.mouseClick(take_b, Qt.MouseButton.LeftButton)
    assert store.document_labels(document_id, "gold") == {"gold": {"stance": "neutral"}}
    assert store.annotator_kind("gold") == "gold"
    assert panel.document_labels.itemAtPosition(0, 0).widget().text().endswith("gold neutral")
    qtbot.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert store.document_labels(document_id, "gold") == {}
    # the corpus agreement the review measures meanwhile, done before the project closes
    qtbot.waitUntil(lambda: window.documents.model.columns[-1][0] == "agreement", timeout=10_000)
    window.close()
    store.close()


def test_review_command_lists_document_label_differences(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli

    path = tmp_path / "p.db"
    with Store(path) as store:
        document_id, _ = store.add_document(TEXT, "Kim")
        Editor(store, "ana").set_document_label(document_id, "stance", "critical")
        Editor(store, "bea").set_document_label(document_id, "stance", "neutral")
        Editor(store, "rev").take_document_label(document_id, "stance", "neutral")
    result = CliRunner().invoke(cli, ["--db", str(path), "review", "--a", "ana", "--b", "bea"])
    assert result.exit_code == 0, result.output
    assert "document label stance: A critical, B neutral [settled]" in result.output
    assert "1 difference(s), 0 not settled by gold" in result.output


def test_document_labels_as_list_columns_sorted_by_a_click(qtbot, tmp_path):
    store = Store(tmp_path / "p.db")
    ids = [store.add_document(f"{TEXT} ({n})", f"Artículo {n}")[0] for n in range(4)]
    ana = Editor(store, "ana")
    for document_id, stance in zip(ids, ["neutral", "critical", None, "pro-Russia"], strict=True):
        if stance:
            ana.set_document_label(document_id, "stance", stance)
    window = shown_window(qtbot, store, tmp_path / "s.ini", document_id=ids[0])
    documents, model = window.documents, window.documents.model
    keys = [key for key, _ in model.columns]
    assert "label:stance" in keys and "label:stance" in model.OPTIONAL
    column = keys.index("label:stance")
    assert documents.table.isColumnHidden(column)  # optional: shown from the header's menu
    documents.show_columns([*documents.shown, "label:stance"])
    assert not documents.table.isColumnHidden(column)
    documents._on_header(column)  # a click on its header sorts by it
    assert [model.data(model.index(r, column)) for r in range(4)] == ["", "critical", "neutral", "pro-Russia"]
    assert [r["id"] for r in model.rows] == [ids[2], ids[1], ids[0], ids[3]]
    documents._on_header(column)  # again: reversed
    assert [r["id"] for r in model.rows][0] == ids[3]
    window.close()
    store.close()
