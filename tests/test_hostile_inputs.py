"""Property-based tests over the importers: whatever the bytes, a clear rejection or a correct
import; never a traceback, never a partly imported file."""

import json
import os
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.importing import import_paths
from annotator.store import Store

TRIED = {"jsonl_files": 0, "random_byte_files": 0, "line_ending_texts": 0, "brat_pairs": 0, "refused": 0}
FAST = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
LABELS = st.sampled_from(["PER", "ORG", "LOC", "MISC", "QUOTE", "WEAPON", "", "P\u00e9r", "<b>", "x" * 300])
OFFSETS = st.one_of(
    st.integers(-5, 80), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans()
)
TEXTS = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=60) | st.sampled_from(
    ["Kim\r\nJong-un", "Kim\rJong", "\ufeffKim", "a\x00b", "😀 Kim 😀", ""]
)
SPANS = st.lists(st.fixed_dictionaries({"start": OFFSETS, "end": OFFSETS, "label": LABELS}), max_size=4)
RECORDS = st.one_of(
    st.fixed_dictionaries({"text": TEXTS, "spans": SPANS}),
    st.fixed_dictionaries(
        {"text": TEXTS, "label": st.lists(st.tuples(OFFSETS, OFFSETS, LABELS), max_size=3)}
    ),
    st.dictionaries(
        st.sampled_from(["text", "meta", "id", "title", "spans"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)),
    ),
    st.lists(st.integers(), max_size=3),
)


def snapshot(store):
    return (
        store.conn.execute("SELECT count(*) FROM documents").fetchone()[0],
        store.conn.execute("SELECT count(*) FROM spans").fetchone()[0],
    )


def imported_correctly(store, lines):
    """Every stored span covers, in the stored text, the characters its line gave."""
    for span in store.spans():
        text = store.document(span.document_id).text
        assert 0 <= span.start < span.end <= len(text)
    for line in lines:
        if isinstance(line, dict) and isinstance(line.get("text"), str):
            matching = [i for i in store.document_ids() if store.document(i).text == line["text"]]
            assert len(matching) <= 1


@FAST
@given(
    lines=st.lists(RECORDS, min_size=1, max_size=6),
    cut=st.one_of(st.none(), st.integers(1, 40)),
    bom=st.booleans(),
)
def test_any_jsonl_is_imported_correctly_or_refused_whole(tmp_path_factory, lines, cut, bom):
    """Any structure, a last line cut short (truncated JSON), with or without a byte-order mark."""
    folder = tmp_path_factory.mktemp("jsonl")
    path = folder / "in.jsonl"
    encoded = [json.dumps(line, ensure_ascii=False) for line in lines]
    if cut is not None:
        encoded[-1] = encoded[-1][: max(1, len(encoded[-1]) - cut)]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\n".join(encoded) + "\n").encode("utf-8"))
    TRIED["jsonl_files"] += 1
    with Store(":memory:") as store:
        report = import_paths(store, [path])  # never raises
        (result,) = report.files
        TRIED["refused"] += not result.ok
        if result.ok:
            imported_correctly(store, lines)
        else:
            assert snapshot(store) == (0, 0)  # nothing of a refused file
            assert all(str(r).startswith(str(path)) and r.message for r in result.rejections)


@FAST
@given(
    data=st.binary(max_size=400),
    suffix=st.sampled_from([".txt", ".jsonl", ".csv", ".json", ".conll", ".spacy"]),
)
def test_random_bytes_never_crash_an_importer(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("bytes") / f"file{suffix}"
    path.write_bytes(data)
    TRIED["random_byte_files"] += 1
    with Store(":memory:") as store:
        report = import_paths(store, [path])
        (result,) = report.files
        TRIED["refused"] += not result.ok
        if not result.ok:
            assert snapshot(store) == (0, 0)
            assert result.rejections[0].message


@FAST
@given(
    lines=st.lists(
        st.text(alphabet=string.ascii_letters + "áé \r", min_size=1, max_size=20), min_size=1, max_size=5
    )
)
def test_line_endings_keep_offsets_meaning_the_same_characters(tmp_path_factory, lines):
    """CRLF and lone CR are kept as they are, so an offset given in the file names the same
    characters after import."""
    TRIED["line_ending_texts"] += 1
    text = "\r\n".join(lines) + "\rfin"
    start = len(text) - 3
    path = tmp_path_factory.mktemp("crlf") / "in.jsonl"
    path.write_text(
        json.dumps({"text": text, "spans": [{"start": start, "end": len(text), "label": "MISC"}]}) + "\n",
        encoding="utf-8",
    )
    with Store(":memory:") as store:
        assert import_paths(store, [path]).rejected_files == []
        (span,) = store.spans()
        assert store.document(span.document_id).text[span.start : span.end] == "fin"


@FAST
@given(text=TEXTS, ann=st.lists(st.text(max_size=40), max_size=5))
def test_any_brat_pair_is_imported_correctly_or_refused(tmp_path_factory, text, ann):
    folder = tmp_path_factory.mktemp("brat")
    (folder / "doc.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
    (folder / "doc.ann").write_text("\n".join(ann), encoding="utf-8", errors="surrogatepass")
    TRIED["brat_pairs"] += 1
    with Store(":memory:") as store:
        (result,) = import_paths(store, [folder]).files
        TRIED["refused"] += not result.ok
        if not result.ok:
            assert snapshot(store) == (0, 0)
        for span in store.spans():
            assert 0 <= span.start < span.end <= len(store.document(span.document_id).text)


def test_a_line_of_100_mb_is_refused_with_its_size_and_bounded_memory(tmp_path):
    import tracemalloc

    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as f:
        f.write(b'{"text": "')
        block = b"x" * (1024 * 1024)
        for _ in range(100):
            f.write(block)
        f.write(b'"}\n{"text": "una nota corta"}\n')
    tracemalloc.start()
    with Store(":memory:") as store:
        (result,) = import_paths(store, [path]).files
        assert snapshot(store) == (0, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(r.line, r.message) for r in result.rejections] == [(1, "line longer than 64 MB")]
    assert peak < 200 * 1024 * 1024  # one bounded read, never the whole line and its copies


def test_very_many_tiny_files(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(2000):
        (folder / f"{number:05d}.txt").write_text(f"Nota {number}\nbreve.", encoding="utf-8")
    with Store(tmp_path / "many.db") as store:
        report = import_paths(store, [folder])
        assert report.rejected_files == [] and len(store.document_ids()) == 2000


def test_the_hostile_strategies_reach_the_refusals():
    """Runs after the generated inputs above (their counts are reported when the run ends, by
    conftest): some of what they generated was refused, so the refusals are exercised."""
    assert TRIED["jsonl_files"] > 0 and TRIED["refused"] > 0
