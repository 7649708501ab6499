"""What SQLite and PostgreSQL write differently: each fragment of SQL the parts share, written
once per backend. Everything else in the parts is SQL both accept (``?`` parameters are turned
into PostgreSQL's by :mod:`annotator.store.postgres`). One instance per backend, as
``Store.sql``."""

from __future__ import annotations

from annotator.domain import query_terms


class SQLite:
    name = "sqlite"
    #: A write transaction (SQLite takes the write lock at once: no deadlock between two).
    begin = "BEGIN IMMEDIATE"
    #: Reads that see the project at one moment (a read transaction of WAL: writers go on).
    snapshot = ("BEGIN",)
    #: Schemas of this project and of a colleague's project while it is merged.
    main = "main"
    other = "other"
    #: Ids of a JSON list parameter, as a subquery: ``id IN ({ids})``.
    ids = "SELECT value FROM json_each(?)"
    #: ``column {in_ids}``: the column is one of the ids of a JSON list (one parameter), found
    #: by the column's index even on either side of an OR.
    in_ids = "IN (SELECT value FROM json_each(?))"
    #: Sorting without regard to case.
    nocase = "{} COLLATE NOCASE"
    #: Of two values, the larger and the smaller.
    greatest = "max"
    least = "min"
    #: ``a IS NOT b`` where either may be NULL.
    is_not = "IS NOT"
    #: A column the planner must not look up by its index (SQLite: a unary +).
    unindexed = "+{}"

    def json_object(self, pairs: str) -> str:
        """A JSON object of ``'key', value, ...`` pairs, written without spaces."""
        return f"json_object({pairs})"

    def as_json(self, column: str) -> str:
        """A JSON text column as a JSON value inside :meth:`json_object`."""
        return f"json({column})"

    def json_path_equals(self, column: str) -> str:
        """``column``'s JSON value at a path parameter (``$."key"``) equals a parameter."""
        return f"json_extract({column}, ?) = ?"

    def json_values(self, column: str, alias: str) -> str:
        """The values of a JSON column (a string, or a list of them) as rows ``alias.value``."""
        return f"json_each({column}) {alias}"

    def distinct_joined(self, expression: str) -> str:
        """Distinct values of ``expression`` joined by commas (an aggregate)."""
        return f"group_concat(DISTINCT {expression})"

    # -- full text (accents ignored)
    def search_match(self, text: str) -> tuple[str, list[str]] | None:
        """A condition ``d.id IN (...)`` on documents whose title or text have every word of
        ``text`` ("quoted" phrases kept), with its parameters; None when nothing is searchable."""
        terms = query_terms(text)
        if not terms:
            return None
        match = " ".join(f'"{term}"' for term in terms)
        return "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", [match]

    def search_ranked(self, text: str, where: str) -> tuple[str, list[str]] | None:
        """Documents matching ``text`` best first, with a snippet ([...] marks the hits)."""
        terms = query_terms(text)
        if not terms:
            return None
        match = " ".join(f'"{term}"' for term in terms)
        return (
            "SELECT f.rowid AS document_id, d.title, d.published, d.status, "
            "snippet(documents_fts, 1, '[', ']', '…', 12) AS snippet "
            f"FROM documents_fts f JOIN documents d ON d.id = f.rowid WHERE documents_fts MATCH ?{where} "
            "ORDER BY bm25(documents_fts) LIMIT ? OFFSET ?",
            [match],
        )

    def index_documents(self, conn, after_id: int) -> None:
        """Add documents with ids above ``after_id`` to the full-text index."""
        conn.execute(
            "INSERT INTO documents_fts (rowid, title, text) SELECT id, title, text FROM documents WHERE id > ?",
            (after_id,),
        )

    def index_document(self, conn, document_id: int, title: str, text: str) -> None:
        conn.execute("INSERT INTO documents_fts (rowid, title, text) VALUES (?, ?, ?)", (document_id, title, text))

    def unindex_document(self, conn, document_id: int, title: str, text: str) -> None:
        conn.execute(
            "INSERT INTO documents_fts (documents_fts, rowid, title, text) VALUES ('delete', ?, ?, ?)",
            (document_id, title, text),
        )


class PostgreSQL(SQLite):
    name = "postgresql"
    begin = "BEGIN"
    # a snapshot is read whole: plans for every row, not for the first tenth (DECLARE's)
    snapshot = ("BEGIN ISOLATION LEVEL REPEATABLE READ", "SET LOCAL cursor_tuple_fraction = 1.0")
    main = "public"
    other = "pg_temp"
    ids = "SELECT jsonb_array_elements_text(?::jsonb)::bigint"
    # an array computed once: PostgreSQL then reads each side of an OR by its index (IN with
    # a subquery on both sides read the whole table)
    in_ids = "= ANY(ARRAY(SELECT jsonb_array_elements_text(?::jsonb)::bigint))"
    nocase = "lower({})"
    greatest = "greatest"
    least = "least"
    is_not = "IS DISTINCT FROM"
    unindexed = "{}"

    def json_object(self, pairs: str) -> str:
        return f"json_build_object({pairs})"

    def as_json(self, column: str) -> str:
        return f"{column}::json"

    def json_path_equals(self, column: str) -> str:
        return f"jsonb_path_query_first({column}::jsonb, ?::jsonpath) #>> '{{}}' = ?"

    def json_values(self, column: str, alias: str) -> str:
        return (
            f"jsonb_array_elements_text(CASE jsonb_typeof({column}::jsonb) WHEN 'array' THEN {column}::jsonb "
            f"ELSE jsonb_build_array({column}::jsonb) END) {alias}(value)"
        )

    def distinct_joined(self, expression: str) -> str:
        return f"string_agg(DISTINCT {expression}, ',')"

    @staticmethod
    def _tsquery(terms: list[str]) -> str:
        return " && ".join(["phraseto_tsquery('annotator', ?)"] * len(terms))

    def search_match(self, text: str) -> tuple[str, list[str]] | None:
        terms = query_terms(text)
        if not terms:
            return None
        return f"SELECT document_id FROM document_search WHERE vector @@ ({self._tsquery(terms)})", terms

    def search_ranked(self, text: str, where: str) -> tuple[str, list[str]] | None:
        terms = query_terms(text)
        if not terms:
            return None
        # the snippet: ts_headline over the text, the hits marked as SQLite's snippet does
        return (
            "SELECT d.id AS document_id, d.title, d.published, d.status, "
            "ts_headline('annotator', d.text, q.query, "
            "'StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…') AS snippet "
            f"FROM document_search s JOIN documents d ON d.id = s.document_id, "
            f"(SELECT {self._tsquery(terms)} AS query) q "
            f"WHERE s.vector @@ q.query{where} "
            "ORDER BY ts_rank(s.vector, q.query) DESC, d.id LIMIT ? OFFSET ?",
            terms,
        )

    def index_documents(self, conn, after_id: int) -> None:
        """The server fills its full-text table as documents come in (a trigger): nothing to add."""

    def index_document(self, conn, document_id: int, title: str, text: str) -> None:
        pass

    def unindex_document(self, conn, document_id: int, title: str, text: str) -> None:
        pass


SQLITE = SQLite()
POSTGRESQL = PostgreSQL()
