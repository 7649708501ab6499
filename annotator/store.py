"""The project database: the only module that speaks SQL.

One SQLite file per project, in WAL mode with foreign keys on, a busy timeout, and a schema
version (``PRAGMA user_version``) with forward migrations. What must never be stored is refused
by the database itself: CHECK constraints (``0 <= start < end``), a trigger that keeps every span
inside its text, a trigger that keeps a document's text immutable, foreign keys from spans to
known labels. Every user action is one transaction (:meth:`Store.transaction`) that also appends
to the ``history`` table.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from annotator.domain import (
    ANNOTATOR_KINDS,
    DOCUMENT_STATUSES,
    EXCLUSIVE_LAYERS,
    AttributeDef,
    Change,
    Document,
    Label,
    Link,
    LinkLabel,
    Occupied,
    Schema,
    Selection,
    Span,
    check_no_overlap,
    check_offsets,
    checkpoint,
    find_whole,
    overlaps,
    query_terms,
    text_sha256,
)
from annotator.errors import InvalidSpanError, NewerSchemaError, NotAProjectError, StoreError

#: Written to ``PRAGMA application_id`` so that a project file can be told from other SQLite files.
APPLICATION_ID = 0x414E4E54  # "ANNT"


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dump_json(value: Any) -> str:
    """The one JSON encoding of every JSON column (attributes, meta, history): UTF-8 as is
    (one encoder, made once: the same text as ``json.dumps(value, ensure_ascii=False)``)."""
    return _ENCODER.encode(value) if value else "{}" if isinstance(value, dict) else json.dumps(value)


def now() -> str:
    """A UTC timestamp with milliseconds, as stored in every ``*_at`` column."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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
]
SCHEMA_VERSION = len(MIGRATIONS)

_SPAN_SELECT = """
    SELECT spans.id, spans.document_id, spans.start, spans."end", spans.label, labels.layer,
           annotators.name, spans.origin, spans.status, spans.attributes, spans.note,
           spans.origin_detail, spans.suggestion_id, spans.created_at, spans.updated_at
    FROM spans JOIN labels ON labels.name = spans.label
               JOIN annotators ON annotators.id = spans.annotator_id
"""


class SpanRow(NamedTuple):
    """A span as the bulk inserts take it (:meth:`Store.insert_spans`): the one row shape that
    importers, pre-annotation and tag all build, by name."""

    document_id: int
    start: int
    end: int
    label: str
    annotator_id: int
    origin: str
    origin_detail: str
    status: str
    attributes: str  # JSON, written by dump_json


def _span_from_row(row: Sequence[Any]) -> Span:
    return Span(
        id=row[0],
        document_id=row[1],
        start=row[2],
        end=row[3],
        label=row[4],
        layer=row[5],
        annotator=row[6],
        origin=row[7],
        status=row[8],
        attributes=json.loads(row[9]),
        note=row[10],
        origin_detail=row[11],
        suggestion_id=row[12],
        created_at=row[13],
        updated_at=row[14],
    )


def _span_state(span: Span) -> dict[str, Any]:
    """What the history keeps of a span: enough to restore it exactly."""
    return {
        "id": span.id,
        "document_id": span.document_id,
        "start": span.start,
        "end": span.end,
        "label": span.label,
        "annotator": span.annotator,
        "origin": span.origin,
        "status": span.status,
        "attributes": span.attributes,
        "note": span.note,
        "origin_detail": span.origin_detail,
        "suggestion_id": span.suggestion_id,
    }


def _link_state(link: Link, document_id: int) -> dict[str, Any]:
    return {
        "id": link.id,
        "document_id": document_id,
        "head_id": link.head_id,
        "tail_id": link.tail_id,
        "label": link.label,
        "annotator": link.annotator,
    }


def pack_offsets(starts: Sequence[int], ends: Sequence[int]) -> bytes:
    """Token boundaries as little-endian uint32 pairs (start, end, start, end, ...)."""
    packed = array("I")
    for start, end in zip(starts, ends, strict=True):
        packed.append(start)
        packed.append(end)
    if sys.byteorder == "big":  # pragma: no cover - stored little-endian everywhere
        packed.byteswap()
    return packed.tobytes()


def unpack_offsets(blob: bytes) -> tuple[list[int], list[int]]:
    packed = array("I")
    packed.frombytes(blob)
    if sys.byteorder == "big":  # pragma: no cover
        packed.byteswap()
    return list(packed[0::2]), list(packed[1::2])


def _normalise(sql: str | None) -> str:
    """SQL with every run of white space (str.isspace, as a regular expression's \\s) as one
    space: every opening of a project compares its whole catalogue, so this is kept fast."""
    return " ".join((sql or "").split())


@cache
def expected_objects(version: int) -> frozenset[tuple[str, str, str]]:
    """(type, name, SQL) of every table, index and trigger this tool writes at ``version``."""
    conn = sqlite3.connect(":memory:")
    for step in MIGRATIONS[:version]:
        for statement in _split_sql(step):
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


def fts_query(text: str) -> str:
    """Words typed by a person as an FTS5 query: every word must occur (any order); "quoted
    text" is a phrase. Nothing of it can be FTS5 syntax, so no input is a syntax error."""
    return " ".join(f'"{term}"' for term in query_terms(text))


def _like_prefix(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') for values beginning with ``text``, taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def read_only_uri(path: str | Path) -> str:
    """A URI that opens ``path`` read-only (for files from elsewhere, and backups)."""
    return "file:" + quote(str(Path(path).resolve())) + "?mode=ro"


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection with this project's settings; transactions are opened explicitly."""
    # uri=True lets ATTACH open a colleague's file read-only ("file:...?mode=ro"); a plain path
    # (without "file:") is still a plain path.
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=10.0, check_same_thread=False, uri=True)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    # Functions in triggers, views and CHECKs of a file must be innocuous (SQLite's own advice
    # for files that may come from elsewhere). This is why JSON columns have no json_valid()
    # CHECK: every JSON value is written by dump_json().
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


