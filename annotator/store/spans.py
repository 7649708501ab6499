"""Spans: reading them, the rules a decision keeps, adding, changing and deleting them one action
at a time, and the bulk inserts of imports and pre-annotation."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from annotator.domain import DECIDERS, EXCLUSIVE_LAYERS, Span, check_no_overlap, check_offsets, overlaps
from annotator.errors import InvalidSpanError, StoreError
from annotator.store.rows import (
    PERSON,
    SPAN_ROW_INSERT,
    SPAN_SELECT,
    SPAN_SELECT_UNDECIDED,
    SpanRow,
    dump_json,
    now,
    span_from_row,
    span_state,
    sql_list,
    undecided,
)


class Spans:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def working_spans(self, document_id: int, annotator: str) -> list[Span]:
        """What an analyst works on in a document: their own live decisions and every
        suggestion still undecided for them (:func:`~annotator.store.rows.undecided`), in
        offset order."""
        return [
            span_from_row(r)
            for r in self.conn.execute(
                SPAN_SELECT + " WHERE spans.document_id = ? AND ((annotators.name = ? AND spans.status != "
                f"'rejected') OR ({undecided('spans', PERSON)})) ORDER BY spans.start, spans.\"end\", spans.id",
                (document_id, annotator, annotator, annotator),
            )
        ]

    def undecided_suggestions(self, document_id: int, annotator: str) -> dict[int, Span]:
        """The suggestions of a document still undecided for ``annotator``, by id."""
        rows = self.conn.execute(
            SPAN_SELECT + f" WHERE spans.document_id = ? AND {undecided('spans', PERSON)}",
            (document_id, annotator, annotator),
        )
        return {row[0]: span_from_row(row) for row in rows}

    def suggestions_near(
        self, document_id: int, annotator: str, ids: Iterable[int], keys: Iterable[tuple[int, int, str]]
    ) -> dict[int, tuple[Span, bool]]:
        """The suggestions of a document that these ids name or that stand at these places
        (start, end, label), each with whether it is undecided for ``annotator``: what an
        action of theirs may have settled or unsettled (read by index, however long the
        article)."""
        select = SPAN_SELECT_UNDECIDED + " WHERE spans.document_id = ? AND spans.status = 'suggested' AND "
        found: dict[int, tuple[Span, bool]] = {}
        ids = list(ids)
        queries = [("spans.id IN (" + self.sql.ids + ")", (json.dumps(ids),))] if ids else []
        # each place through the index on (label, status, document, start)
        queries += [('spans.label = ? AND spans.start = ? AND spans."end" = ?', (label, start, end)) for start, end, label in keys]
        for where, params in queries:
            for row in self.conn.execute(select + where, (annotator, annotator, document_id, *params)):
                found[row[0]] = (span_from_row(row), bool(row[-1]))
        return found

    def is_undecided(self, suggestion_id: int, annotator: str) -> bool:
        """Whether a suggestion is still undecided for ``annotator``."""
        return (
            self.conn.execute(
                f"SELECT 1 FROM spans s WHERE s.id = ? AND {undecided('s', PERSON)}",
                (suggestion_id, annotator, annotator),
            ).fetchone()
            is not None
        )

    def span(self, span_id: int) -> Span:
        row = self.conn.execute(SPAN_SELECT + " WHERE spans.id = ?", (span_id,)).fetchone()
        if row is None:
            raise StoreError(f"no span with id {span_id}")
        return span_from_row(row)

    def spans_by_id(self, span_ids: Iterable[int]) -> dict[int, Span]:
        """The spans of these ids that exist, read in one query (an action's touched spans)."""
        rows = self.conn.execute(
            SPAN_SELECT + f" WHERE spans.id IN ({self.sql.ids})", (json.dumps(list(span_ids)),)
        )
        return {row[0]: span_from_row(row) for row in rows}

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
        return [span_from_row(r) for r in self.conn.execute(SPAN_SELECT + where + order, params)]

    def _check_span(
        self,
        document_id: int,
        start: int,
        end: int,
        label: str,
        annotator_id: int,
        ignore_span_id: int | None = None,
        live: bool = True,
        rejected: bool = False,
    ) -> int | None:
        """The rules a decision must keep: offsets inside the text, known label, no overlap in
        an exclusive layer with the same annotator's other live spans (a rejection, not
        ``live``, is not in the way of anything). One query (on a server, one round trip).

        With ``rejected`` (a new live span): the id of the annotator's rejection of this
        label on these characters, if there is one (nothing else is checked then: bringing it
        back to life is an update, checked as such); InvalidSpanError if they already have
        this span; else None."""
        if label not in self.schema.labels:
            raise InvalidSpanError(f"unknown label {label!r}")
        layer = self.schema.layer_of(label)
        parts, params = ["SELECT 0, text_length, 0 FROM documents WHERE id = ?"], [document_id]
        if rejected:
            parts.append(
                "SELECT CASE WHEN status = 'rejected' THEN 1 ELSE 3 END, id, 0 FROM spans WHERE document_id = ? "
                'AND annotator_id = ? AND start = ? AND "end" = ? AND label = ?'
            )
            params += [document_id, annotator_id, start, end, label]
        if layer in EXCLUSIVE_LAYERS and live:
            # Only spans that could overlap, two index ranges whatever the document's length:
            # those starting inside ours, and the last one starting before ours (the others
            # before it end before it starts, since an annotator's spans of this layer never
            # overlap).
            others = (
                'SELECT 2, spans.start, spans."end" FROM spans JOIN labels ON labels.name = spans.label '
                "WHERE spans.document_id = ? AND spans.annotator_id = ? AND labels.layer = ? "
                f"AND spans.status != 'rejected' AND spans.id {self.sql.is_not} ? "
            )
            parts.append(others + "AND spans.start >= ? AND spans.start < ?")
            parts.append(f"SELECT * FROM ({others}AND spans.start < ? ORDER BY spans.start DESC LIMIT 1) before_ours")
            head = [document_id, annotator_id, layer, ignore_span_id]
            params += [*head, start, end, *head, start]
        rows = self.conn.execute(" UNION ALL ".join(parts), params).fetchall()
        length = next((value for kind, value, _e in rows if kind == 0), None)
        if length is None:
            raise StoreError(f"no document with id {document_id}")
        revived = next((value for kind, value, _e in rows if kind == 1), None)
        if revived is not None:
            return revived
        duplicate = next((value for kind, value, _e in rows if kind == 3), None)
        if duplicate is not None:
            raise InvalidSpanError(f"span {start}-{end} {label} is already there (span {duplicate})")
        check_offsets(start, end, length)
        clashing = [(s, e) for kind, s, e in rows if kind == 2 and overlaps(s, e, start, end)]
        if clashing:
            check_no_overlap([(start, end), *clashing], layer)
        return None

    def add_span(self, document_id: int, start: int, end: int, label: str, annotator: str, **options: Any) -> Span:
        """Create one span of ``annotator`` as one action (its own transaction): the options
        (origin, status, attributes, note, suggestion_id, actor) and the rules are
        :meth:`_add_span`'s, which an action already under way calls itself."""
        self.annotator_id(annotator)  # a new annotator is kept even if the action fails
        with self.transaction():
            return self._add_span(document_id, start, end, label, annotator, **options)

    def _add_span(
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
        """Create one span of ``annotator``, logged as done by ``actor`` (default: the
        annotator; a reviewer writing into a gold set), inside the caller's transaction.
        Raises InvalidSpanError / OverlapError.

        Where the annotator has rejected the same label on the same characters (a suggestion
        they turned down), a live span brings that rejection back to life instead: one row
        per annotator, place and label."""
        annotator_id = self.annotator_id(annotator)
        live = status != "rejected"
        rejected = self._check_span(document_id, start, end, label, annotator_id, live=live, rejected=live)
        if rejected is not None:
            return self.update_span(rejected, actor or annotator, status=status, attributes=attributes or {}, note=note)
        stamp, stored = now(), dump_json(attributes or {})
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
                    stored,
                    note,
                    suggestion_id,
                    stamp,
                    stamp,
                ),
            ).fetchone()[0]
        except sqlite3.IntegrityError as e:
            raise InvalidSpanError(f"span {start}-{end} {label} cannot be stored: {e}") from e
        # what was written, without reading it back (the attributes as a read would give them)
        span = Span(
            span_id,
            document_id,
            start,
            end,
            label,
            self.schema.layer_of(label),
            annotator,
            origin,
            status,
            json.loads(stored),
            note,
            "",
            suggestion_id,
            stamp,
            stamp,
        )
        self._log("add span", document_id, span_id, None, span_state(span), actor or annotator, "span")
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
            placed = (new_start, new_end, new_label) != (before.start, before.end, before.label)
            if placed or (before.status == "rejected" and status not in (None, "rejected")):
                # a live span that stays where it is cannot start to clash (a status or a note
                # changes): checked only when it moves, is relabelled, or comes back to life
                self._check_span(before.document_id, new_start, new_end, new_label, annotator_id, span_id)
            stamp = now()
            stored = dump_json(before.attributes if attributes is None else attributes)
            after = replace(
                before,
                start=new_start,
                end=new_end,
                label=new_label,
                layer=self.schema.layer_of(new_label),
                attributes=json.loads(stored),
                note=before.note if note is None else note,
                status=before.status if status is None else status,
                updated_at=stamp,
            )
            self._wrote_one(
                self.conn.execute(
                    'UPDATE spans SET start = ?, "end" = ?, label = ?, attributes = ?, note = ?, status = ?, '
                    "updated_at = ? WHERE id = ?",
                    (after.start, after.end, after.label, stored, after.note, after.status, stamp, span_id),
                ),
                f"span {span_id} ({before.annotator}'s)",
            )
            self._log(
                "update span",
                before.document_id,
                span_id,
                span_state(before),
                span_state(after),
                annotator,
                "span",
            )
            self._touch_document(before.document_id, annotator)
        return after

    def delete_span(self, span_id: int, annotator: str) -> None:
        """Delete a span and, first, its links (each logged, so that undo restores them). A
        person's decision taken from a suggestion that is still there becomes their rejection
        of it instead: the suggestion's fate is kept, and it does not come back."""
        with self.transaction():
            before = self.span(span_id)
            for (link_id,) in self.conn.execute(
                "SELECT id FROM links WHERE head_id = ? OR tail_id = ?", (span_id, span_id)
            ).fetchall():
                self.delete_link(link_id, annotator)
            if before.suggestion_id is not None and before.status == "accepted":
                suggestion = self.conn.execute(
                    "SELECT 1 FROM spans WHERE id = ? AND status = 'suggested'", (before.suggestion_id,)
                ).fetchone()
                if suggestion is not None:
                    self.update_span(span_id, annotator, status="rejected")
                    return
            self._wrote_one(
                self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,)), f"span {span_id} ({before.annotator}'s)"
            )
            self._log("delete span", before.document_id, span_id, span_state(before), None, annotator, "span")
            self._touch_document(before.document_id, annotator)

    def insert_spans(self, rows: Iterable[SpanRow]) -> int:
        """Bulk insert, skipping spans already there (same document, annotator, offsets, label).

        Each row is a :class:`SpanRow` (or a tuple of the same fields in its order). Offsets must
        already be checked by the caller; the database refuses anything outside the text. Returns how many rows were added. Call inside a
        transaction.
        """
        stamp = now()
        if self.server:
            return self._copy_spans(rows, stamp)
        # rowcount counts this statement's rows only (total_changes would also count what the
        # full-text index writes to its own tables meanwhile)
        tail = ("", stamp, stamp)
        return self.conn.executemany(SPAN_ROW_INSERT, (row + tail for row in rows)).rowcount

    def _copy_spans(self, rows: Iterable[SpanRow], stamp: str) -> int:
        """:meth:`insert_spans` on a server: the rows COPYed into a temporary table, then one
        INSERT ... SELECT that skips those already there (one statement, not one per row:
        a round trip each would be most of an import's time, and each would notify)."""
        conn = self.conn
        fields = ", ".join('"end"' if name == "end" else name for name in SpanRow._fields)
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS span_rows (ord BIGINT GENERATED ALWAYS AS IDENTITY, "
            'document_id BIGINT, start INTEGER, "end" INTEGER, label TEXT, annotator_id BIGINT, origin TEXT, '
            "origin_detail TEXT, status TEXT, attributes TEXT)"
        )
        conn.execute("TRUNCATE span_rows")
        if not conn.copy_rows("span_rows", fields, rows):
            return 0
        return conn.execute(
            f"INSERT INTO spans ({fields}, note, created_at, updated_at) SELECT {fields}, '', ?, ? "
            "FROM span_rows ORDER BY ord ON CONFLICT DO NOTHING",
            (stamp, stamp),
        ).rowcount

    def insert_span_returning(self, row: tuple, note: str = "") -> tuple[int, int]:
        """Insert one span of an import (row as for :meth:`insert_spans`): ``(id, 1)``, or the
        id of the identical span already there and 0. Call inside a transaction."""
        stamp = now()
        inserted = self.conn.execute(SPAN_ROW_INSERT + " RETURNING id", (*row, note, stamp, stamp)).fetchone()
        if inserted is not None:
            return inserted[0], 1
        existing = self.conn.execute(
            'SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND start = ? AND "end" = ? AND label = ?',
            (row[0], row[4], row[1], row[2], row[3]),
        ).fetchone()
        return existing[0], 0

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
            f"AND s.document_id IN ({self.sql.ids}) AND a.kind IN {sql_list(DECIDERS)}",
            (*layers, json.dumps(list(document_ids))),
        )
        for document_id, start, end, label in rows:
            decided.setdefault((document_id, layers[label]), []).append((start, end, label))
        return decided

    def live_entities(self, document_id: int, annotator_id: int) -> list[tuple[int, int, str]]:
        """(start, end, label) of an annotator's entities in a document that are not rejected."""
        return self.conn.execute(
            'SELECT s.start, s."end", s.label FROM spans s JOIN labels l ON l.name = s.label '
            "WHERE s.document_id = ? AND s.annotator_id = ? AND s.status != 'rejected' AND l.layer = 'entities'",
            (document_id, annotator_id),
        ).fetchall()
