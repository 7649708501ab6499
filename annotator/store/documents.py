"""Documents: adding them (deduplicated by text hash), reading them, the document list's pages and
filters, their status, tags and note, their tokens, deleting them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from annotator.domain import DOCUMENT_STATUSES, MACHINES, Document, text_sha256
from annotator.errors import InvalidSpanError, StoreError
from annotator.store.rows import (
    ANY_PERSON,
    DOCUMENT_COLUMNS,
    PERSON,
    document_from_row,
    dump_json,
    now,
    pack_offsets,
    sql_list,
    undecided,
    unpack_offsets,
)

#: How the list's label filter writes a document label's choice ("stance = critical").
DOCUMENT_LABEL_CHOICE = " = "
#: A list column and order of a document label: ``label:stance``.
DOCUMENT_LABEL_ORDER = "label:"


class Documents:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

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
            self.sql.index_document(self.conn, row[0], title, text)
            return row[0], True
        existing = self.conn.execute("SELECT id FROM documents WHERE sha256 = ?", (digest,)).fetchone()
        return existing[0], False

    def document(self, document_id: int) -> Document:
        row = self.conn.execute(
            f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}")
        return document_from_row(row)

    def _document_field(self, document_id: int, column: str) -> Any:
        """One field of a document as stored (``status``, ``note``: what a change logs as
        before), without reading its text."""
        row = self.conn.execute(f"SELECT {column} FROM documents WHERE id = ?", (document_id,)).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}")
        return row[0]

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
        "title": "{nocase}",
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
        labels: Sequence[str] = (),
        viewer: str | None = None,
    ) -> list[dict[str, Any]]:
        """One row per document for lists: id, title, published, status, lang, text_length, ``suggested``
        (suggestions undecided for ``viewer``, else for everybody), ``decided`` (accepted spans
        of people, not of models) and ``key`` (where the row sorts).

        Filters: document status; documents with a live span of ``label``; documents where
        ``annotator`` has a span; ``text`` found by the full-text index in the title or the
        article. Rows come sorted by ``order`` (a key of DOCUMENT_ORDERS), then id.

        Pages: ``after`` is the ``key`` of the last row already read and ``limit`` the page
        size, so every page is one indexed query however far down the list it is;
        ``through=ID`` reads every row up to that document's (to reveal it in a list). Counts
        are computed for the rows returned only. ``ids`` restricts to these documents.
        ``keys_only`` returns only id and key (from the indexes, without reading documents).
        ``labels``: document labels whose choices each row also gives (``label:NAME``).
        """
        sort = self._order_expression(order)
        clauses, params = self._document_filter(status, label, annotator, text)
        if document_id is not None:
            clauses.append("d.id = ?")
            params.append(document_id)
        if ids is not None:
            clauses.append(f"d.id IN ({self.sql.ids})")
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
        # the value of the key (without its collation)
        value = sort if order.startswith(DOCUMENT_LABEL_ORDER) else sort.replace(" COLLATE NOCASE", "")
        if keys_only:
            query = f"SELECT d.id, {value} FROM documents d {tail}"
            return [{"id": i, "key": (v, i)} for i, v in self.conn.execute(query, params)]
        rows = self._dicts(
            f"""
                SELECT d.id, d.title, d.published, d.status, d.lang, d.text_length, {value} AS sort_value,
                       {self._document_label_columns(labels)}
                       (SELECT count(*) FROM spans s WHERE s.document_id = d.id
                        AND {undecided('s', PERSON if viewer is not None else ANY_PERSON)}) AS suggested,
                       (SELECT count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id
                        WHERE s.status = 'accepted' AND s.document_id = d.id AND a.kind NOT IN {sql_list(MACHINES)})
                           AS decided
                FROM documents d {tail}
                """,
            [*((viewer, viewer) if viewer is not None else ()), *params],
        )
        for row in rows:
            row["key"] = (row.pop("sort_value"), row["id"])
        return rows

    def _document_label_value(self, name: str) -> str:
        """SQL of a document's choices of a document label (every person's, distinct, joined
        by commas; '' when none): a list column, and an order."""
        literal = "'" + name.replace("'", "''") + "'"
        return (
            f"COALESCE((SELECT {self.sql.distinct_joined('v.value')} "
            f"FROM document_labels x, {self.sql.json_values('x.value', 'v')} "
            f"WHERE x.document_id = d.id AND x.name = {literal}), '')"
        )

    def _document_label_columns(self, names: Sequence[str]) -> str:
        return "".join(
            f'{self._document_label_value(name)} AS "{DOCUMENT_LABEL_ORDER}{name.replace(chr(34), "")}", '
            for name in names
            if name in self.schema.document_labels
        )

    def _order_expression(self, order: str) -> str:
        """The SQL a list order sorts by: a key of DOCUMENT_ORDERS, or ``label:NAME``."""
        name = order[len(DOCUMENT_LABEL_ORDER) :] if order.startswith(DOCUMENT_LABEL_ORDER) else None
        if name is not None:
            if name not in self.schema.document_labels:
                raise StoreError(f"no document label {name!r} to sort by")
            return self._document_label_value(name)
        return self.DOCUMENT_ORDERS[order].format(nocase=self.sql.nocase.format("d.title"))

    def _document_filter(
        self, status: str | None, label: str | None, annotator: str | None, text: str | None
    ) -> tuple[list[str], list[Any]]:
        """SQL conditions over documents d for the list's filters (each an indexed lookup).
        ``label`` is a span label, or a document label's choice written ``stance = critical``
        (documents where someone chose it)."""
        clauses: list[str] = []
        params: list[Any] = []
        if status:
            clauses.append("d.status = ?")
            params.append(status)
        name, _, value = (label or "").partition(DOCUMENT_LABEL_CHOICE)
        if value and name in self.schema.document_labels:
            clauses.append(
                f"EXISTS (SELECT 1 FROM document_labels x, {self.sql.json_values('x.value', 'v')} "
                "WHERE x.document_id = d.id AND x.name = ? AND v.value = ?)"
            )
            params += [name, value]
        elif label:
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
        match = self.sql.search_match(text) if text else None
        if match is not None:
            clauses.append(f"d.id IN ({match[0]})")
            params += match[1]
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

    def set_document_status(self, document_id: int, status: str, annotator: str) -> None:
        if status not in DOCUMENT_STATUSES:
            raise StoreError(f"unknown document status {status!r} (one of {', '.join(DOCUMENT_STATUSES)})")
        with self.transaction():
            before = self._document_field(document_id, "status")
            self.conn.execute(
                "UPDATE documents SET status = ?, updated_at = ? WHERE id = ?", (status, now(), document_id)
            )
            self.finish_assignment(document_id, annotator, status in ("done", "reviewed"))
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
            before = self._document_field(document_id, "note")
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

    def document_labels(self, document_id: int, annotator: str | None = None) -> dict[str, dict[str, Any]]:
        """Annotator -> label name -> value (a string, or a list for a label of several) of a
        document's labels; one annotator's if given."""
        where, params = ("AND a.name = ?", (document_id, annotator)) if annotator else ("", (document_id,))
        found: dict[str, dict[str, Any]] = {}
        for name, label, value in self.conn.execute(
            "SELECT a.name, d.name, d.value FROM document_labels d JOIN annotators a ON a.id = d.annotator_id "
            f"WHERE d.document_id = ? {where} ORDER BY a.name, d.name",
            params,
        ):
            found.setdefault(name, {})[label] = json.loads(value)
        return found

    def all_document_labels(self, annotators: Iterable[str] | None = None) -> dict[int, dict[str, dict[str, Any]]]:
        """Document id -> annotator -> label -> value, for every document (of ``annotators``
        only, if given): one query, for exports."""
        wanted = set(annotators) if annotators is not None else None
        found: dict[int, dict[str, dict[str, Any]]] = {}
        for document_id, name, label, value in self.conn.execute(
            "SELECT d.document_id, a.name, d.name, d.value FROM document_labels d "
            "JOIN annotators a ON a.id = d.annotator_id ORDER BY d.document_id, a.name, d.name"
        ):
            if wanted is None or name in wanted:
                found.setdefault(document_id, {}).setdefault(name, {})[label] = json.loads(value)
        return found

    def set_document_label(self, document_id: int, name: str, value: Any, annotator: str) -> None:
        """Set (or with None, "" or [] clear) one of the schema's document labels for
        ``annotator``; a value outside the label's values is refused."""
        value = self.checked_document_label(name, value)
        with self.transaction():
            self.document(document_id)  # raises for an unknown document
            before = self.document_labels(document_id, annotator).get(annotator, {}).get(name)
            self.write_document_label(document_id, annotator, name, value)
            self._log(
                "set document label",
                document_id,
                None,
                {"label": {"annotator": annotator, "name": name, "value": before}},
                {"label": {"annotator": annotator, "name": name, "value": value}},
                annotator,
                "document",
                document_id,
            )

    def checked_document_label(self, name: str, value: Any) -> Any:
        """A document label's value as stored (None: cleared), or StoreError saying why not."""
        label = self.schema.document_labels.get(name)
        if label is None:
            known = ", ".join(self.schema.document_labels) or "none"
            raise StoreError(f"unknown document label {name!r} (this project's: {known})")
        values = [value] if isinstance(value, str) else list(value or [])
        values = [v for v in values if v]
        wrong = [v for v in values if v not in label.values]
        if wrong:
            raise StoreError(f"{name} cannot be {wrong[0]!r} (one of: {', '.join(label.values)})")
        if not label.multiple and len(values) > 1:
            raise StoreError(f"{name} takes one value, not {len(values)}")
        if not values:
            return None
        return [v for v in label.values if v in values] if label.multiple else values[0]

    def write_document_label(self, document_id: int, annotator: str, name: str, value: Any) -> None:
        """Store a checked value (None clears it) without a history entry of its own: for undo,
        which logs its own, and for an import, which is one entry."""
        annotator_id = self.annotator_id(annotator)
        if value in (None, "", []):
            self.conn.execute(
                "DELETE FROM document_labels WHERE document_id = ? AND annotator_id = ? AND name = ?",
                (document_id, annotator_id, name),
            )
            return
        self.conn.execute(
            "INSERT INTO document_labels (document_id, annotator_id, name, value, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (document_id, annotator_id, name) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (document_id, annotator_id, name, dump_json(value), now()),
        )

    def restore_document_fields(self, document_id: int, status: str, note: str, tags: list[str]) -> None:
        """Status, note and tags of a document an import created (from a file that has them)."""
        if status not in DOCUMENT_STATUSES:
            raise InvalidSpanError(f"document status {status!r} is not one of {', '.join(DOCUMENT_STATUSES)}")
        self.conn.execute(
            "UPDATE documents SET status = ?, note = ?, tags = ? WHERE id = ?",
            (status, note, dump_json(list(tags)), document_id),
        )

    def _touch_document(self, document_id: int, annotator: str) -> None:
        """A decision was made: the document is at least "in progress" (a logged change, so
        that undoing the first decision brings "new" back)."""
        stamp = now()
        # one statement in the usual case (already begun); each is conditional, so two people's
        # first decisions at once log the change once
        if self.conn.execute(
            "UPDATE documents SET updated_at = ? WHERE id = ? AND status != 'new'", (stamp, document_id)
        ).rowcount:
            return
        if self.conn.execute(
            "UPDATE documents SET status = 'in_progress', updated_at = ? WHERE id = ? AND status = 'new'",
            (stamp, document_id),
        ).rowcount:
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

    def existing_documents(self, document_ids: Sequence[int]) -> list[int]:
        """Those of ``document_ids`` that are documents of this project, in the order given."""
        found = {
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM documents WHERE id IN ({self.sql.ids})",
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
                self.sql.unindex_document(self.conn, document_id, row[0], row[1])
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

    def set_tokens(
        self, document_id: int, starts: Sequence[int], ends: Sequence[int], tokenizer: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO tokens (document_id, tokenizer, offsets) VALUES (?, ?, ?) ON CONFLICT (document_id) "
            "DO UPDATE SET tokenizer = excluded.tokenizer, offsets = excluded.offsets",
            (document_id, tokenizer, pack_offsets(starts, ends)),
        )

    def tokens(self, document_id: int) -> tuple[list[int], list[int]] | None:
        """Token (starts, ends) in characters, or None if the document was never tokenized."""
        row = self.conn.execute("SELECT offsets FROM tokens WHERE document_id = ?", (document_id,)).fetchone()
        return None if row is None else unpack_offsets(row[0])

    def mark_preannotated(self, document_id: int, pipeline: str, suggestions: int) -> None:
        self.conn.execute(
            "INSERT INTO preannotations (document_id, pipeline, suggestions, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (document_id, pipeline) DO UPDATE SET suggestions = excluded.suggestions, at = excluded.at",
            (document_id, pipeline, suggestions, now()),
        )

    def documents_to_preannotate(self, redo: bool = False, pipeline: str | None = None) -> list[int]:
        """Documents not finished and not yet pre-annotated (by ``pipeline``, when given: a newer
        model re-suggests where the analyst has not finished); with ``redo``, every document."""
        if redo:
            return self.document_ids()
        done = self.preannotated_ids(pipeline)
        return [i for i in self.document_ids(status=("new", "in_progress")) if i not in done]

    def preannotated_ids(self, pipeline: str | None = None) -> set[int]:
        if pipeline is not None:
            rows = self.conn.execute("SELECT document_id FROM preannotations WHERE pipeline = ?", (pipeline,))
        else:
            rows = self.conn.execute("SELECT DISTINCT document_id FROM preannotations")
        return {r[0] for r in rows}

    def replace_suggestions(self, document_id: int, annotator_id: int) -> int:
        """Remove the undecided suggestions of the other models in a document, before a newer
        model's go in: a decision is never touched, nor a suggestion someone has decided (their
        acceptance or rejection names it), nor one linked by a person or to a person's decision
        (an analyst's work); the older pipeline's other links go with its
        suggestions. Returns how many went. Call inside the pre-annotation's transaction."""
        people = f"(SELECT id FROM annotators WHERE kind NOT IN {sql_list(MACHINES)})"
        kept = (
            "NOT EXISTS (SELECT 1 FROM links k JOIN spans o ON o.id = k.{other} WHERE k.{this} = spans.id "
            f"AND (k.annotator_id IN {people} OR o.annotator_id IN {people}))"
        )
        return self.conn.execute(
            "DELETE FROM spans WHERE document_id = ? AND status = 'suggested' AND annotator_id != ? "
            "AND annotator_id IN (SELECT id FROM annotators WHERE kind = 'model') "
            "AND NOT EXISTS (SELECT 1 FROM spans fate WHERE fate.suggestion_id = spans.id) "
            f"AND {kept.format(this='head_id', other='tail_id')} AND {kept.format(this='tail_id', other='head_id')}",
            (document_id, annotator_id),
        ).rowcount
