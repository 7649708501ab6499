import json

import pytest

from annotator.errors import InputFileError
from annotator.formats.reading import MAX_LINE_BYTES, decode, guess_language
from annotator.importing import import_paths

TEXT = "Kim Jong-un habló, según la agencia KCNA.\nPionyang respondió."
KIM = (0, len("Kim Jong-un"))
KCNA = (len("Kim Jong-un habló, según la agencia "), len("Kim Jong-un habló, según la agencia KCNA"))


def write_jsonl(path, records):
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    return path


def snapshot(store):
    """Everything a rejected file must leave as it was."""
    return (
        store.conn.execute("SELECT count(*) FROM documents").fetchone()[0],
        store.conn.execute("SELECT count(*) FROM spans").fetchone()[0],
        store.conn.execute("SELECT count(*) FROM history").fetchone()[0],
        sorted(store.schema.labels),
    )


# -- .txt -------------------------------------------------------------------------------------


def test_txt_title_is_first_nonempty_line_and_whole_file_is_text(store, tmp_path):
    (tmp_path / "a.txt").write_text(
        "\n\n  Título del artículo  \nCuerpo con acentos: ñandú.\n", encoding="utf-8"
    )
    report = import_paths(store, [tmp_path / "a.txt"])
    assert report.rejected_files == []
    document = store.document(store.document_ids()[0])
    assert document.title == "Título del artículo"
    assert document.text == "\n\n  Título del artículo  \nCuerpo con acentos: ñandú.\n"
    assert document.external_id == "a.txt"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfT\xc3\xadtulo\r\nTexto", "Título\r\nTexto"),  # UTF-8 BOM, CRLF kept
        ("Título\nTexto".encode("utf-16"), "Título\nTexto"),  # UTF-16 with BOM (native order)
        (b"\xfe\xff" + "Año".encode("utf-16-be"), "Año"),
        ("Año".encode(), "Año"),
    ],
)
def test_encodings_accepted(store, tmp_path, data, expected):
    (tmp_path / "x.txt").write_bytes(data)
    report = import_paths(store, [tmp_path / "x.txt"])
    assert report.rejected_files == []
    assert store.document(store.document_ids()[0]).text == expected


