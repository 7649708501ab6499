"""The SQL of bringing a colleague's project in (annotator.merge checks the file first, through
store.untrusted)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.domain import MACHINES, PEOPLE
from annotator.store.files import read_only_uri
from annotator.store.rows import sql_list


class Attach:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def merge_attached(self, path: Path, report: Any, annotator: str) -> None:
        """Copy a checked colleague's project into this one, in one transaction: new documents
        by text hash, the spans and links of its people under their names, their document
        statuses and notes. This project's rows are never changed. Fills ``report``."""
        conn = self.conn
        if self.server:
            with self.transaction():
                self._copy_to_server(path)
                self._merge(report, annotator)
        else:
            conn.execute("ATTACH DATABASE ? AS other", (read_only_uri(path),))
            try:
                with self.transaction():
                    self._merge(report, annotator)
            finally:
                conn.execute("DETACH DATABASE other")
        self._schema = None
        self._annotator_ids.clear()

    #: The colleague's tables the merge reads.
    MERGED_TABLES = (
        "labels", "label_attributes", "link_labels", "settings", "documents", "annotators", "spans", "links",
        "document_labels",
    )  # fmt: skip

    def _copy_to_server(self, path: Path) -> None:
        """A server cannot attach a file: the colleague's tables are copied into temporary
        tables of this session (``pg_temp.other_spans``...), dropped at the transaction's end."""
        import sqlite3

        source = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            for table in self.MERGED_TABLES:
                self.conn.execute(
                    f"CREATE TEMP TABLE other_{table} (LIKE public.{table}) ON COMMIT DROP"
                )
                cursor = source.execute(f'SELECT * FROM "{table}"')
                columns = ", ".join(f'"{c[0]}"' for c in cursor.description)
                self.conn.copy_rows(f"pg_temp.other_{table}", columns, cursor)
        finally:
            source.close()

    def _merge_sql(self, sql: str) -> str:
        """The merge's SQL for this backend: ``main.``, ``other.`` and ``temp.`` name this
        project's tables, the colleague's, and the merge's own."""
        if not self.server:
            return sql
        # temp. first: the other tables' new names contain "temp." themselves
        return sql.replace("temp.", "pg_temp.").replace("other.", "pg_temp.other_").replace("main.", "public.")

    def _merge(self, report: Any, annotator: str) -> None:
        conn = _Translating(self.conn, self._merge_sql)
        conn.execute("INSERT INTO main.labels SELECT * FROM other.labels WHERE true ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO main.label_attributes SELECT * FROM other.label_attributes WHERE true ON CONFLICT DO NOTHING")
        conn.execute("INSERT INTO main.link_labels SELECT * FROM other.link_labels WHERE true ON CONFLICT DO NOTHING")
        report.documents_matched = conn.execute(
            "SELECT count(*) FROM other.documents o WHERE o.sha256 IN (SELECT sha256 FROM main.documents)"
        ).fetchone()[0]
        columns = "external_id, title, text, text_length, sha256, lang, source, url, published, meta, created_at, updated_at"
        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM main.documents").fetchone()[0]
        report.documents_new = conn.execute(
            f"INSERT INTO main.documents ({columns}) SELECT {columns} FROM other.documents o "
            "WHERE o.sha256 NOT IN (SELECT sha256 FROM main.documents) ORDER BY o.id"
        ).rowcount
        self.sql.index_documents(self.conn, last_id)
        report.skipped_models = [
            row[0]
            for row in conn.execute(
                f"SELECT name FROM other.annotators WHERE kind IN {sql_list(MACHINES)} ORDER BY name"
            )
        ]
        people = [
            row
            for row in conn.execute(
                f"SELECT id, name, kind FROM other.annotators WHERE kind IN {sql_list(PEOPLE)} ORDER BY name"
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
            'INSERT INTO main.spans (document_id, start, "end", label, annotator_id, origin, origin_detail, '
            "status, attributes, note, created_at, updated_at) "
            'SELECT d.main_id, s.start, s."end", s.label, p.main_id, s.origin, s.origin_detail, s.status, '
            "s.attributes, s.note, s.created_at, s.updated_at FROM other.spans s "
            "JOIN temp.merge_documents d ON d.other_id = s.document_id "
            "JOIN temp.merge_people p ON p.other_id = s.annotator_id WHERE true ORDER BY s.id ON CONFLICT DO NOTHING"
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
            "INSERT INTO main.links (head_id, tail_id, label, annotator_id, created_at) "
            "SELECT m1.id, m2.id, k.label, pk.main_id, k.created_at FROM other.links k "
            "JOIN other.spans o1 ON o1.id = k.head_id JOIN other.spans o2 ON o2.id = k.tail_id "
            "JOIN temp.merge_people pk ON pk.other_id = k.annotator_id "
            + identity.format(n=1)
            + " "
            + identity.format(n=2)
            + " WHERE true ON CONFLICT DO NOTHING"
        ).rowcount
        # their document labels (each person's own, as spans are), and the definitions of
        # those our schema lacks
        theirs = conn.execute("SELECT value FROM other.settings WHERE key = 'document_labels'").fetchone()
        ours = self._document_label_settings()
        missing = {k: v for k, v in (json.loads(theirs[0]) if theirs else {}).items() if k not in ours}
        if missing:
            conn.execute(
                "INSERT INTO main.settings (key, value) VALUES ('document_labels', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (json.dumps({**ours, **missing}),),
            )
            self.reload_schema()
        report.document_labels_added = conn.execute(
            "INSERT INTO main.document_labels (document_id, annotator_id, name, value, updated_at) "
            "SELECT d.main_id, p.main_id, o.name, o.value, o.updated_at FROM other.document_labels o "
            "JOIN temp.merge_documents d ON d.other_id = o.document_id "
            "JOIN temp.merge_people p ON p.other_id = o.annotator_id WHERE true ON CONFLICT DO NOTHING"
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
                "INSERT INTO main.annotator_documents (document_id, annotator_id, status, note, tags, updated_at) "
                "SELECT d.main_id, ?, o.status, o.note, o.tags, o.updated_at FROM other.documents o "
                "JOIN temp.merge_documents d ON d.other_id = o.id WHERE o.status != 'new' OR o.note != '' OR o.tags != '[]' "
                "ON CONFLICT DO NOTHING",
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
                "document_labels_added": report.document_labels_added,
                "conflicts": report.conflicts,
            },
            annotator,
        )

    def _document_label_settings(self) -> dict:
        row = self.conn.execute(self._merge_sql("SELECT value FROM main.settings WHERE key = 'document_labels'")).fetchone()
        return json.loads(row[0]) if row else {}

    def _merge_conflict(self, other_id: int, name: str) -> str | None:
        """The same name with different work on both sides: this project holds spans under
        ``name`` that the colleague's file does not (two people of one name, or edits made
        here). Their work is then not merged, and the report says so."""
        row = self.conn.execute(self._merge_sql("SELECT id FROM main.annotators WHERE name = ?"), (name,)).fetchone()
        if row is None:
            return None
        ours_not_theirs = self.conn.execute(
            self._merge_sql(
                """
            SELECT count(*) FROM main.spans m JOIN main.documents md ON md.id = m.document_id
            WHERE m.annotator_id = ? AND NOT EXISTS (
                SELECT 1 FROM other.spans o JOIN other.documents od ON od.id = o.document_id
                WHERE o.annotator_id = ? AND od.sha256 = md.sha256 AND o.start = m.start AND o."end" = m."end"
                AND o.label = m.label AND o.status = m.status
            )
            """
            ),
            (row[0], other_id),
        ).fetchone()[0]
        if ours_not_theirs:
            return (
                f"annotator '{name}' has {ours_not_theirs} span(s) here that the other file does not: "
                "the same name with different work on both sides"
            )
        return None


class _Translating:
    """A connection whose SQL passes through ``translate`` first (the merge's schema names)."""

    def __init__(self, conn: Any, translate: Any) -> None:
        self._conn, self._translate = conn, translate

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(self._translate(sql), params)