class Store:
    """A project database. Open with ``Store(path)``; ``":memory:"`` gives a throwaway one.

    Raises NotAProjectError for a file that is not SQLite or belongs to another application,
    NewerSchemaError for a project written by a newer version of this tool.
    """

    #: Rows a long write (tag all, the undo of a large action) does between two progress
    #: reports: a fraction of a second's work.
    PROGRESS_STEP = 500

    #: SQLite steps between two calls of ``while_busy`` during a migration (milliseconds).
    BUSY_STEP = 1_000_000

    def __init__(
        self,
        path: str | Path,
        schema: Schema | None = None,
        on_migrate: Callable[[str], None] | None = None,
        while_busy: Callable[[], None] | None = None,
    ) -> None:
        """``on_migrate(message)`` is told before an older project is brought up to date (a
        backup, then new tables or indexes: seconds or more on a large project), and
        ``while_busy()`` is called every few milliseconds meanwhile (a window stays drawn)."""
        self.path = str(path)
        self._on_migrate = on_migrate
        self._while_busy = while_busy
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = connect(self.path)
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot open ({e})") from e
        try:
            self._check_and_migrate(schema)
        except sqlite3.DatabaseError as e:
            self.conn.close()
            if isinstance(e, sqlite3.OperationalError) and "not a database" not in str(e):
                # locked, read-only, disk full...: the file may well be a project
                raise StoreError(f"{self.path}: cannot open ({e})") from e
            raise NotAProjectError(f"{self.path}: not an annotator project ({e})") from e
        except BaseException:
            self.conn.close()
            raise
        self._db: Any = None
        self._schema: Schema | None = None
        self._annotator_ids: dict[str, int] = {}
        self._recorder: list[Change] | None = None
        self.created = self._created

    @property
    def db(self) -> Any:
        """The connection wrapped by sqlite-utils (plugins off), for queries off the hot path;
        imported on first use, since the window must not wait for it at start-up."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn, execute_plugins=False)
        return self._db

    def _dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows as dicts, straight from sqlite3 (the start-up path)."""
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- opening and migrating -------------------------------------------------------------

    def _check_and_migrate(self, schema: Schema | None) -> None:
        conn = self.conn
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        if application_id not in (0, APPLICATION_ID) or (application_id == 0 and has_tables):
            raise NotAProjectError(f"{self.path}: a SQLite file of another application, not a project")
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(
                f"{self.path}: written by a newer version of annotator (schema {version}, "
                f"this version reads up to {SCHEMA_VERSION}); update annotator to open it"
            )
        if version > 0:
            # a project from elsewhere may carry triggers or views: refused before any write
            problem = catalogue_problem(conn, version)
            if problem:
                raise NotAProjectError(f"{self.path}: {problem}")
        self._created = version == 0
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit the window reports as saved survives power loss, not only a crash.
            conn.execute("PRAGMA synchronous = FULL")
        if version < SCHEMA_VERSION:
            if version > 0 and self._on_migrate is not None:
                self._on_migrate(
                    f"Updating {Path(self.path).name} from project format {version} to {SCHEMA_VERSION} "
                    "(once; a backup is taken first, and a large project takes a while)…"
                )
            if version > 0 and self.path != ":memory:":
                from annotator.backup import backup

                backup(Path(self.path), f"pre-migration-v{version}", while_busy=self._while_busy)
            self._migrate(version)
        if self._created:
            from annotator.schema import load_schema

            with self.transaction():
                self._write_schema(schema or load_schema())

    def _migrate(self, version: int) -> None:
        conn = self.conn
        if self._while_busy is not None:
            busy = self._while_busy
            conn.set_progress_handler(lambda: busy() or 0, self.BUSY_STEP)  # 0: carry on
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the lock.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in range(current, SCHEMA_VERSION):
                for statement in _split_sql(MIGRATIONS[step]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work: BEGIN IMMEDIATE, or a savepoint when already inside one."""
        conn = self.conn
        if conn.in_transaction:
            conn.execute("SAVEPOINT nested")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK TO nested")
                    conn.execute("RELEASE nested")
                raise
            conn.execute("RELEASE nested")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------

    def _write_schema(self, schema: Schema) -> None:
        conn = self.conn
        for position, label in enumerate(schema.labels.values()):
            self._write_label(label, position)
        for link in schema.link_labels.values():
            conn.execute(
                "INSERT OR REPLACE INTO link_labels (name, heads, tails, description) VALUES (?, ?, ?, ?)",
                (link.name, json.dumps(link.heads), json.dumps(link.tails), link.description),
            )
        settings = {
            "label_map": schema.label_map,
            "models": schema.models,
            "default_language": schema.default_language,
            "rule_entities": schema.rule_entities,
            "rule_id_attribute": schema.rule_id_attribute,
        }
        for key, value in settings.items():
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )
        self._schema = None

    def _write_label(self, label: Label, position: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO labels (name, layer, colour, shortcut, description, position) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (label.name, label.layer, label.colour, label.shortcut, label.description, position),
        )
        for attribute_position, attribute in enumerate(label.attributes):
            self.conn.execute(
                'INSERT OR REPLACE INTO label_attributes (label, name, "values", description, position) '
                "VALUES (?, ?, ?, ?, ?)",
                (
                    label.name,
                    attribute.name,
                    json.dumps(attribute.values),
                    attribute.description,
                    attribute_position,
                ),
            )

    @property
    def schema(self) -> Schema:
        """The project's schema, as stored in it (cached; refreshed after changes)."""
        if self._schema is None:
            self._schema = self._read_schema()
        return self._schema

    def reload_schema(self) -> None:
        """Forget the cached schema (after a rolled-back transaction that changed it)."""
        self._schema = None

    def _read_schema(self) -> Schema:
        attributes: dict[str, list[AttributeDef]] = {}
        for row in self._dicts("SELECT * FROM label_attributes ORDER BY label, position"):
            attributes.setdefault(row["label"], []).append(
                AttributeDef(row["name"], tuple(json.loads(row["values"])), row["description"])
            )
        labels = {
            row["name"]: Label(
                row["name"],
                row["layer"],
                row["colour"],
                row["shortcut"],
                row["description"],
                tuple(attributes.get(row["name"], ())),
            )
            for row in self._dicts("SELECT * FROM labels ORDER BY position, name")
        }
        link_labels = {
            row["name"]: LinkLabel(
                row["name"],
                tuple(json.loads(row["heads"])),
                tuple(json.loads(row["tails"])),
                row["description"],
            )
            for row in self._dicts("SELECT * FROM link_labels ORDER BY name")
        }
        settings = {row["key"]: json.loads(row["value"]) for row in self._dicts("SELECT * FROM settings")}
        return Schema(
            labels=labels,
            link_labels=link_labels,
            label_map=settings.get("label_map", {}),
            models=settings.get("models", {}),
            default_language=settings.get("default_language", "es"),
            rule_entities=settings.get("rule_entities", {}),
            rule_id_attribute=settings.get("rule_id_attribute", {}),
        )

    def add_label(self, name: str, layer: str, colour: str = "#8c8c8c") -> Label:
        """Add a label to the project's schema (``import --add-labels``); existing ones are kept."""
        existing = self.schema.labels.get(name)
        if existing is not None:
            return existing
        label = Label(name, layer, colour)
        with self.transaction():
            self._write_label(label, len(self.schema.labels))
            self._log("add label", None, None, None, {"name": name, "layer": layer}, "schema")
        self._schema = None
        return label

    # -- annotators ------------------------------------------------------------------------

    def annotator_id(self, name: str, kind: str = "human") -> int:
        """The id of annotator ``name``, created with ``kind`` on first use."""
        cached = self._annotator_ids.get(name)
        if cached is not None:
            return cached
        if kind not in ANNOTATOR_KINDS:
            raise StoreError(f"unknown annotator kind {kind!r}")
        row = self.conn.execute("SELECT id FROM annotators WHERE name = ?", (name,)).fetchone()
        if row is None:
            with self.transaction():
                row = self.conn.execute(
                    "INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(name) DO UPDATE SET name = name RETURNING id",
                    (name, kind, now()),
                ).fetchone()
        self._annotator_ids[name] = row[0]
        return row[0]

    def annotators_by_work(self, document_id: int | None) -> list[str]:
        """Annotators who can be compared (not rules, not gold sets): those with live spans in
        the document first, people before models, the most spans first (then in the whole
        project): the pair review mode proposes."""
        rows = self.conn.execute(
            "SELECT a.name, sum(s.document_id IS ?) AS here, count(s.id) AS everywhere "
            "FROM annotators a LEFT JOIN spans s ON s.annotator_id = a.id AND s.status != 'rejected' "
            "WHERE a.kind NOT IN ('rule', 'gold') GROUP BY a.id "
            "ORDER BY here > 0 DESC, a.kind = 'model', here DESC, everywhere DESC, a.name",
            (document_id,),
        )
        return [name for name, _here, _everywhere in rows]

    def annotators(self) -> list[dict[str, Any]]:
        return list(self._dicts("SELECT name, kind, created_at FROM annotators ORDER BY id"))

    # -- documents -------------------------------------------------------------------------

    def add_document(
        self,
        text: str,
        title: str = "",
        *,
        external_id: str = "",
        lang: str = "",
        source: str = "",
        url: str = "",
        published: str = "",
        meta: dict[str, Any] | None = None,
        sha256: str | None = None,
    ) -> tuple[int, bool]:
        """Insert a document unless the same text is already there: ``(id, created)``.

        Call inside a transaction when several writes must stand or fall together.
        """
        digest = sha256 or text_sha256(text)
        stamp = now()
        row = self.conn.execute(
            "INSERT INTO documents (external_id, title, text, text_length, sha256, lang, source, url, "
            "published, meta, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(sha256) DO NOTHING RETURNING id",
            (
                external_id,
                title,
                text,
                len(text),
                digest,
                lang,
                source,
                url,
                published,
                dump_json(meta or {}),
                stamp,
                stamp,
            ),
        ).fetchone()
        if row is not None:
            self.conn.execute(
                "INSERT INTO documents_fts (rowid, title, text) VALUES (?, ?, ?)", (row[0], title, text)
            )
            return row[0], True
        existing = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,)).fetchone()
        return existing[0], False

    _DOCUMENT_COLUMNS = (
        "id, title, text, sha256, lang, source, url, published, external_id, meta, status, note, "
        "created_at, updated_at, tags"
    )

    @staticmethod
    def _document_from_row(row: Sequence[Any]) -> Document:
        return Document(*row[:9], json.loads(row[9]), *row[10:14], tags=json.loads(row[14]))

    def document(self, document_id: int) -> Document:
        row = self.conn.execute(
            f"SELECT {self._DOCUMENT_COLUMNS} FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}")
        return self._document_from_row(row)

    def document_texts(self, document_ids: Sequence[int]) -> dict[int, str]:
        marks = ",".join("?" * len(document_ids))
        return dict(
            self.conn.execute(f"SELECT id, text FROM documents WHERE id IN ({marks})", list(document_ids))
        )

    def document_langs(self, document_ids: Sequence[int]) -> list[tuple[int, str]]:
        """(id, language) of these documents, in id order."""
        marks = ",".join("?" * len(document_ids))
        return self.conn.execute(
            f"SELECT id, lang FROM documents WHERE id IN ({marks}) ORDER BY id", list(document_ids)
        ).fetchall()

    def last_document_id(self) -> int:
        """The highest document id (0 in an empty project): where a walk in id order ends."""
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM documents").fetchone()[0]

    def document_ids(self, status: Iterable[str] | None = None) -> list[int]:
        if status is None:
            return [r[0] for r in self.conn.execute("SELECT id FROM documents ORDER BY id")]
        statuses = list(status)
        marks = ",".join("?" * len(statuses))
        return [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM documents WHERE status IN ({marks}) ORDER BY id", statuses
            )
        ]

    #: How the document list sorts: each by an indexed column, ties broken by id.
    DOCUMENT_ORDERS = {
        "id": "d.id",
        "title": "d.title COLLATE NOCASE",
        "status": "d.status",
        "published": "d.published",
    }

    def document_rows(
        self,
        *,
        status: str | None = None,
        label: str | None = None,
        annotator: str | None = None,
        text: str | None = None,
        document_id: int | None = None,
        order: str = "id",
        descending: bool = False,
        after: tuple[Any, int] | None = None,
        limit: int | None = None,
        through: int | None = None,
        ids: Sequence[int] | None = None,
        keys_only: bool = False,
    ) -> list[dict[str, Any]]:
        """One row per document for lists: id, title, published, status, lang, text_length, ``suggested``
        (undecided suggestions), ``decided`` (accepted spans of people, not of models) and
        ``key`` (where the row sorts).

        Filters: document status; documents with a live span of ``label``; documents where
        ``annotator`` has a span; ``text`` found by the full-text index in the title or the
        article. Rows come sorted by ``order`` (a key of DOCUMENT_ORDERS), then id.

        Pages: ``after`` is the ``key`` of the last row already read and ``limit`` the page
        size, so every page is one indexed query however far down the list it is;
        ``through=ID`` reads every row up to that document's (to reveal it in a list). Counts
        are computed for the rows returned only. ``ids`` restricts to these documents.
        ``keys_only`` returns only id and key (from the indexes, without reading documents).
        """
        sort = self.DOCUMENT_ORDERS[order]
        clauses, params = self._document_filter(status, label, annotator, text)
        if document_id is not None:
            clauses.append("d.id = ?")
            params.append(document_id)
        if ids is not None:
            clauses.append("d.id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(list(ids)))
        later, earlier = (">", "<=") if not descending else ("<", ">=")
        if after is not None:
            clauses.append(f"d.id {later} ?" if order == "id" else f"({sort}, d.id) {later} (?, ?)")
            params += [after[1]] if order == "id" else list(after)
        if through is not None:
            row = self.conn.execute(f"SELECT {sort} FROM documents d WHERE d.id = ?", (through,)).fetchone()
            if row is None:
                return []
            clauses.append(f"d.id {earlier} ?" if order == "id" else f"({sort}, d.id) {earlier} (?, ?)")
            params += [through] if order == "id" else [row[0], through]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        direction = " DESC" if descending else ""
        tail = f"{where} ORDER BY {sort}{direction}, d.id{direction}" + (
            " LIMIT ?" if limit is not None else ""
        )
        params += [limit] if limit is not None else []
        value = sort.split()[0]  # the sort column without its collation
        if keys_only:
            query = f"SELECT d.id, {value} FROM documents d {tail}"
            return [{"id": i, "key": (v, i)} for i, v in self.conn.execute(query, params)]
        rows = self._dicts(
            f"""
                SELECT d.id, d.title, d.published, d.status, d.lang, d.text_length, {value} AS sort_value,
                       (SELECT count(*) FROM spans s WHERE s.status = 'suggested' AND s.document_id = d.id)
                           AS suggested,
                       (SELECT count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id
                        WHERE s.status = 'accepted' AND s.document_id = d.id AND a.kind NOT IN ('model', 'rule'))
                           AS decided
                FROM documents d {tail}
                """,
            params,
        )
        for row in rows:
            row["key"] = (row.pop("sort_value"), row["id"])
        return rows

    @staticmethod
    def _document_filter(
        status: str | None, label: str | None, annotator: str | None, text: str | None
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions over documents d for the list's filters (each an indexed lookup)."""
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            clauses.append("d.status = ?")
            params.append(status)
        if label:
            clauses.append(
                "EXISTS (SELECT 1 FROM spans x WHERE x.label = ? AND x.status IN ('suggested', 'accepted') AND x.document_id = d.id)"
            )
            params.append(label)
        if annotator:
            clauses.append(
                "EXISTS (SELECT 1 FROM spans x WHERE x.document_id = d.id "
                "AND x.annotator_id = (SELECT id FROM annotators WHERE name = ?))"
            )
            params.append(annotator)
        if text and fts_query(text):
            clauses.append("d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
            params.append(fts_query(text))
        return clauses, params

    def document_ids_where(
        self,
        status: str | None = None,
        label: str | None = None,
        annotator: str | None = None,
        text: str | None = None,
    ) -> list[int]:
        """Ids of the documents that pass the list's filters, in id order."""
        clauses, params = self._document_filter(status, label, annotator, text)
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return [
            r[0] for r in self.conn.execute(f"SELECT d.id FROM documents d {where} ORDER BY d.id", params)
        ]

    def working_spans(self, document_id: int, annotator: str) -> list[Span]:
        """What an analyst works on in a document: their own live decisions and every undecided
        suggestion, in offset order."""
        return [
            _span_from_row(r)
            for r in self.conn.execute(
                _SPAN_SELECT + " WHERE spans.document_id = ? AND ((annotators.name = ? AND spans.status != "
                "'rejected') OR spans.status = 'suggested') ORDER BY spans.start, spans.\"end\", spans.id",
                (document_id, annotator),
            )
        ]

    def suggestion_at(self, document_id: int, start: int, end: int, label: str | None = None) -> int | None:
        """The id of an undecided suggestion with exactly these offsets, if there is one; with
        ``label``, one of that label first, else one of its layer (a suggestion of the other
        layer on the same characters is not the one meant: an ORG is not taken as a SOURCE)."""
        # annotator_id IN (...) lets the identity index find the offsets directly
        rows = self.conn.execute(
            "SELECT id, label FROM spans WHERE document_id = ? AND annotator_id IN (SELECT id FROM annotators) "
            "AND start = ? AND \"end\" = ? AND +status = 'suggested' ORDER BY id",
            (document_id, start, end),
        ).fetchall()
        if label is None:
            return rows[0][0] if rows else None
        if label not in self.schema.labels:
            return None  # adding it is refused with the reason
        layer = self.schema.layer_of(label)
        same = [span_id for span_id, other in rows if other == label]
        near = [span_id for span_id, other in rows if self.schema.labels[other].layer == layer]
        return (same or near or [None])[0]

    def accept_all_suggestions(self, document_id: int, annotator: str) -> tuple[int, int]:
        """Accept every undecided suggestion of a document as one action: ``(accepted, left)``.

        A suggestion the analyst already has (same offsets and label) is settled by it; one that
        would overlap a decision (or an earlier accepted suggestion) in an exclusive layer is
        left undecided for the analyst to settle. The document's spans are read once.
        """
        accepted = left = 0
        with self.transaction():
            spans = self.working_spans(document_id, annotator)
            have = set()
            chosen: list[Span] = []
            occupied: dict[str, Occupied] = {}
            for span in spans:
                if span.annotator == annotator and span.status == "accepted":
                    have.add((span.start, span.end, span.label))
                    if span.layer in EXCLUSIVE_LAYERS:
                        occupied.setdefault(span.layer, Occupied()).add(span.start, span.end)
            for span in spans:
                if span.status != "suggested":
                    continue
                key = (span.start, span.end, span.label)
                if key in have:
                    self.update_span(span.id, annotator, status="accepted")
                    accepted += 1
                    continue
                taken = occupied.setdefault(span.layer, Occupied())
                if span.layer in EXCLUSIVE_LAYERS and taken.clashes(span.start, span.end):
                    left += 1
                    continue
                chosen.append(span)
                have.add(key)
                if span.layer in EXCLUSIVE_LAYERS:
                    taken.add(span.start, span.end)
            accepted += len(chosen)
            self._accept_many(chosen, annotator)
        return accepted, left

    def _accept_many(self, suggestions: list[Span], annotator: str) -> None:
        """:meth:`accept_suggestion` for many suggestions of one document, checked by the caller
        (valid spans already, no clash): a few statements, whatever their number, and the
        same rows, history and recorded changes as one by one."""
        if not suggestions:
            return
        document_id = suggestions[0].document_id
        annotator_id = self.annotator_id(annotator)
        stamp = now()
        ids = json.dumps([s.id for s in suggestions])
        decision_of = dict(
            self.conn.execute(
                'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, attributes, '
                "note, suggestion_id, created_at, updated_at) "
                "SELECT s.document_id, s.start, s.\"end\", s.label, ?, s.origin, 'accepted', s.attributes, '', "
                "s.id, ?, ? FROM spans s WHERE s.id IN (SELECT value FROM json_each(?)) "
                "RETURNING suggestion_id, id",
                (annotator_id, stamp, stamp, ids),
            ).fetchall()
        )
        self.conn.execute(
            "UPDATE spans SET status = 'accepted', updated_at = ? WHERE id IN (SELECT value FROM json_each(?))",
            (stamp, ids),
        )
        changes: list[Change] = []
        for suggestion in suggestions:
            state = _span_state(suggestion)
            decision_id = decision_of[suggestion.id]
            decision = {
                **state,
                "id": decision_id,
                "annotator": annotator,
                "status": "accepted",
                "note": "",
                "origin_detail": "",
                "suggestion_id": suggestion.id,
            }
            changes.append(Change("span", suggestion.id, state, {**state, "status": "accepted"}))
            changes.append(Change("span", decision_id, None, decision))
        # The history's rows in two statements, their JSON made by SQLite (the same states as
        # the recorded changes; json_object writes them without spaces)
        state = (
            "json_object('id', s.id, 'document_id', s.document_id, 'start', s.start, 'end', s.\"end\", "
            "'label', s.label, 'annotator', a.name, 'origin', s.origin, 'status', {status}, "
            "'attributes', json(s.attributes), 'note', s.note, 'origin_detail', s.origin_detail, "
            "'suggestion_id', s.suggestion_id)"
        )
        rows = (
            "FROM spans s JOIN annotators a ON a.id = s.annotator_id "
            "WHERE s.id IN (SELECT value FROM json_each(?)) ORDER BY s.id"
        )
        self.conn.execute(
            "INSERT INTO history (at, annotator, action, document_id, span_id, before, after) "
            f"SELECT ?, ?, 'update span', s.document_id, s.id, {state.format(status=repr('suggested'))}, "
            f"{state.format(status=repr('accepted'))} {rows}",
            (stamp, annotator, ids),
        )
        self.conn.execute(
            "INSERT INTO history (at, annotator, action, document_id, span_id, before, after) "
            f"SELECT ?, ?, 'add span', s.document_id, s.id, NULL, {state.format(status='s.status')} {rows}",
            (stamp, annotator, json.dumps(list(decision_of.values()))),
        )
        if self._recorder is not None:
            self._recorder.extend(changes)
        self._carry_links(decision_of, document_id, annotator)
        self._touch_document(document_id, annotator)

    def set_document_status(self, document_id: int, status: str, annotator: str) -> None:
        if status not in DOCUMENT_STATUSES:
            raise StoreError(f"unknown document status {status!r} (one of {', '.join(DOCUMENT_STATUSES)})")
        with self.transaction():
            before = self.document(document_id).status
            self.conn.execute(
                "UPDATE documents SET status = ?, updated_at = ? WHERE id = ?", (status, now(), document_id)
            )
            self._log(
                "set status",
                document_id,
                None,
                {"status": before},
                {"status": status},
                annotator,
                "document",
                document_id,
            )

    def set_document_tags(self, document_id: int, tags: list[str], annotator: str) -> None:
        """Replace a document's tags (trimmed, empty ones dropped, order kept, no repeats)."""
        clean = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
        with self.transaction():
            before = self.document(document_id).tags
            self.conn.execute(
                "UPDATE documents SET tags = ?, updated_at = ? WHERE id = ?",
                (dump_json(clean), now(), document_id),
            )
            self._log(
                "set tags",
                document_id,
                None,
                {"tags": before},
                {"tags": clean},
                annotator,
                "document",
                document_id,
            )

    def set_document_note(self, document_id: int, note: str, annotator: str) -> None:
        with self.transaction():
            before = self.document(document_id).note
            self.conn.execute(
                "UPDATE documents SET note = ?, updated_at = ? WHERE id = ?", (note, now(), document_id)
            )
            self._log(
                "set note",
                document_id,
                None,
                {"note": before},
                {"note": note},
                annotator,
                "document",
                document_id,
            )

    # -- spans -----------------------------------------------------------------------------

    def insert_spans(self, rows: Iterable[SpanRow]) -> int:
        """Bulk insert, skipping spans already there (same document, annotator, offsets, label).

        Each row is a :class:`SpanRow` (or a tuple of the same fields in its order). Offsets must already be checked by the caller; the database
        refuses anything outside the text. Returns how many rows were added. Call inside a
        transaction.
        """
        stamp = now()
        # rowcount counts this statement's rows only (total_changes would also count what the
        # full-text index writes to its own tables meanwhile)
        return self.conn.executemany(
            'INSERT OR IGNORE INTO spans (document_id, start, "end", label, annotator_id, origin, '
            "origin_detail, status, attributes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row + (stamp, stamp) for row in rows),
        ).rowcount

    def insert_span_returning(self, row: tuple, note: str = "") -> tuple[int, int]:
        """Insert one span of an import (row as for :meth:`insert_spans`): ``(id, 1)``, or the
        id of the identical span already there and 0. Call inside a transaction."""
        stamp = now()
        inserted = self.conn.execute(
            'INSERT OR IGNORE INTO spans (document_id, start, "end", label, annotator_id, origin, origin_detail, '
            "status, attributes, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (*row, note, stamp, stamp),
        ).fetchone()
        if inserted is not None:
            return inserted[0], 1
        existing = self.conn.execute(
            'SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND start = ? AND "end" = ? AND label = ?',
            (row[0], row[4], row[1], row[2], row[3]),
        ).fetchone()
        return existing[0], 0

    def insert_link(self, head_id: int, tail_id: int, label: str, annotator_id: int) -> None:
        """A link of an import (no history of its own: the import is one entry)."""
        self.conn.execute(
            "INSERT OR IGNORE INTO links (head_id, tail_id, label, annotator_id, created_at) VALUES (?, ?, ?, ?, ?)",
            (head_id, tail_id, label, annotator_id, now()),
        )

    def restore_document_fields(self, document_id: int, status: str, note: str, tags: list[str]) -> None:
        """Status, note and tags of a document an import created (from a file that has them)."""
        if status not in DOCUMENT_STATUSES:
            raise InvalidSpanError(f"document status {status!r} is not one of {', '.join(DOCUMENT_STATUSES)}")
        self.conn.execute(
            "UPDATE documents SET status = ?, note = ?, tags = ? WHERE id = ?",
            (status, note, dump_json(list(tags)), document_id),
        )

    def span(self, span_id: int) -> Span:
        row = self.conn.execute(_SPAN_SELECT + " WHERE spans.id = ?", (span_id,)).fetchone()
        if row is None:
            raise StoreError(f"no span with id {span_id}")
        return _span_from_row(row)

    def span_from_state(self, state: dict[str, Any]) -> Span:
        """A span as the history recorded it (:func:`_span_state`), without reading it back."""
        return Span(layer=self.schema.layer_of(state["label"]), **state)

    def spans_by_id(self, span_ids: Iterable[int]) -> dict[int, Span]:
        """The spans of these ids that exist, read in one query (an action's touched spans)."""
        rows = self.conn.execute(
            _SPAN_SELECT + " WHERE spans.id IN (SELECT value FROM json_each(?))", (json.dumps(list(span_ids)),)
        )
        return {row[0]: _span_from_row(row) for row in rows}

    def spans(
        self,
        document_id: int | None = None,
        *,
        annotator: str | None = None,
        status: str | None = None,
        layer: str | None = None,
    ) -> list[Span]:
        """Spans matching every filter given, in document and offset order."""
        clauses, params = [], []
        for clause, value in (
            ("spans.document_id = ?", document_id),
            ("annotators.name = ?", annotator),
            ("spans.status = ?", status),
            ("labels.layer = ?", layer),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        order = ' ORDER BY spans.document_id, spans.start, spans."end", spans.id'
        return [_span_from_row(r) for r in self.conn.execute(_SPAN_SELECT + where + order, params)]

    def _check_span(
        self,
        document_id: int,
        start: int,
        end: int,
        label: str,
        annotator_id: int,
        ignore_span_id: int | None = None,
    ) -> None:
        """The rules a decision must keep: offsets inside the text, known label, no overlap in
        an exclusive layer with the same annotator's other live spans."""
        if label not in self.schema.labels:
            raise InvalidSpanError(f"unknown label {label!r}")
        length = self.conn.execute(
            "SELECT text_length FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if length is None:
            raise StoreError(f"no document with id {document_id}")
        check_offsets(start, end, length[0])
        layer = self.schema.layer_of(label)
        if layer not in EXCLUSIVE_LAYERS:
            return
        # Only spans that could overlap, two index ranges whatever the document's length: those
        # starting inside ours, and the last one starting before ours (the others before it
        # end before it starts, since an annotator's spans of this layer never overlap).
        live = (
            'SELECT spans.start, spans."end" FROM spans JOIN labels ON labels.name = spans.label '
            "WHERE spans.document_id = ? AND spans.annotator_id = ? AND labels.layer = ? "
            "AND spans.status != 'rejected' AND spans.id IS NOT ? "
        )
        head = (document_id, annotator_id, layer, ignore_span_id)
        others = self.conn.execute(
            live + "AND spans.start >= ? AND spans.start < ?", (*head, start, end)
        ).fetchall()
        others += self.conn.execute(
            live + "AND spans.start < ? ORDER BY spans.start DESC LIMIT 1", (*head, start)
        ).fetchall()
        clashing = [(s, e) for s, e in others if overlaps(s, e, start, end)]
        if clashing:
            check_no_overlap([(start, end), *clashing], layer)

    def add_span(
        self,
        document_id: int,
        start: int,
        end: int,
        label: str,
        annotator: str,
        *,
        origin: str = "manual",
        status: str = "accepted",
        attributes: dict[str, Any] | None = None,
        note: str = "",
        suggestion_id: int | None = None,
        actor: str | None = None,
    ) -> Span:
        """Create one span of ``annotator`` as one action, logged as done by ``actor`` (default:
        the annotator; a reviewer writing into a gold set). Raises InvalidSpanError / OverlapError."""
        annotator_id = self.annotator_id(annotator)
        with self.transaction():
            self._check_span(document_id, start, end, label, annotator_id)
            stamp = now()
            try:
                span_id = self.conn.execute(
                    'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, '
                    "attributes, note, suggestion_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        document_id,
                        start,
                        end,
                        label,
                        annotator_id,
                        origin,
                        status,
                        dump_json(attributes or {}),
                        note,
                        suggestion_id,
                        stamp,
                        stamp,
                    ),
                ).fetchone()[0]
            except sqlite3.IntegrityError as e:
                raise InvalidSpanError(f"span {start}-{end} {label} cannot be stored: {e}") from e
            span = self.span(span_id)
            self._log("add span", document_id, span_id, None, _span_state(span), actor or annotator, "span")
            self._touch_document(document_id, annotator)
        return span

    def update_span(
        self,
        span_id: int,
        annotator: str,
        *,
        start: int | None = None,
        end: int | None = None,
        label: str | None = None,
        attributes: dict[str, Any] | None = None,
        note: str | None = None,
        status: str | None = None,
    ) -> Span:
        """Change a span (relabel, resize, attributes, note, status) as one logged action."""
        with self.transaction():
            before = self.span(span_id)
            new_start = before.start if start is None else start
            new_end = before.end if end is None else end
            new_label = before.label if label is None else label
            annotator_id = self.annotator_id(before.annotator)
            self._check_span(before.document_id, new_start, new_end, new_label, annotator_id, span_id)
            self.conn.execute(
                'UPDATE spans SET start = ?, "end" = ?, label = ?, attributes = ?, note = ?, status = ?, '
                "updated_at = ? WHERE id = ?",
                (
                    new_start,
                    new_end,
                    new_label,
                    dump_json(before.attributes if attributes is None else attributes),
                    before.note if note is None else note,
                    before.status if status is None else status,
                    now(),
                    span_id,
                ),
            )
            after = self.span(span_id)
            self._log(
                "update span",
                before.document_id,
                span_id,
                _span_state(before),
                _span_state(after),
                annotator,
                "span",
            )
            self._touch_document(before.document_id, annotator)
        return after

    def accept_suggestion(self, suggestion_id: int, annotator: str, **changes: Any) -> Span:
        """The analyst takes a suggestion (optionally relabelled or resized by ``changes``): a
        decision of ``annotator`` is created, and the suggestion keeps its fate as 'accepted'."""
        with self.transaction():
            suggestion = self.span(suggestion_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {suggestion_id} is not an undecided suggestion")
            self.update_span(suggestion_id, annotator, status="accepted")
            decision = self.add_span(
                suggestion.document_id,
                changes.get("start", suggestion.start),
                changes.get("end", suggestion.end),
                changes.get("label", suggestion.label),
                annotator,
                origin=suggestion.origin,
                attributes=changes.get("attributes", suggestion.attributes),
                suggestion_id=suggestion_id,
            )
            self._carry_links({suggestion_id: decision.id}, decision.document_id, annotator)
        return decision

    def _carry_links(self, moved: dict[int, int], document_id: int, annotator: str) -> None:
        """The links ``annotator`` drew to suggestions follow the decisions that replace them
        (``moved``: suggestion id -> decision id; accepted, relabelled, resized), each move
        logged so that undo puts it back; a link the decision already has is not doubled (the
        old one is removed, logged)."""
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "WHERE (head_id IN (SELECT value FROM json_each(?1)) OR tail_id IN (SELECT value FROM json_each(?1))) "
            "AND annotators.name = ?2 ORDER BY links.id",
            (json.dumps(list(moved)), annotator),
        ).fetchall()
        for row in rows:
            link = Link(*row)
            head, tail = moved.get(link.head_id, link.head_id), moved.get(link.tail_id, link.tail_id)
            taken = self.conn.execute(
                "SELECT 1 FROM links WHERE head_id = ? AND tail_id = ? AND label = ?", (head, tail, link.label)
            ).fetchone()
            if taken:
                self.delete_link(link.id, annotator)
                continue
            self.conn.execute("UPDATE links SET head_id = ?, tail_id = ? WHERE id = ?", (head, tail, link.id))
            after = Link(link.id, head, tail, link.label, link.annotator, link.created_at)
            self._log(
                "move link",
                document_id,
                head,
                _link_state(link, document_id),
                _link_state(after, document_id),
                annotator,
                "link",
                link.id,
            )

    def reject_suggestion(self, suggestion_id: int, annotator: str) -> Span:
        """The analyst refuses a suggestion: its fate is kept, and the links the analyst drew
        to it go (logged, so that undo brings them back): a link never points at a span its
        author no longer sees."""
        with self.transaction():
            suggestion = self.span(suggestion_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {suggestion_id} is not an undecided suggestion")
            for link in self.links_of(suggestion_id):
                if link.annotator == annotator:
                    self.delete_link(link.id, annotator)
            return self.update_span(suggestion_id, annotator, status="rejected")

    def delete_span(self, span_id: int, annotator: str) -> None:
        """Delete a span and, first, its links (each logged, so that undo restores them)."""
        with self.transaction():
            before = self.span(span_id)
            for (link_id,) in self.conn.execute(
                "SELECT id FROM links WHERE head_id = ? OR tail_id = ?", (span_id, span_id)
            ).fetchall():
                self.delete_link(link_id, annotator)
            self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            self._log(
                "delete span", before.document_id, span_id, _span_state(before), None, annotator, "span"
            )
            self._touch_document(before.document_id, annotator)

    def _touch_document(self, document_id: int, annotator: str) -> None:
        """A decision was made: the document is at least "in progress" (a logged change, so
        that undoing the first decision brings "new" back)."""
        status = self.conn.execute("SELECT status FROM documents WHERE id = ?", (document_id,)).fetchone()[0]
        if status == "new":
            self.conn.execute(
                "UPDATE documents SET status = 'in_progress', updated_at = ? WHERE id = ?",
                (now(), document_id),
            )
            self._log(
                "set status",
                document_id,
                None,
                {"status": "new"},
                {"status": "in_progress"},
                annotator,
                "document",
                document_id,
            )
        else:
            self.conn.execute("UPDATE documents SET updated_at = ? WHERE id = ?", (now(), document_id))

    # -- links -----------------------------------------------------------------------------

    def add_link(
        self, head_id: int, tail_id: int, label: str, annotator: str, actor: str | None = None
    ) -> Link:
        link_label = self.schema.link_labels.get(label)
        if link_label is None:
            raise InvalidSpanError(f"unknown link label {label!r}")
        with self.transaction():
            head, tail = self.span(head_id), self.span(tail_id)
            if head.document_id != tail.document_id:
                raise InvalidSpanError("a link joins two spans of the same document")
            if link_label.heads and head.label not in link_label.heads:
                raise InvalidSpanError(
                    f"a {label} link starts at {', '.join(link_label.heads)}, not {head.label}"
                )
            if link_label.tails and tail.label not in link_label.tails:
                raise InvalidSpanError(
                    f"a {label} link ends at {', '.join(link_label.tails)}, not {tail.label}"
                )
            stamp = now()
            try:
                link_id = self.conn.execute(
                    "INSERT INTO links (head_id, tail_id, label, annotator_id, created_at) "
                    "VALUES (?, ?, ?, ?, ?) RETURNING id",
                    (head_id, tail_id, label, self.annotator_id(annotator), stamp),
                ).fetchone()[0]
            except sqlite3.IntegrityError as e:
                raise InvalidSpanError(f"link {head_id} -> {tail_id} ({label}) cannot be stored: {e}") from e
            link = Link(link_id, head_id, tail_id, label, annotator, stamp)
            self._log(
                "add link",
                head.document_id,
                head_id,
                None,
                _link_state(link, head.document_id),
                actor or annotator,
                "link",
                link_id,
            )
        return link

    def delete_link(self, link_id: int, annotator: str) -> None:
        with self.transaction():
            found = self._link_and_document(link_id)
            if found is None:
                raise StoreError(f"no link with id {link_id}")
            link, document_id = found
            self.conn.execute("DELETE FROM links WHERE id = ?", (link_id,))
            self._log(
                "delete link",
                document_id,
                link.head_id,
                _link_state(link, document_id),
                None,
                annotator,
                "link",
                link_id,
            )

    def _link_and_document(self, link_id: int) -> tuple[Link, int] | None:
        """A link and the document it is in, or None."""
        row = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at, spans.document_id "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "JOIN spans ON spans.id = links.head_id WHERE links.id = ?",
            (link_id,),
        ).fetchone()
        return None if row is None else (Link(*row[:6]), row[6])

    def links(self, document_id: int) -> list[Link]:
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN spans ON spans.id = links.head_id "
            "JOIN annotators ON annotators.id = links.annotator_id "
            "WHERE spans.document_id = ? ORDER BY links.id",
            (document_id,),
        )
        return [Link(*row) for row in rows]

    def links_of(self, span_id: int) -> list[Link]:
        """The links from and to one span (indexed both ways)."""
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "WHERE head_id = ? OR tail_id = ? ORDER BY links.id",
            (span_id, span_id),
        )
        return [Link(*row) for row in rows]

    def decided_ranges(
        self, document_ids: Sequence[int], layer: str | None = None
    ) -> dict[tuple[int, str], list[tuple[int, int, str]]]:
        """Live decisions of people (annotators of kind human or gold), by (document, layer);
        only those of ``layer`` if given (then read through the index on label and status)."""
        decided: dict[tuple[int, str], list[tuple[int, int, str]]] = {}
        if not document_ids:
            return decided
        layers = {
            name: known.layer for name, known in self.schema.labels.items() if layer in (None, known.layer)
        }
        rows = self.conn.execute(
            'SELECT s.document_id, s.start, s."end", s.label FROM spans s JOIN annotators a ON a.id = s.annotator_id '
            f"WHERE s.label IN ({','.join('?' * len(layers))}) AND s.status = 'accepted' "
            "AND s.document_id IN (SELECT value FROM json_each(?)) AND a.kind IN ('human', 'gold')",
            (*layers, json.dumps(list(document_ids))),
        )
        for document_id, start, end, label in rows:
            decided.setdefault((document_id, layers[label]), []).append((start, end, label))
        return decided
        marks = ",".join("?" * len(document_ids))
        rows = self.conn.execute(
            f'SELECT s.document_id, l.layer, s.start, s."end", s.label FROM spans s '
            f"JOIN labels l ON l.name = s.label JOIN annotators a ON a.id = s.annotator_id "
            f"WHERE a.kind IN ('human', 'gold') AND s.status = 'accepted' AND s.document_id IN ({marks})",
            list(document_ids),
        )
        for document_id, layer, start, end, label in rows:
            decided.setdefault((document_id, layer), []).append((start, end, label))
        return decided

    def live_entities(self, document_id: int, annotator_id: int) -> list[tuple[int, int, str]]:
        """(start, end, label) of an annotator's entities in a document that are not rejected."""
        return self.conn.execute(
            'SELECT s.start, s."end", s.label FROM spans s JOIN labels l ON l.name = s.label '
            "WHERE s.document_id = ? AND s.annotator_id = ? AND s.status != 'rejected' AND l.layer = 'entities'",
            (document_id, annotator_id),
        ).fetchall()

    # -- selections (exports) ---------------------------------------------------------------

    @staticmethod
    def _span_selection(selection: Selection) -> tuple[str, list[Any]]:
        """SQL conditions over spans s, labels l, annotators a and documents d."""
        clauses, params = [], []
        statuses = ["accepted"] + (["rejected"] if selection.include_rejected else [])
        marks = ",".join("?" * len(statuses))
        if selection.annotators:
            names = ",".join("?" * len(selection.annotators))
            people = f"a.name IN ({names}) AND s.status IN ({marks})"
            params += [*selection.annotators, *statuses]
        elif selection.gold:
            people = f"a.kind = 'gold' AND s.status IN ({marks})"
            params += statuses
        else:
            people = f"a.kind IN ('human', 'import', 'gold') AND s.status IN ({marks})"
            params += statuses
        clauses.append(
            f"(({people}) OR s.status = 'suggested')" if selection.include_suggestions else f"({people})"
        )
        for column, values in (("s.label", selection.labels), ("l.layer", selection.layers)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        for name, value in selection.attributes:
            clauses.append("json_extract(s.attributes, ?) = ?")
            params += ["$." + json.dumps(name), value]
        document_where, document_params = Store._document_selection(selection)
        if document_where:
            clauses.append(document_where)
            params += document_params
        return " AND ".join(clauses), params

    @staticmethod
    def _document_selection(selection: Selection) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if selection.document_statuses:
            marks = ",".join("?" * len(selection.document_statuses))
            clauses.append(f"d.status IN ({marks})")
            params += list(selection.document_statuses)
        if selection.published:
            clauses.append("d.published LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(selection.published))
        return " AND ".join(clauses), params

    def selected_spans(self, selection: Selection) -> Iterator[Span]:
        """The selected spans, streamed in document and offset order."""
        where, params = self._span_selection(selection)
        rows = self.conn.execute(
            'SELECT s.id, s.document_id, s.start, s."end", s.label, l.layer, a.name, s.origin, s.status, '
            "s.attributes, s.note, s.origin_detail, s.suggestion_id, s.created_at, s.updated_at "
            "FROM spans s JOIN labels l ON l.name = s.label JOIN annotators a ON a.id = s.annotator_id "
            f'JOIN documents d ON d.id = s.document_id WHERE {where} ORDER BY s.document_id, s.start, s."end", s.id',
            params,
        )
        return (_span_from_row(row) for row in rows)

    def selected_span_rows(self, selection: Selection) -> Iterator[tuple]:
        """The selected spans as plain rows for tables, streamed in document and offset order:
        (id, document_id, annotator, layer, label, start, end, attributes JSON as stored, origin,
        status, note, created_at, updated_at, suggestion_id). Nothing parsed: a table export
        of 500,000 spans does not build 500,000 Span objects."""
        where, params = self._span_selection(selection)
        return self.conn.execute(
            'SELECT s.id, s.document_id, a.name, l.layer, s.label, s.start, s."end", s.attributes, s.origin, '
            "s.status, s.note, s.created_at, s.updated_at, s.suggestion_id "
            "FROM spans s JOIN labels l ON l.name = s.label JOIN annotators a ON a.id = s.annotator_id "
            f'JOIN documents d ON d.id = s.document_id WHERE {where} ORDER BY s.document_id, s.start, s."end", s.id',
            params,
        )

    def selected_document_texts(self, selection: Selection) -> Iterator[tuple[int, str, str, str]]:
        """(id, title, sha256, text) of the selected documents, streamed in id order."""
        where, params = self._document_selection(selection)
        return self.conn.execute(
            "SELECT d.id, d.title, d.sha256, d.text FROM documents d"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY d.id",
            params,
        )

    def selected_documents(
        self, selection: Selection
    ) -> Iterator[tuple[Document, tuple[list[int], list[int]] | None]]:
        """The selected documents with their stored token boundaries (or None), streamed in id
        order: one query, whatever the size of the project."""
        where, params = self._document_selection(selection)
        rows = self.conn.execute(
            f"SELECT {', '.join('d.' + c.strip() for c in self._DOCUMENT_COLUMNS.split(','))}, t.offsets "
            f"FROM documents d LEFT JOIN tokens t ON t.document_id = d.id"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY d.id",
            params,
        )
        for row in rows:
            yield (
                self._document_from_row(row[:15]),
                (unpack_offsets(row[15]) if row[15] is not None else None),
            )

    def count_selected_documents(self, selection: Selection) -> int:
        where, params = self._document_selection(selection)
        return self.conn.execute(
            "SELECT count(*) FROM documents d" + (f" WHERE {where}" if where else ""), params
        ).fetchone()[0]

    def links_by_document(self) -> dict[int, list[Link]]:
        links: dict[int, list[Link]] = {}
        for row in self.conn.execute(
            "SELECT k.id, k.head_id, k.tail_id, k.label, a.name, k.created_at, s.document_id FROM links k "
            "JOIN annotators a ON a.id = k.annotator_id JOIN spans s ON s.id = k.head_id ORDER BY k.id"
        ):
            links.setdefault(row[6], []).append(Link(*row[:6]))
        return links

    def selected_annotators(self, selection: Selection) -> list[str]:
        """Names of the annotators whose decisions (not suggestions) the selection holds."""
        where, params = self._span_selection(selection)
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT DISTINCT a.name FROM spans s JOIN labels l ON l.name = s.label "
                "JOIN annotators a ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id "
                f"WHERE {where} AND s.status != 'suggested' ORDER BY a.name",
                params,
            )
        ]

    DOCUMENT_TABLE_COLUMNS = (
        "document_id",
        "external_id",
        "title",
        "text_sha256",
        "lang",
        "source",
        "url",
        "published",
        "status",
        "tags",
        "note",
        "meta",
        "created_at",
        "updated_at",
    )

    def document_table(self, selection: Selection) -> Iterator[tuple]:
        """One row per selected document (columns :attr:`DOCUMENT_TABLE_COLUMNS`)."""
        where, params = self._document_selection(selection)
        return self.conn.execute(
            "SELECT id, external_id, title, sha256, lang, source, url, published, status, tags, note, meta, "
            "created_at, updated_at FROM documents d" + (f" WHERE {where}" if where else "") + " ORDER BY id",
            params,
        )

    # -- merging a colleague's project (annotator.merge checks the file first) ---------------

    def merge_attached(self, path: Path, report: Any, annotator: str) -> None:
        """Copy a checked colleague's project into this one, in one transaction: new documents
        by text hash, the spans and links of its people under their names, their document
        statuses and notes. This project's rows are never changed. Fills ``report``."""
        conn = self.conn
        conn.execute("ATTACH DATABASE ? AS other", (read_only_uri(path),))
        try:
            with self.transaction():
                self._merge(report, annotator)
        finally:
            conn.execute("DETACH DATABASE other")
        self._schema = None
        self._annotator_ids.clear()

    def _merge(self, report: Any, annotator: str) -> None:
        conn = self.conn
        conn.execute("INSERT OR IGNORE INTO main.labels SELECT * FROM other.labels")
        conn.execute("INSERT OR IGNORE INTO main.label_attributes SELECT * FROM other.label_attributes")
        conn.execute("INSERT OR IGNORE INTO main.link_labels SELECT * FROM other.link_labels")
        report.documents_matched = conn.execute(
            "SELECT count(*) FROM other.documents o WHERE o.sha256 IN (SELECT sha256 FROM main.documents)"
        ).fetchone()[0]
        columns = "external_id, title, text, text_length, sha256, lang, source, url, published, meta, created_at, updated_at"
        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM main.documents").fetchone()[0]
        report.documents_new = conn.execute(
            f"INSERT INTO main.documents ({columns}) SELECT {columns} FROM other.documents o "
            "WHERE o.sha256 NOT IN (SELECT sha256 FROM main.documents) ORDER BY o.id"
        ).rowcount
        conn.execute(
            "INSERT INTO main.documents_fts (rowid, title, text) SELECT id, title, text FROM main.documents "
            "WHERE id > ?",
            (last_id,),
        )
        report.skipped_models = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM other.annotators WHERE kind IN ('model', 'rule') ORDER BY name"
            )
        ]
        people = [
            row
            for row in conn.execute(
                "SELECT id, name, kind FROM other.annotators WHERE kind IN ('human', 'import', 'gold') ORDER BY name"
            )
        ]
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS merge_people (other_id INTEGER PRIMARY KEY, main_id INTEGER)"
        )
        conn.execute("DELETE FROM temp.merge_people")
        for other_id, name, kind in people:
            conflict = self._merge_conflict(other_id, name)
            if conflict:
                report.conflicts.append(conflict)
                continue
            main_id = self.annotator_id(name, kind)
            conn.execute("INSERT INTO temp.merge_people VALUES (?, ?)", (other_id, main_id))
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS merge_documents (other_id INTEGER PRIMARY KEY, main_id INTEGER)"
        )
        conn.execute("DELETE FROM temp.merge_documents")
        conn.execute(
            "INSERT INTO temp.merge_documents SELECT o.id, m.id FROM other.documents o "
            "JOIN main.documents m ON m.sha256 = o.sha256"
        )
        before = {
            name: count
            for name, count in conn.execute(
                "SELECT a.name, count(*) FROM main.spans s JOIN main.annotators a ON a.id = s.annotator_id GROUP BY a.name"
            )
        }
        conn.execute(
            'INSERT OR IGNORE INTO main.spans (document_id, start, "end", label, annotator_id, origin, origin_detail, '
            "status, attributes, note, created_at, updated_at) "
            'SELECT d.main_id, s.start, s."end", s.label, p.main_id, s.origin, s.origin_detail, s.status, '
            "s.attributes, s.note, s.created_at, s.updated_at FROM other.spans s "
            "JOIN temp.merge_documents d ON d.other_id = s.document_id "
            "JOIN temp.merge_people p ON p.other_id = s.annotator_id ORDER BY s.id"
        )
        after = {
            name: count
            for name, count in conn.execute(
                "SELECT a.name, count(*) FROM main.spans s JOIN main.annotators a ON a.id = s.annotator_id GROUP BY a.name"
            )
        }
        report.spans_added = {
            name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)
        }
        # links, by the identity of the spans they join on both sides
        identity = (
            "JOIN temp.merge_documents d{n} ON d{n}.other_id = o{n}.document_id "
            "JOIN temp.merge_people p{n} ON p{n}.other_id = o{n}.annotator_id "
            "JOIN main.spans m{n} ON m{n}.document_id = d{n}.main_id AND m{n}.annotator_id = p{n}.main_id "
            'AND m{n}.start = o{n}.start AND m{n}."end" = o{n}."end" AND m{n}.label = o{n}.label'
        )
        report.links_added = conn.execute(
            "INSERT OR IGNORE INTO main.links (head_id, tail_id, label, annotator_id, created_at) "
            "SELECT m1.id, m2.id, k.label, pk.main_id, k.created_at FROM other.links k "
            "JOIN other.spans o1 ON o1.id = k.head_id JOIN other.spans o2 ON o2.id = k.tail_id "
            "JOIN temp.merge_people pk ON pk.other_id = k.annotator_id "
            + identity.format(n=1)
            + " "
            + identity.format(n=2)
        ).rowcount
        # the colleague's document statuses and notes, under the name of the person who did
        # most of the work in that file (the file's owner)
        owner = conn.execute(
            "SELECT p.main_id FROM other.spans s JOIN temp.merge_people p ON p.other_id = s.annotator_id "
            "JOIN other.annotators a ON a.id = s.annotator_id WHERE a.kind = 'human' "
            "GROUP BY p.main_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        if owner is not None:
            report.statuses_added = conn.execute(
                "INSERT OR IGNORE INTO main.annotator_documents (document_id, annotator_id, status, note, tags, updated_at) "
                "SELECT d.main_id, ?, o.status, o.note, o.tags, o.updated_at FROM other.documents o "
                "JOIN temp.merge_documents d ON d.other_id = o.id WHERE o.status != 'new' OR o.note != '' OR o.tags != '[]'",
                (owner[0],),
            ).rowcount
        self._log(
            "merge",
            None,
            None,
            None,
            {
                "file": report.path,
                "documents_new": report.documents_new,
                "spans_added": report.spans_added,
                "links_added": report.links_added,
                "conflicts": report.conflicts,
            },
            annotator,
        )

    def _merge_conflict(self, other_id: int, name: str) -> str | None:
        """The same name with different work on both sides: this project holds spans under
        ``name`` that the colleague's file does not (two people of one name, or edits made
        here). Their work is then not merged, and the report says so."""
        row = self.conn.execute("SELECT id FROM main.annotators WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        ours_not_theirs = self.conn.execute(
            """
            SELECT count(*) FROM main.spans m JOIN main.documents md ON md.id = m.document_id
            WHERE m.annotator_id = ? AND NOT EXISTS (
                SELECT 1 FROM other.spans o JOIN other.documents od ON od.id = o.document_id
                WHERE o.annotator_id = ? AND od.sha256 = md.sha256 AND o.start = m.start AND o."end" = m."end"
                AND o.label = m.label AND o.status = m.status
            )
            """,
            (row[0], other_id),
        ).fetchone()[0]
        if ours_not_theirs:
            return (
                f"annotator '{name}' has {ours_not_theirs} span(s) here that the other file does not: "
                "the same name with different work on both sides"
            )
        return None

    # -- finding things ----------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 50,
        offset: int = 0,
        *,
        status: str | None = None,
        label: str | None = None,
        annotator: str | None = None,
    ) -> list[dict[str, Any]]:
        """Documents matching ``query`` (words, all of them; "quoted phrases"; accents ignored),
        best first, each with a snippet of context around the hits ([...] marks them).
        ``status``, ``label``, ``annotator``: only documents the list's filters let through."""
        match = fts_query(query)
        if not match:
            return []
        clauses, params = self._document_filter(status, label, annotator, None)
        where = "".join(" AND " + clause for clause in clauses)
        return self._dicts(
            "SELECT f.rowid AS document_id, d.title, d.published, d.status, "
            "snippet(documents_fts, 1, '[', ']', '…', 12) AS snippet "
            f"FROM documents_fts f JOIN documents d ON d.id = f.rowid WHERE documents_fts MATCH ?{where} "
            "ORDER BY bm25(documents_fts) LIMIT ? OFFSET ?",
            (match, *params, limit, offset),
        )

    def existing_documents(self, document_ids: Sequence[int]) -> list[int]:
        """Those of ``document_ids`` that are documents of this project, in the order given."""
        found = {
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM documents WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(document_ids)),),
            )
        }
        return [i for i in document_ids if i in found]

    def delete_documents(self, document_ids: Sequence[int], annotator: str) -> int:
        """Remove documents with their spans, links and tokens, and from the full-text index,
        in one transaction (the history keeps what was removed). Returns how many."""
        removed = 0
        with self.transaction():
            for document_id in document_ids:
                row = self.conn.execute(
                    "SELECT title, text, sha256 FROM documents WHERE id = ?", (document_id,)
                ).fetchone()
                if row is None:
                    continue
                self.conn.execute(
                    "INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
                    (document_id, row[0], row[1]),
                )
                spans = self.conn.execute("SELECT count(*) FROM spans WHERE document_id = ?", (document_id,))
                self._log(
                    "delete document",
                    document_id,
                    None,
                    {"title": row[0], "sha256": row[2], "spans": spans.fetchone()[0]},
                    None,
                    annotator,
                )
                self.conn.execute("DELETE FROM annotator_documents WHERE document_id = ?", (document_id,))
                self.conn.execute("DELETE FROM documents WHERE id = ?", (document_id,))
                removed += 1
        return removed

    # -- tag all occurrences -------------------------------------------------------------------

    TAG_ALL = "tag-all"

    def occurrences(
        self,
        phrase: str,
        label: str,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[tuple[int, int, int]] | None:
        """(document, start, end) of every place in the corpus where ``phrase`` is written as
        whole words (same case), left out where a live span of ``label`` already has those
        offsets or a person's decision in ``label``'s layer overlaps it (decisions are never
        second-guessed). Candidates come from the full-text index, then are checked in the text,
        a thousand documents at a time: ``progress(done, total)`` after each, and None when
        ``should_stop()`` says so."""
        match = fts_query(f'"{phrase}"')
        if not match or label not in self.schema.labels:
            return []
        layer = self.schema.layer_of(label)
        candidates = [
            r[0]
            for r in self.conn.execute(
                "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", (match,)
            )
        ]
        found: list[tuple[int, int, int]] = []
        for begin in range(0, len(candidates), 1000):
            if progress is not None:
                progress(begin, len(candidates))
            if should_stop is not None and should_stop():
                return None
            texts = self.document_texts(candidates[begin : begin + 1000])
            hits = {document_id: find_whole(text, phrase) for document_id, text in texts.items()}
            hits = {document_id: places for document_id, places in hits.items() if places}
            if not hits:
                continue
            documents = json.dumps(sorted(hits))
            # spans of the label already there, and people's decisions in its layer, both read
            # through the index on (label, status, document)
            taken = set(
                self.conn.execute(
                    'SELECT document_id, start, "end" FROM spans WHERE label = ? '
                    "AND status IN ('suggested', 'accepted') AND document_id IN (SELECT value FROM json_each(?))",
                    (label, documents),
                )
            )
            decided = self.decided_ranges(sorted(hits), layer)
            for document_id in sorted(hits):
                mine = decided.get((document_id, layer), ())
                found += [
                    (document_id, start, end)
                    for start, end in hits[document_id]
                    if (document_id, start, end) not in taken
                    and not any(overlaps(start, end, a, b) for a, b, _label in mine)
                ]
        return found

    def tag_all(
        self,
        phrase: str,
        label: str,
        annotator: str,
        attributes: dict[str, Any] | None = None,
        places: Sequence[tuple[int, int, int]] | None = None,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[int]:
        """Add every occurrence of ``phrase`` (``places`` as counted by :meth:`occurrences`,
        else counted now) as an undecided suggestion of ``label`` by the rule annotator
        "tag-all", in one transaction; the analyst still decides each. Returns the new spans'
        ids (each in the history, and recorded for undo).

        ``progress(done, total)`` is called every few hundred places; when ``should_stop()``
        then says so, Cancelled is raised and nothing is added."""
        if places is None:
            places = self.occurrences(phrase, label) or []
        rule = self.annotator_id(self.TAG_ALL, "rule")
        layer = self.schema.layer_of(label)
        detail, values = f"tag all: {phrase}", dump_json(attributes or {})
        added = []
        with self.transaction():
            for done, (document_id, start, end) in enumerate(places):
                if done % self.PROGRESS_STEP == 0:
                    checkpoint(
                        done,
                        len(places),
                        progress,
                        should_stop,
                        f"tag all “{phrase}”: cancelled, nothing was added",
                    )
                span_id, new = self.insert_span_returning(
                    SpanRow(document_id, start, end, label, rule, "rule", detail, "suggested", values)
                )
                if not new:  # there since it was counted
                    continue
                span = Span(
                    span_id,
                    document_id,
                    start,
                    end,
                    label,
                    layer,
                    self.TAG_ALL,
                    "rule",
                    "suggested",
                    dict(attributes or {}),
                    origin_detail=detail,
                )  # what was written, without reading it back
                self._log("tag all", document_id, span.id, None, _span_state(span), annotator, "span")
                added.append(span_id)
            if progress is not None:
                progress(len(places), len(places))
        return added

    def segments(
        self,
        *,
        label: str | None = None,
        attributes: dict[str, str] | None = None,
        link: tuple[str, str] | None = None,
        date_prefix: str | None = None,
        annotator: str | None = None,
        context: int = 60,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Tagged segments across the corpus as keyword-in-context rows: every accepted span of
        ``label`` whose ``attributes`` have these values, that has a link ``(link label, text of
        the span it points to)``, in documents published starting with ``date_prefix``."""
        clauses, params = ["s.status = 'accepted'", "a.kind NOT IN ('model', 'rule')"], []
        if label:
            clauses.append("s.label = ?")
            params.append(label)
        for key, value in (attributes or {}).items():
            clauses.append("json_extract(s.attributes, ?) = ?")
            params += ["$." + json.dumps(key), value]
        if link:
            clauses.append(
                "EXISTS (SELECT 1 FROM links k JOIN spans t ON t.id = k.tail_id WHERE k.head_id = s.id "
                'AND k.label = ? AND substr(d.text, t.start + 1, t."end" - t.start) = ?)'
            )
            params += list(link)
        if date_prefix:
            clauses.append("d.published LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(date_prefix))
        if annotator:
            clauses.append("a.name = ?")
            params.append(annotator)
        return self._dicts(
            f"""
            SELECT s.document_id, d.title, d.published, s.id AS span_id, s.start, s."end", s.label,
                   a.name AS annotator, s.attributes,
                   substr(d.text, max(1, s.start + 1 - ?), min(s.start, ?)) AS left_context,
                   substr(d.text, s.start + 1, s."end" - s.start) AS text,
                   substr(d.text, s."end" + 1, ?) AS right_context
            FROM spans s JOIN documents d ON d.id = s.document_id JOIN annotators a ON a.id = s.annotator_id
            WHERE {" AND ".join(clauses)}
            ORDER BY s.document_id, s.start LIMIT ? OFFSET ?
            """,
            [context, context, context, *params, limit, offset],
        )

    # -- agreement ---------------------------------------------------------------------------

    def annotator_kind(self, name: str) -> str | None:
        row = self.conn.execute("SELECT kind FROM annotators WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def comparison(
        self, a: str, b: str, layer: str | None = None
    ) -> Iterator[
        tuple[
            int,
            list[tuple[int, int, str]],
            list[tuple[int, int, str]],
            tuple[list[int], list[int]] | None,
            str,
        ]
    ]:
        """For each document where A or B has a span: (document id, A's spans, B's spans, stored
        token boundaries or None, the text when there are none). A person's spans are their
        accepted ones; a model's or a rule's are all it suggested, whatever became of them."""
        sides = {}
        for side, name in (("a", a), ("b", b)):
            kind = self.annotator_kind(name)
            if kind is None:
                raise StoreError(f"no annotator named {name!r} in {self.path}")
            sides[side] = (name, kind in ("model", "rule"))
        layer_join, layer_clause, layer_params = (
            ("JOIN labels l ON l.name = s.label", "AND l.layer = ?", [layer]) if layer else ("", "", [])
        )

        def stream(name: str, everything: bool) -> Iterator[tuple[int, list[tuple[int, int, str]]]]:
            rows = self.conn.execute(
                f'SELECT s.document_id, s.start, s."end", s.label FROM spans s {layer_join} '
                f"WHERE s.annotator_id = (SELECT id FROM annotators WHERE name = ?) "
                f"AND (? OR s.status = 'accepted') {layer_clause} ORDER BY s.document_id, s.start",
                [name, everything, *layer_params],
            )
            for document_id, group in groupby(rows, key=itemgetter(0)):
                yield document_id, [row[1:] for row in group]

        # token boundaries (or the text, to make them), walked in the same order
        documents = self.conn.execute(
            "SELECT d.id, t.offsets, CASE WHEN t.offsets IS NULL THEN d.text ELSE '' END "
            "FROM documents d LEFT JOIN tokens t ON t.document_id = d.id ORDER BY d.id"
        )
        stream_a, stream_b = stream(*sides["a"]), stream(*sides["b"])
        next_a, next_b = next(stream_a, None), next(stream_b, None)
        while next_a is not None or next_b is not None:
            document_id = min(item[0] for item in (next_a, next_b) if item is not None)
            spans_a: list = []
            spans_b: list = []
            if next_a is not None and next_a[0] == document_id:
                spans_a, next_a = next_a[1], next(stream_a, None)
            if next_b is not None and next_b[0] == document_id:
                spans_b, next_b = next_b[1], next(stream_b, None)
            yield self._comparison_row(document_id, spans_a, spans_b, documents)

    @staticmethod
    def _comparison_row(document_id: int, spans_a: list, spans_b: list, documents: Any) -> tuple:
        for other_id, offsets, text in documents:
            if other_id == document_id:
                return (
                    document_id,
                    spans_a,
                    spans_b,
                    unpack_offsets(offsets) if offsets is not None else None,
                    text,
                )
        raise StoreError(f"document {document_id} vanished during the comparison")

    def review_spans(self, document_id: int, name: str) -> list[Span]:
        """An annotator's spans as a review compares them: a person's (or gold's) accepted
        ones; a model's every suggestion."""
        kind = self.annotator_kind(name)
        if kind is None:
            return []
        status = None if kind in ("model", "rule") else "accepted"
        return self.spans(document_id, annotator=name, status=status)

    def suggestion_outcomes(self, analyst: str, model: str) -> dict[str, int]:
        """What became of a model's suggestions in an analyst's hands: accepted as they were,
        relabelled, resized, rejected, still undecided; and the analyst's decisions the model
        never suggested (missed)."""
        counts = dict.fromkeys(("accepted", "relabelled", "resized", "rejected", "undecided", "missed"), 0)
        for status, decision_start, decision_end, decision_label, start, end, label in self.conn.execute(
            """
            SELECT m.status, d.start, d."end", d.label, m.start, m."end", m.label
            FROM spans m JOIN annotators ma ON ma.id = m.annotator_id
            LEFT JOIN spans d ON d.suggestion_id = m.id
                AND d.annotator_id = (SELECT id FROM annotators WHERE name = ?)
            WHERE ma.name = ?
            """,
            (analyst, model),
        ):
            if status == "suggested":
                counts["undecided"] += 1
            elif status == "rejected" or decision_start is None:
                counts["rejected"] += 1
            elif (decision_start, decision_end) != (start, end):
                counts["resized"] += 1
            elif decision_label != label:
                counts["relabelled"] += 1
            else:
                counts["accepted"] += 1
        counts["missed"] = self.conn.execute(
            "SELECT count(*) FROM spans d JOIN annotators a ON a.id = d.annotator_id "
            "WHERE a.name = ? AND d.status = 'accepted' AND d.suggestion_id IS NULL",
            (analyst,),
        ).fetchone()[0]
        return counts

    # -- tokens and pre-annotation bookkeeping ---------------------------------------------

    def set_tokens(
        self, document_id: int, starts: Sequence[int], ends: Sequence[int], tokenizer: str
    ) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO tokens (document_id, tokenizer, offsets) VALUES (?, ?, ?)",
            (document_id, tokenizer, pack_offsets(starts, ends)),
        )

    def tokens(self, document_id: int) -> tuple[list[int], list[int]] | None:
        """Token (starts, ends) in characters, or None if the document was never tokenized."""
        row = self.conn.execute("SELECT offsets FROM tokens WHERE document_id = ?", (document_id,)).fetchone()
        return None if row is None else unpack_offsets(row[0])

    def mark_preannotated(self, document_id: int, pipeline: str, suggestions: int) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO preannotations (document_id, pipeline, suggestions, at) VALUES (?, ?, ?, ?)",
            (document_id, pipeline, suggestions, now()),
        )

    def preannotated_ids(self) -> set[int]:
        return {r[0] for r in self.conn.execute("SELECT DISTINCT document_id FROM preannotations")}

    # -- history and statistics ------------------------------------------------------------

    def _log(
        self,
        action: str,
        document_id: int | None,
        span_id: int | None,
        before: Any,
        after: Any,
        annotator: str,
        kind: str | None = None,
        row_id: int | None = None,
    ) -> None:
        """Append to the history; a change of ``kind`` (span, link, document) is also handed to
        the recorder of :meth:`recording`, which is what undo replays."""
        self.conn.execute(
            "INSERT INTO history (at, annotator, action, document_id, span_id, before, after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                now(),
                annotator,
                action,
                document_id,
                span_id,
                None if before is None else dump_json(before),
                None if after is None else dump_json(after),
            ),
        )
        if kind is not None and self._recorder is not None:
            self._recorder.append(Change(kind, row_id if row_id is not None else span_id, before, after))

    @contextmanager
    def recording(self) -> Iterator[list[Change]]:
        """Collect the changes made inside the block (for undo); one block at a time."""
        if self._recorder is not None:
            raise StoreError("already recording changes")
        self._recorder = changes = []
        try:
            yield changes
        finally:
            self._recorder = None

    def apply_changes(
        self,
        changes: Sequence[Change],
        direction: str,
        annotator: str,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        """Undo (write every ``before``, last change first) or redo (every ``after``, in order)
        as one transaction, logged as "undo"/"redo". ``progress`` and ``should_stop`` as for
        :meth:`tag_all`: stopped, Cancelled is raised and nothing is changed."""
        if direction not in ("undo", "redo"):
            raise StoreError(f"direction must be undo or redo, not {direction!r}")
        ordered = list(reversed(changes)) if direction == "undo" else list(changes)
        with self.transaction():
            for done, change in enumerate(ordered):
                if done % self.PROGRESS_STEP == 0:
                    checkpoint(
                        done,
                        len(ordered),
                        progress,
                        should_stop,
                        f"{direction}: cancelled, nothing was changed",
                    )
                current, target = (
                    (change.after, change.before) if direction == "undo" else (change.before, change.after)
                )
                if change.kind == "span":
                    self._set_span_state(change.row_id, target)
                elif change.kind == "link":
                    self._set_link_state(change.row_id, target)
                elif change.kind == "document":
                    self._set_document_state(change.row_id, target or {})
                document_id = (
                    change.row_id
                    if change.kind == "document"
                    else (target or current or {}).get("document_id")
                )
                self._log(
                    f"{direction} {change.kind}", document_id, change.row_id, current, target, annotator
                )

    def _set_span_state(self, span_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            return
        values = (
            state["start"],
            state["end"],
            state["label"],
            state["status"],
            dump_json(state["attributes"]),
            state["note"],
            now(),
        )
        updated = self.conn.execute(
            'UPDATE spans SET start = ?, "end" = ?, label = ?, status = ?, attributes = ?, note = ?, '
            "updated_at = ? WHERE id = ?",
            (*values, span_id),
        ).rowcount
        if not updated:
            self.conn.execute(
                'INSERT INTO spans (id, document_id, start, "end", label, status, attributes, note, updated_at, '
                "annotator_id, origin, origin_detail, suggestion_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    span_id,
                    state["document_id"],
                    *values,
                    self.annotator_id(state["annotator"]),
                    state["origin"],
                    state["origin_detail"],
                    state["suggestion_id"],
                    now(),
                ),
            )

    def _set_link_state(self, link_id: int, state: dict[str, Any] | None) -> None:
        if state is None:
            self.conn.execute("DELETE FROM links WHERE id = ?", (link_id,))
            return
        self.conn.execute(
            "INSERT INTO links (id, head_id, tail_id, label, annotator_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET head_id = excluded.head_id, "
            "tail_id = excluded.tail_id, label = excluded.label",
            (
                link_id,
                state["head_id"],
                state["tail_id"],
                state["label"],
                self.annotator_id(state["annotator"]),
                now(),
            ),
        )

    def _set_document_state(self, document_id: int, state: dict[str, Any]) -> None:
        for column in ("status", "note", "tags"):
            if column in state:
                value = dump_json(state[column]) if column == "tags" else state[column]
                self.conn.execute(
                    f"UPDATE documents SET {column} = ?, updated_at = ? WHERE id = ?",
                    (value, now(), document_id),
                )

    def log(
        self, action: str, annotator: str, details: dict[str, Any], document_id: int | None = None
    ) -> None:
        """Record a bulk action (an import, a pre-annotation batch) as one history entry."""
        self._log(action, document_id, None, None, details, annotator)

    def setting(self, key: str) -> Any:
        """A value kept in the project's settings table (JSON), or None."""
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                self.conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, dump_json(value))
                )

    def current_states(self, changes: Sequence[Change]) -> list[dict[str, Any] | None]:
        """Each change's row as it is now, in the shape the history records it (None: gone)."""
        spans = self.spans_by_id({c.row_id for c in changes if c.kind == "span"})
        states: list[dict[str, Any] | None] = []
        for change in changes:
            if change.kind == "span":
                span = spans.get(change.row_id)
                states.append(None if span is None else _span_state(span))
            elif change.kind == "link":
                found = self._link_and_document(change.row_id)
                states.append(None if found is None else _link_state(*found))
            else:
                document = self.document(change.row_id)
                fields = {"status": document.status, "note": document.note, "tags": document.tags}
                reference = change.after or change.before or {}
                states.append({key: fields[key] for key in reference if key in fields})
        return states

    def history(self, document_id: int | None = None) -> list[dict[str, Any]]:
        where, params = ("WHERE document_id = ?", [document_id]) if document_id is not None else ("", [])
        rows = self.db.query(f"SELECT * FROM history {where} ORDER BY id", params)
        return [
            {
                **row,
                "before": json.loads(row["before"]) if row["before"] else None,
                "after": json.loads(row["after"]) if row["after"] else None,
            }
            for row in rows
        ]

    def stats(self) -> dict[str, Any]:
        """Counts of documents by status and of spans by layer, label, annotator, origin, status."""
        documents = {status: 0 for status in DOCUMENT_STATUSES}
        for status, count in self.conn.execute("SELECT status, count(*) FROM documents GROUP BY status"):
            documents[status] = count
        # One pass over the spans, counted by every key at once (five GROUP BY queries would
        # read millions of spans five times over).
        layers = dict(self.conn.execute("SELECT name, layer FROM labels"))
        names = dict(self.conn.execute("SELECT id, name FROM annotators"))
        combined = Counter(self.conn.execute("SELECT label, annotator_id, origin, status FROM spans"))
        by: dict[str, Counter[str]] = {
            key: Counter() for key in ("layer", "label", "annotator", "origin", "status")
        }
        for (label, annotator_id, origin, status), count in combined.items():
            for key, value in (
                ("layer", layers[label]),
                ("label", label),
                ("annotator", names[annotator_id]),
                ("origin", origin),
                ("status", status),
            ):
                by[key][value] += count
        spans = {
            key: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for key, counts in by.items()
        }
        total_documents = sum(documents.values())
        total_spans = sum(combined.values())
        return {
            "database": self.path,
            "documents": {"total": total_documents, "by_status": documents},
            "spans": {"total": total_spans, **{f"by_{k}": v for k, v in spans.items()}},
        }


def _split_sql(script: str) -> list[str]:
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


def default_db_path() -> Path:
    """``ANNOTATOR_DB`` if set, else ``default.db`` in the user's data directory."""
    override = os.environ.get("ANNOTATOR_DB")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("annotator", appauthor=False)) / "default.db"