def test_latin1_file_rejected_naming_the_byte(store, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Año".encode("latin-1"))
    report = import_paths(store, [path])
    (rejected,) = report.rejected_files
    assert (
        str(rejected.rejections[0]) == f"{path}: not UTF-8 text (byte 0xf1 at offset 1); "
        "save it as UTF-8, or UTF-16 with a byte-order mark"
    )
    assert store.document_ids() == []


def test_decode_names_bad_utf16():
    with pytest.raises(InputFileError, match="not valid UTF-16-LE"):
        decode(b"\xff\xfe\x00\xd8", "f.txt")  # a lone high surrogate


def test_folder_is_read_recursively_and_rest_of_batch_goes_on(store, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "one.txt").write_text("Uno\nTexto uno.", encoding="utf-8")
    (tmp_path / "sub" / "two.txt").write_text("Dos\nTexto dos.", encoding="utf-8")
    (tmp_path / "sub" / "bad.txt").write_bytes(b"\xff\x00\xfe")
    (tmp_path / "notes.docx").write_bytes(b"PK")  # unknown extensions in a folder are left alone
    report = import_paths(store, [tmp_path])
    assert [f.path.split("/")[-1] for f in report.imported_files] == ["one.txt", "two.txt"]
    assert [f.path.split("/")[-1] for f in report.rejected_files] == ["bad.txt"]
    assert len(store.document_ids()) == 2


def test_same_text_twice_is_one_document_and_summary_says_so(store, tmp_path):
    (tmp_path / "a.txt").write_text("Igual\nTexto.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Igual\nTexto.", encoding="utf-8")
    report = import_paths(store, [tmp_path / "a.txt", tmp_path / "b.txt"])
    assert len(store.document_ids()) == 1
    assert "1 new document(s), 1 already present (same text)" in report.summary()


def test_unknown_extension_and_missing_file_named(store, tmp_path):
    (tmp_path / "x.docx").write_bytes(b"PK\x03\x04")  # PDF and HTML are known since issue 16
    report = import_paths(store, [tmp_path / "x.docx", tmp_path / "missing.txt"])
    messages = [str(r.rejections[0]) for r in report.rejected_files]
    assert messages[0].endswith(
        "unknown format (extension .docx); use --format csv|json|jsonl|spacy|conll|brat|qdpx|txt|html|pdf"
    )
    assert messages[1].endswith("missing.txt: no such file")


def test_language_detected_unless_given(store, tmp_path):
    assert guess_language("The president said that the agency was wrong and the talks failed.", "es") == "en"
    assert guess_language("El presidente dijo que la agencia de la capital y los ministros...", "en") == "es"
    assert guess_language("Pionyang. Seúl.", "es") == "es"
    (tmp_path / "en.txt").write_text(
        "The minister said that the launch was a success for the country.", encoding="utf-8"
    )
    import_paths(store, [tmp_path / "en.txt"])
    assert store.document(store.document_ids()[0]).lang == "en"


# -- JSONL ------------------------------------------------------------------------------------


def test_jsonl_all_span_shapes_stored_as_accepted_import(store, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "text": TEXT,
                "id": "n1",
                "title": "Kim",
                "meta": {"source": "KCNA", "date": "2024-03-14"},
                "lang": "es",
                "spans": [
                    {"start": KIM[0], "end": KIM[1], "label": "PER"},
                    {"start": KCNA[0], "end": KCNA[1], "label": "SOURCE", "attributes": {"agency": "KCNA"}},
                ],
            },
            {"text": "Seúl lo niega.", "label": [[0, 4, "LOC"]]},
            {"text": "Moscú calla.", "entities": [{"start_offset": 0, "end_offset": 5, "label": "GPE"}]},
        ],
    )
    report = import_paths(store, [path], annotator="maria")
    assert report.rejected_files == [], [str(r) for f in report.files for r in f.rejections]
    first, second, third = store.document_ids()
    document = store.document(first)
    assert (document.title, document.external_id, document.lang, document.source) == (
        "Kim",
        "n1",
        "es",
        "KCNA",
    )
    assert document.meta == {"source": "KCNA", "date": "2024-03-14"}
    spans = store.spans(first)
    assert [(s.start, s.end, s.label, s.status, s.origin, s.annotator) for s in spans] == [
        (*KIM, "PER", "accepted", "import", "maria"),
        (*KCNA, "SOURCE", "accepted", "import", "maria"),
    ]
    assert document.text[spans[1].start : spans[1].end] == "KCNA"
    assert spans[1].attributes == {"agency": "KCNA"}
    assert [(s.start, s.end, s.label) for s in store.spans(second)] == [(0, 4, "LOC")]
    # an English model label is mapped onto the schema (GPE -> LOC)
    assert [(s.start, s.end, s.label) for s in store.spans(third)] == [(0, 5, "LOC")]
    assert {a["name"]: a["kind"] for a in store.annotators()}["maria"] == "human"


def test_reimport_adds_nothing_twice(store, tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl", [{"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}]}]
    )
    import_paths(store, [path])
    report = import_paths(store, [path])
    assert (report.total("documents_existing"), report.total("spans_added")) == (1, 0)
    assert len(store.spans()) == 1


