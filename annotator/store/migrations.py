"""The project file's format: every migration step, from an empty file to this version, and the
check that a file's catalogue is exactly what these steps write (nothing of a foreign file's
own code can run)."""

from __future__ import annotations

import sqlite3
from functools import cache

#: Written to ``PRAGMA application_id`` so that a project file can be told from other SQLite files.
APPLICATION_ID = 0x414E4E54  # "ANNT"

# Each step takes the database from version N-1 to N. Never edit a released step: add one.
MIGRATIONS: list[str] = [
    # 1: documents, annotators, schema, spans, links, history.
    """
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL,
        text_length INTEGER NOT NULL CHECK (text_length = length(text)),
        sha256 TEXT NOT NULL UNIQUE,
        lang TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        published TEXT NOT NULL DEFAULT '',
        meta TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL DEFAULT 'new'
            CHECK (status IN ('new', 'in_progress', 'done', 'reviewed')),
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TRIGGER documents_text_immutable BEFORE UPDATE OF text ON documents
    WHEN NEW.text IS NOT OLD.text
    BEGIN SELECT RAISE(ABORT, 'a document''s text cannot change once imported'); END;

    CREATE TABLE annotators (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
        kind TEXT NOT NULL CHECK (kind IN ('human', 'model', 'rule', 'import', 'gold')),
        created_at TEXT NOT NULL
    );

    CREATE TABLE labels (
        name TEXT PRIMARY KEY CHECK (length(name) > 0),
        layer TEXT NOT NULL CHECK (layer IN ('entities', 'analysis')),
        colour TEXT NOT NULL,
        shortcut TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE label_attributes (
        label TEXT NOT NULL REFERENCES labels(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        "values" TEXT NOT NULL DEFAULT '[]',
        description TEXT NOT NULL DEFAULT '',
        position INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (label, name)
    );
    CREATE TABLE link_labels (
        name TEXT PRIMARY KEY,
        heads TEXT NOT NULL DEFAULT '[]',
        tails TEXT NOT NULL DEFAULT '[]',
        description TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE spans (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        start INTEGER NOT NULL CHECK (typeof(start) = 'integer' AND start >= 0),
        "end" INTEGER NOT NULL CHECK (typeof("end") = 'integer' AND "end" > start),
        label TEXT NOT NULL REFERENCES labels(name) ON UPDATE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        origin TEXT NOT NULL CHECK (origin IN ('model', 'rule', 'manual', 'import')),
        origin_detail TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL CHECK (status IN ('suggested', 'accepted', 'rejected')),
        attributes TEXT NOT NULL DEFAULT '{}',
        note TEXT NOT NULL DEFAULT '',
        suggestion_id INTEGER REFERENCES spans(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX spans_identity ON spans(document_id, annotator_id, start, "end", label);
    CREATE INDEX spans_suggestion ON spans(suggestion_id) WHERE suggestion_id IS NOT NULL;
    CREATE TRIGGER spans_inside_text_insert BEFORE INSERT ON spans
    WHEN NEW."end" > (SELECT text_length FROM documents WHERE id = NEW.document_id)
    BEGIN SELECT RAISE(ABORT, 'span ends after the end of its text'); END;
    CREATE TRIGGER spans_inside_text_update BEFORE UPDATE OF start, "end", document_id ON spans
    WHEN NEW."end" > (SELECT text_length FROM documents WHERE id = NEW.document_id)
    BEGIN SELECT RAISE(ABORT, 'span ends after the end of its text'); END;

    CREATE TABLE links (
        id INTEGER PRIMARY KEY,
        head_id INTEGER NOT NULL REFERENCES spans(id) ON DELETE CASCADE,
        tail_id INTEGER NOT NULL REFERENCES spans(id) ON DELETE CASCADE,
        label TEXT NOT NULL REFERENCES link_labels(name) ON UPDATE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        created_at TEXT NOT NULL,
        CHECK (head_id <> tail_id),
        UNIQUE (head_id, tail_id, label)
    );
    CREATE INDEX links_tail ON links(tail_id);

    CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        annotator TEXT NOT NULL,
        action TEXT NOT NULL,
        document_id INTEGER,
        span_id INTEGER,
        before TEXT,
        after TEXT
    );
    CREATE INDEX history_document ON history(document_id);
    """,
    # 2: token boundaries for snapping, and which pipeline pre-annotated which document.
    """
    CREATE TABLE tokens (
        document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
        tokenizer TEXT NOT NULL,
        offsets BLOB NOT NULL
    );
    CREATE TABLE preannotations (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        pipeline TEXT NOT NULL,
        suggestions INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (document_id, pipeline)
    );
    CREATE INDEX spans_status ON spans(status, document_id);
    """,
    # 3: tags on documents (a JSON list of strings).
    """
    ALTER TABLE documents ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    """,
    # 4: a colleague's view of a document (status, note, tags), brought in by merging.
    """
    CREATE TABLE annotator_documents (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'done', 'reviewed')),
        note TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (document_id, annotator_id)
    );
    """,
    # 5: one annotator's spans in document order (agreement, exports by annotator, merging).
    """
    CREATE INDEX spans_annotator ON spans(annotator_id, document_id, start);
    """,
    # 6: full-text search over titles and texts (accents ignored). Kept in step by the code
    # that adds documents, not by triggers: with trusted_schema off, triggers may not write to
    # a virtual table (and a file's triggers are not trusted anyway).
    """
    CREATE VIRTUAL TABLE documents_fts USING fts5(
        title, text, content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO documents_fts (rowid, title, text) SELECT id, title, text FROM documents;
    """,
    # 7: a hundred thousand documents: the list sorted and filtered by indexed queries, and
    # spans of one label and status in document order (segments, the list's label filter,
    # read from the index alone). documents_id
    # looks redundant with the primary key, but it lists ids without reading the pages of
    # the articles' texts (30 ms for 100,000 ids instead of 400).
    """
    CREATE INDEX documents_status ON documents(status);
    CREATE INDEX documents_id ON documents(id);
    CREATE INDEX documents_title ON documents(title COLLATE NOCASE);
    CREATE INDEX documents_published ON documents(published);
    CREATE INDEX spans_label ON spans(label, status, document_id, start);
    """,
    # 8: document-level labels (stance, reliability, topics...), each person's own: value is
    # a JSON string, or a JSON list for a label of several values.
    """
    CREATE TABLE document_labels (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (document_id, annotator_id, name)
    );
    """,
    # 9: who annotates which article (a team's split, each article to K people), and when each
    # finished it; documents.assigned counts the people an article is given to, so that "give
    # me the next" is an indexed lookup on a hundred thousand articles.
    """
    CREATE TABLE assignments (
        document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        annotator_id INTEGER NOT NULL REFERENCES annotators(id),
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL DEFAULT '',
        done_at TEXT,
        PRIMARY KEY (document_id, annotator_id)
    );
    CREATE INDEX assignments_annotator ON assignments(annotator_id, done_at, document_id);
    ALTER TABLE documents ADD COLUMN assigned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX documents_assigned ON documents(assigned, id);
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _normalise(sql: str | None) -> str:
    """SQL with every run of white space (str.isspace, as a regular expression's \\s) as one
    space: every opening of a project compares its whole catalogue, so this is kept fast."""
    return " ".join((sql or "").split())


@cache
def expected_objects(version: int) -> frozenset[tuple[str, str, str]]:
    """(type, name, SQL) of every table, index and trigger this tool writes at ``version``."""
    conn = sqlite3.connect(":memory:")
    for step in MIGRATIONS[:version]:
        for statement in split_sql(step):
            conn.execute(statement)
    objects = frozenset(
        (kind, name, _normalise(sql))
        for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
        if not name.startswith("sqlite_")
    )
    conn.close()
    return objects


def catalogue_problem(conn: sqlite3.Connection, version: int) -> str | None:
    """What in a file's catalogue this tool would not have written at ``version`` (a trigger,
    a view, an altered table), or None. Reads only ``sqlite_master``: no code of the file runs."""
    found = {
        (kind, name, _normalise(sql))
        for kind, name, sql in conn.execute("SELECT type, name, sql FROM sqlite_master")
        if not name.startswith("sqlite_")
    }
    expected = expected_objects(version)
    unexpected = sorted(found - expected)
    if unexpected:
        kind, name, _sql = unexpected[0]
        article = "an" if kind[0] in "aeiou" else "a"
        return (
            f"has {article} {kind} '{name}' that annotator never writes (or writes differently); "
            "refused, nothing of it was run or read"
        )
    missing = sorted(expected - found)
    if missing:
        return f"lacks the {missing[0][0]} '{missing[0][1]}' of an annotator project"
    return None


def split_sql(script: str) -> list[str]:
    """Statements of a migration script; triggers contain ';' inside BEGIN ... END."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
