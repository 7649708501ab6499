"""Full-text search kept in step with imports and merges; tagged segments across the corpus."""

import json
import re

from click.testing import CliRunner

from annotator.cli import cli
from annotator.importing import import_paths
from annotator.merge import merge
from annotator.store import Store, fts_query
from tests.conftest import SAMPLES


def test_fts_query_never_passes_syntax():
    assert (
        fts_query('Kim "Consejo de Seguridad" AND NOT x*') == '"Kim" "Consejo de Seguridad" "AND" "NOT" "x"'
    )
    assert fts_query('" ( ) * :') == ""


def test_search_finds_words_ignoring_accents_with_context(store):
    import_paths(store, [SAMPLES])
    rows = store.search("segun KCNA Pionyang")
    assert rows and rows[0]["title"].startswith("Pionyang defiende")
    assert "[KCNA]" in rows[0]["snippet"] or "[Pionyang]" in rows[0]["snippet"]
    assert store.search('"Consejo de Seguridad ruso"')[0]["title"].startswith("Pionyang")
    assert store.search("") == [] and store.search("palabrainexistente") == []


def test_search_kept_in_step_with_imports_and_merges(tmp_path):
    with Store(tmp_path / "a.db") as ours:
        ours.add_document("Seúl responde a Pionyang.", "Seúl")
        assert [r["title"] for r in ours.search("Seul")] == ["Seúl"]
        with Store(tmp_path / "b.db") as theirs:
            theirs.add_document("Tokio protesta por la pesca.", "Tokio")
        merge(ours, tmp_path / "b.db")
        assert [r["title"] for r in ours.search("pesca")] == ["Tokio"]


def test_find_box_of_the_window_uses_the_index(store):
    import_paths(store, [SAMPLES])
    store.set_document_status(1, "done", "ana")
    rows = store.document_rows(text="agencia yonhap", status="new")
    expected = {
        i
        for i in store.document_ids()
        if {"agencia", "yonhap"} <= set(re.findall(r"\w+", store.document(i).text.lower()))
        and store.document(i).status == "new"
    }
    assert {r["id"] for r in rows} == expected and expected  # scoped by the status filter too
    assert store.document_rows(text="*** (") == store.document_rows()  # nothing to search: no filter


def test_segments_with_attributes_links_and_dates(store):
    text = "Kim Jong-un dijo «vamos a ganar», según recogió KCNA. Yonhap lo confirmó."
    document_id, _ = store.add_document(text, "Kim", published="2024-05-14")
    other, _ = store.add_document("TASS informó de todo en junio.", "TASS", published="2024-06-01")
    kim = store.add_span(document_id, 0, len("Kim Jong-un"), "PER", "ana")
    quote = store.add_span(document_id, text.index("«"), text.index("»") + 1, "QUOTE", "ana")
    store.add_link(quote.id, kim.id, "speaker", "ana")
    kcna = text.index("según")
    store.add_span(document_id, kcna, text.index("KCNA") + 4, "SOURCE", "ana", attributes={"agency": "KCNA"})
    store.add_span(
        document_id,
        text.index("Yonhap"),
        text.index("Yonhap") + 6,
        "SOURCE",
        "ana",
        attributes={"agency": "Yonhap"},
    )
    store.add_span(other, 0, 4, "SOURCE", "ana", attributes={"agency": "TASS"})
    found = store.segments(label="SOURCE", attributes={"agency": "KCNA"})
    assert [(r["text"], r["left_context"][-6:], r["right_context"][:4]) for r in found] == [
        ("según recogió KCNA", "nar», ", ". Yo")
    ]
    assert [r["text"] for r in store.segments(label="QUOTE", link=("speaker", "Kim Jong-un"))] == [
        "«vamos a ganar»"
    ]
    assert store.segments(label="QUOTE", link=("speaker", "Shoigú")) == []
    assert [r["text"] for r in store.segments(label="SOURCE", date_prefix="2024-06")] == ["TASS"]
    assert len(store.segments(label="SOURCE")) == 3


def test_search_and_segments_commands(db_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db_path), "import", str(SAMPLES)]).exit_code == 0
    found = runner.invoke(cli, ["--db", str(db_path), "search", "Yonhap", "--json"])
    assert found.exit_code == 0 and len(json.loads(found.output)) >= 2
    with Store(db_path) as store:
        document_id = store.document_ids()[0]
        text = store.document(document_id).text
        start = text.index("KCNA")
        store.add_span(document_id, start, start + 4, "SOURCE", "ana", attributes={"agency": "KCNA"})
    listed = runner.invoke(
        cli, ["--db", str(db_path), "segments", "--label", "SOURCE", "--attr", "agency=KCNA"]
    )
    assert listed.exit_code == 0 and "[KCNA]" in listed.output and "1 segment(s)" in listed.output
    bad = runner.invoke(cli, ["--db", str(db_path), "segments", "--attr", "agency"])
    assert bad.exit_code == 2 and "expected NAME=VALUE" in bad.output


def test_segments_export_with_the_export_filters(store, tmp_path):
    """What the Segments panel finds is what `export --label --attr --date` writes."""
    from annotator.domain import Selection
    from annotator.exporting import export

    may, _ = store.add_document(
        "Según KCNA, todo va bien. Según TASS, también.", "Mayo", published="2024-05-02"
    )
    june, _ = store.add_document("KCNA lo repitió en junio.", "Junio", published="2024-06-01")
    store.add_span(may, 6, 10, "SOURCE", "ana", attributes={"agency": "KCNA"})
    store.add_span(may, 33, 37, "SOURCE", "ana", attributes={"agency": "TASS"})
    store.add_span(june, 0, 4, "SOURCE", "ana", attributes={"agency": "KCNA"})
    store.add_span(may, 6, 10, "ORG", "ana")
    selection = Selection(labels=("SOURCE",), attributes=(("agency", "KCNA"),), published="2024-05")
    spans = list(store.selected_spans(selection))
    segments = store.segments(label="SOURCE", attributes={"agency": "KCNA"}, date_prefix="2024-05")
    assert [(s.document_id, s.start) for s in spans] == [(r["document_id"], r["start"]) for r in segments]
    assert [(s.document_id, s.start) for s in spans] == [(may, 6)]
    out = tmp_path / "kcna.jsonl"
    export(store, "jsonl", out, selection)
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    # SOURCE is an analysis label: Prodigy's "spans" are entities; ours travel in _annotator_tool
    assert [[s["label"] for s in line["_annotator_tool"]["spans"]] for line in lines] == [["SOURCE"]]
    assert [line["text"][:5] for line in lines] == ["Según"]
    assert store.segments(date_prefix="2024_0") == []  # "_" is taken literally, not as a wildcard


def test_export_command_takes_attr_and_date(db_path, tmp_path):
    with Store(db_path) as store:
        document_id, _ = store.add_document("Según KCNA y según TASS.", "Uno", published="2024-05-02")
        store.add_span(document_id, 6, 10, "SOURCE", "ana", attributes={"agency": "KCNA"})
        store.add_span(document_id, 20, 24, "SOURCE", "ana", attributes={"agency": "TASS"})
    out = tmp_path / "kcna.csv"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db_path),
            "export",
            "--format",
            "csv",
            "--attr",
            "agency=KCNA",
            "--date",
            "2024",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "KCNA" in text and "TASS" not in text