BAD_LINES = [
    (
        {"text": TEXT, "spans": [{"start": 0, "end": len(TEXT) + 5, "label": "PER"}]},
        f"span 0-{len(TEXT) + 5} PER: span 0-{len(TEXT) + 5} ends after the text ({len(TEXT)} characters)",
    ),
    ({"text": TEXT, "spans": [{"start": 4, "end": 4, "label": "PER"}]}, "span 4-4 PER: empty span 4-4"),
    ({"text": TEXT, "spans": [{"start": 9, "end": 2, "label": "PER"}]}, "span 9-2 PER: inverted span 9-2"),
    (
        {"text": TEXT, "spans": [{"start": -1, "end": 2, "label": "PER"}]},
        "span -1-2 PER: start -1 is negative",
    ),
    (
        {"text": TEXT, "spans": [{"start": "0", "end": 2, "label": "PER"}]},
        'span start must be an integer, got "0"',
    ),
    (
        {"text": TEXT, "spans": [{"start": 0, "end": 2.5, "label": "PER"}]},
        "span end must be an integer, got 2.5",
    ),
    (
        {"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "WEAPON"}]},
        "span 0-3: unknown label 'WEAPON'",
    ),
    (
        {
            "text": TEXT,
            "spans": [{"start": 0, "end": 11, "label": "PER"}, {"start": 4, "end": 15, "label": "ORG"}],
        },
        "spans 0-11 and 4-15 overlap in the entities layer",
    ),
    ({"title": "no text"}, "missing 'text'"),
    ({"text": 42}, "'text' must be a string, got int"),
    ({"text": "a\u0000b"}, "text contains a NUL character at offset 1"),
    ('{"text": "\\ud800"}', "text contains an unpaired surrogate at offset 0"),
    ({"text": TEXT, "meta": "x"}, "'meta' must be an object, got str"),
    ({"text": TEXT, "label": [[0, 3]]}, "each of 'label' must be [start, end, \"LABEL\"]"),
    ([1, 2], "expected a JSON object, got list"),
    ('{"text": "unfinished', "not valid JSON at column 10: Unterminated string"),
]


@pytest.mark.parametrize(("record", "message"), BAD_LINES, ids=[m[:30] for _, m in BAD_LINES])
def test_bad_line_rejects_whole_file_with_line_and_reason(store, tmp_path, record, message):
    good = {"text": "Una línea buena.", "spans": [{"start": 0, "end": 3, "label": "MISC"}]}
    path = write_jsonl(tmp_path / "mixed.jsonl", [good, record, good | {"text": "Otra buena."}])
    other = tmp_path / "other.txt"
    other.write_text("Otro\nartículo que sí entra.", encoding="utf-8")
    before = snapshot(store)
    report = import_paths(store, [path, other])
    (rejected,) = report.rejected_files
    assert rejected.path == str(path)
    assert [r.line for r in rejected.rejections] == [2]
    assert message in rejected.rejections[0].message
    assert str(rejected.rejections[0]).startswith(f"{path}:2: ")
    # nothing of the rejected file is stored; the other file of the batch is
    documents, spans, history, labels = before
    assert store.conn.execute("SELECT count(*) FROM spans").fetchone()[0] == spans
    assert [store.document(i).external_id for i in store.document_ids()] == ["other.txt"]
    assert sorted(store.schema.labels) == labels


def test_every_bad_line_of_a_file_is_reported(store, tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", ["not json", {"text": TEXT}, {"nope": 1}, "[]"])
    (rejected,) = import_paths(store, [path]).rejected_files
    assert [r.line for r in rejected.rejections] == [1, 3, 4]


def test_every_bad_span_of_a_file_is_reported_not_only_the_first(store, tmp_path):
    path = write_jsonl(
        tmp_path / "spans.jsonl",
        [
            {"text": TEXT, "spans": [{"start": 5, "end": 2, "label": "PER"}]},
            {"text": TEXT, "spans": [{"start": 0, "end": 11, "label": "NOPE"}]},
            {"text": TEXT},
            {"text": TEXT, "spans": [{"start": 0, "end": 999, "label": "PER"}]},
        ],
    )
    (rejected,) = import_paths(store, [path]).rejected_files
    assert [r.line for r in rejected.rejections] == [1, 2, 4]
    assert store.document_ids() == []


@pytest.mark.parametrize(
    "line, byte, column",
    [
        (b'{"text":"\xff\xfeabc"}', "0xff", 10),
        (b'{"text": "caf\xe9 y m\xe1s"}', "0xe9", 14),
        (b'\xff\xfe{"text": "x"}', "0xff", 1),
    ],
)
def test_a_bad_byte_is_named_with_its_column(store, tmp_path, line, byte, column):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"text": "bien"}\n' + line + b"\n")
    (rejected,) = import_paths(store, [path]).rejected_files
    assert [str(r) for r in rejected.rejections] == [f"{path}:2: not UTF-8 (byte {byte} at column {column})"]


def test_the_import_dialog_offers_every_format_read():
    from annotator.formats import EXTENSIONS, dialog_filter

    offered = dialog_filter()
    assert "*.json " in offered and "*.jsonl" in offered and "*.spacy" in offered
    assert all(f"*{extension}" in offered for extension in EXTENSIONS)


def test_add_labels_adds_unknown_labels_and_rolls_them_back_with_a_rejected_file(store, tmp_path):
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [{"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "WEAPON"}]}, {"text": 3}],
    )
    import_paths(store, [bad], add_labels=True)
    assert "WEAPON" not in store.schema.labels
    good = write_jsonl(
        tmp_path / "good.jsonl", [{"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "WEAPON"}]}]
    )
    report = import_paths(store, [good], add_labels=True)
    assert report.rejected_files == []
    assert store.schema.labels["WEAPON"].layer == "entities"
    assert [s.label for s in store.spans()] == ["WEAPON"]


def test_prodigy_rejected_and_ignored_examples_are_skipped_and_counted(store, tmp_path):
    path = write_jsonl(
        tmp_path / "prodigy.jsonl",
        [
            {"text": "Uno.", "answer": "accept"},
            {"text": "Dos.", "answer": "reject"},
            {"text": "Tres.", "answer": "ignore"},
        ],
    )
    report = import_paths(store, [path])
    assert report.total("skipped") == 2
    assert len(store.document_ids()) == 1
    assert "2 example(s) skipped" in report.summary()


def test_overlong_line_refused_without_reading_it_whole(store, tmp_path, monkeypatch):
    monkeypatch.setattr("annotator.formats.reading.MAX_LINE_BYTES", 1000)
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"text": "x" * 5000}) + "\n" + json.dumps({"text": "ok"}) + "\n")
    (rejected,) = import_paths(store, [path]).rejected_files
    assert [(r.line, r.message) for r in rejected.rejections] == [(1, "line longer than 0 MB")]
    assert MAX_LINE_BYTES == 64 * 1024 * 1024


def test_crlf_offsets_mean_the_same_characters(store, tmp_path):
    text = "Línea uno\r\nKim Jong-un\r\n"
    start = text.index("Kim")
    path = write_jsonl(
        tmp_path / "crlf.jsonl",
        [{"text": text, "spans": [{"start": start, "end": start + 11, "label": "PER"}]}],
    )
    import_paths(store, [path])
    (span,) = store.spans()
    assert store.document(span.document_id).text[span.start : span.end] == "Kim Jong-un"


# -- CSV --------------------------------------------------------------------------------------


def test_csv_columns_and_extra_columns_as_meta(store, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(
        "id,title,text,url,date,lang,desk\n"
        'a1,Primera,"Texto con ""comillas"",\ny salto de línea.",http://x/1,2024-05-01,es,Asia\n'
        "a2,,Segundo texto sin título.,,,,\n",
        encoding="utf-8",
    )
    report = import_paths(store, [path])
    assert report.rejected_files == []
    first, second = (store.document(i) for i in store.document_ids())
    assert first.text == 'Texto con "comillas",\ny salto de línea.'
    assert (first.external_id, first.title, first.url, first.published, first.lang) == (
        "a1",
        "Primera",
        "http://x/1",
        "2024-05-01",
        "es",
    )
    assert first.meta == {"desk": "Asia"}
    assert second.title == "Segundo texto sin título."


def test_csv_without_text_column_or_with_short_rows_rejected(store, tmp_path):
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("title,body\nA,B\n", encoding="utf-8")
    short = tmp_path / "short.csv"
    short.write_text("title,text\nA,uno\nB\nC,tres\n", encoding="utf-8")
    report = import_paths(store, [no_text, short])
    messages = {
        f.path.split("/")[-1]: [str(r).split("/")[-1] for r in f.rejections] for f in report.rejected_files
    }
    assert messages == {
        "no_text.csv": ["no_text.csv:1: no 'text' column in the header (columns: title, body)"],
        "short.csv": ["short.csv:3: 1 cells where the header has 2"],
    }
    assert store.document_ids() == []


# -- the real corpus --------------------------------------------------------------------------


def test_conll2002_articles_import_with_offsets_intact(store, shared_data):
    path = shared_data / "conll2002" / "esp.train.articles.jsonl"
    report = import_paths(store, [path])
    assert report.rejected_files == []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    first_of_text = {}
    for number, line in enumerate(lines, 1):
        first_of_text.setdefault(line["text"], (number, line))
    assert len(store.document_ids()) == len(first_of_text)
    # articles that appear twice with different entities: each annotation is kept whole (the
    # second in a set of its own), the report names the line; nothing of the file is lost
    (result,) = report.files
    duplicates = [n for n, line in enumerate(lines, 1) if first_of_text[line["text"]][0] != n]
    warned = [int(w.split(":")[0].removeprefix("line ")) for w in result.warnings]
    assert 1 <= len(warned) and set(warned) <= set(duplicates)
    assert all("kept whole as annotator" in w for w in result.warnings)
    stored_all = set()
    for document_id in store.document_ids():
        document = store.document(document_id)
        spans = store.spans(document_id)
        stored_all |= {(document.text, s.start, s.end, s.label) for s in spans}
        _number, first = first_of_text[document.text]
        mine = {(s.start, s.end, s.label) for s in spans if s.annotator == "import"}
        assert {(s["start"], s["end"], s["label"]) for s in first["spans"]} <= mine
        for span in spans:
            assert document.text[span.start : span.end].strip() == document.text[span.start : span.end]
        for annotator in {s.annotator for s in spans}:
            ranges = sorted((s.start, s.end) for s in spans if s.annotator == annotator)
            assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False)), "entities overlap"
    given = {(line["text"], s["start"], s["end"], s["label"]) for line in lines for s in line["spans"]}
    assert stored_all == given


def test_doccano_and_prodigy_examples_import(store, shared_data):
    report = import_paths(
        store,
        [
            shared_data / "formats" / "doccano" / "export_sequence_labeling.jsonl",
            shared_data / "formats" / "prodigy",
        ],
    )
    assert report.rejected_files == []
    labels = sorted(s.label for s in store.spans())
    assert labels.count("PER") >= 2  # doccano's PERSON mapped onto PER
    assert any(store.document(i).meta.get("source") == "The New York Times" for i in store.document_ids())


def test_a_duplicate_text_annotated_differently_is_kept_whole_as_its_own_set(store, tmp_path):
    """CoNLL-2002's esp.train repeats texts with different gold spans: none may be lost."""
    path = write_jsonl(
        tmp_path / "dup.jsonl",
        [
            {"text": TEXT, "spans": [{"start": 0, "end": 11, "label": "PER"}]},
            {
                "text": TEXT,
                "spans": [
                    {"start": 4, "end": 11, "label": "ORG"},
                    {"start": KCNA[0], "end": KCNA[1], "label": "ORG"},
                ],
            },
            {"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "LOC"}]},
        ],
    )
    report = import_paths(store, [path])
    (result,) = report.files
    assert result.ok
    assert result.warnings == [
        "line 2: the same text as document 1, annotated differently (1 span(s) overlap import's there: "
        "4-11 ORG); this annotation is kept whole as annotator \u201cimport (duplicate 2)\u201d",
        "line 3: the same text as document 1, annotated differently (1 span(s) overlap import's there: "
        "0-3 LOC); this annotation is kept whole as annotator \u201cimport (duplicate 3)\u201d",
    ]
    assert [(s.start, s.end, s.label, s.annotator) for s in store.spans()] == [
        (0, 3, "LOC", "import (duplicate 3)"),
        (0, 11, "PER", "import"),
        (4, 11, "ORG", "import (duplicate 2)"),
        (*KCNA, "ORG", "import (duplicate 2)"),
    ]
    assert store.annotator_kind("import (duplicate 2)") == "import"
    assert "2 warning(s)" in report.summary()
    # importing the file again adds nothing: each annotation finds its own set
    again = import_paths(store, [path])
    assert again.files[0].ok and again.files[0].warnings == []
    assert len(store.spans()) == 4


def test_export_of_an_import_holds_every_distinct_span_of_the_file(store, tmp_path):
    from annotator.domain import Selection
    from annotator.exporting import export

    records = [
        {"text": TEXT, "spans": [{"start": 0, "end": 11, "label": "PER"}]},
        {"text": TEXT, "spans": [{"start": 0, "end": 3, "label": "PER"}, {"start": 4, "end": 11, "label": "PER"}]},
        {"text": "Otro texto sin nada.", "spans": []},
    ]
    path = write_jsonl(tmp_path / "dup.jsonl", records)
    for _ in range(4):
        assert import_paths(store, [path]).files[0].ok
    out = tmp_path / "out.json"
    export(store, "json", out, Selection())
    exported = {
        (d["text"], s["start"], s["end"], s["label"])
        for d in json.loads(out.read_text(encoding="utf-8"))["documents"]
        for s in d["spans"]
    }
    given = {(r["text"], s["start"], s["end"], s["label"]) for r in records for s in r["spans"]}
    assert exported == given


def test_reimporting_a_full_record_whose_clashing_span_carries_a_link(store, tmp_path):
    """Used to raise KeyError: a span left out of a duplicate took its link's end with it."""
    first = {
        "text": TEXT,
        "spans": [
            {"id": 1, "start": 0, "end": 11, "label": "PER", "annotator": "ana"},
            {"id": 2, "start": 0, "end": len(TEXT), "label": "QUOTE", "annotator": "ana"},
        ],
        "links": [{"head": 2, "tail": 1, "label": "speaker", "annotator": "ana"}],
    }
    second = {
        "text": TEXT,
        "spans": [
            {"id": 1, "start": 0, "end": 3, "label": "PER", "annotator": "ana"},
            {"id": 2, "start": 0, "end": len(TEXT), "label": "QUOTE", "annotator": "ana"},
        ],
        "links": [{"head": 2, "tail": 1, "label": "speaker", "annotator": "ana"}],
    }
    path = tmp_path / "full.json"
    path.write_text(json.dumps({"documents": [first, second]}), encoding="utf-8")
    report = import_paths(store, [path])
    assert report.files[0].ok, report.files[0].rejections
    links = store.links(1)
    spans = {s.id: s for s in store.spans(1)}
    assert sorted((spans[k.tail_id].end, spans[k.tail_id].annotator) for k in links) == [
        (3, "ana (duplicate 2)"),
        (11, "ana"),
    ]
    assert all(spans[k.head_id].annotator == spans[k.tail_id].annotator for k in links)


def test_renamed_fields_are_read_as_ours(store, tmp_path):
    path = write_jsonl(tmp_path / "custom.jsonl", [{"column_data": TEXT, "column_label": [[0, 11, "PER"]]}])
    plain = import_paths(store, [path])
    assert "missing 'text'" in str(plain.rejected_files[0].rejections[0])
    report = import_paths(store, [path], rename={"column_data": "text", "column_label": "label"})
    assert report.rejected_files == []
    assert [(s.start, s.end, s.label) for s in store.spans()] == [(0, 11, "PER")]


def test_doccano_custom_columns_example(store, shared_data):
    path = shared_data / "formats" / "doccano" / "import_sequence_labeling_custom_columns.jsonl"
    report = import_paths(store, [path], rename={"column_data": "text", "column_label": "label"})
    assert report.rejected_files == [] and len(store.document_ids()) == 3
    assert sorted(s.label for s in store.spans()) == ["ORG", "PER", "PER"]  # PERSON mapped onto PER


def test_field_option_on_the_command_line(db_path, tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli

    path = write_jsonl(tmp_path / "custom.jsonl", [{"column_data": TEXT, "column_label": [[0, 11, "PER"]]}])
    runner = CliRunner()
    ok = runner.invoke(
        cli,
        [
            "--db",
            str(db_path),
            "import",
            "--field",
            "column_data=text",
            "--field",
            "column_label=label",
            str(path),
        ],
    )
    assert ok.exit_code == 0 and "1 span(s) added" in ok.output
    bad = runner.invoke(cli, ["--db", str(db_path), "import", "--field", "column_data", str(path)])
    assert bad.exit_code == 2 and "expected FILE_KEY=OUR_KEY" in bad.output


def test_decomposed_text_is_composed_and_its_spans_move_with_it(tmp_path, store):
    """NFD text (as macOS file names and some feeds write it): stored in NFC, every offset
    moved, and the import says so."""
    import unicodedata

    composed = "José Martí habló en Seúl con 김정은 😀 según KCNA."
    text = unicodedata.normalize("NFD", composed)
    assert len(text) > len(composed)
    spans = [
        {"start": 0, "end": text.index(" "), "label": "PER"},
        {"start": text.index("KCNA"), "end": text.index("KCNA") + 4, "label": "ORG"},
        {"start": text.index("Se"), "end": text.index(" con"), "label": "LOC"},
    ]
    path = tmp_path / "nfd.jsonl"
    path.write_text(json.dumps({"text": text, "spans": spans}, ensure_ascii=False) + "\n", encoding="utf-8")
    report = import_paths(store, [path])
    (result,) = report.files
    assert result.composed == 1 and "composed form (NFC" in result.warnings[0]
    document = store.document(store.document_ids()[0])
    assert document.text == composed
    assert sorted((document.text[s.start : s.end], s.label) for s in store.spans(document.id)) == [
        ("José", "PER"),
        ("KCNA", "ORG"),
        ("Seúl", "LOC"),
    ]
    # the same file again: the same document, nothing added twice
    again = import_paths(store, [path])
    assert again.files[0].documents_existing == 1 and again.files[0].spans_added == 0


def test_an_offset_inside_a_composing_sequence_lands_after_it():
    from annotator.formats.reading import Record, compose

    record = Record(text="Cafe\u0301 y te\u0301", spans=[(0, 4, "MISC", {}), (8, 10, "MISC", {})])
    record.tokens = ([0, 6, 8], [5, 7, 10])
    assert compose(record)
    assert record.text == "Café y té"
    assert [(record.text[s:e]) for s, e, *_ in record.spans] == ["Café", "té"]
    assert record.tokens == ([0, 5, 7], [4, 6, 9])
    assert not compose(record)  # already composed: nothing to do
