"""What an export reads: the spans and documents a Selection picks, streamed in document and offset
order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from annotator.domain import PEOPLE, Document, Selection, Span
from annotator.store.rows import (
    ANY_PERSON,
    DOCUMENT_COLUMNS,
    document_from_row,
    like_prefix,
    span_columns,
    span_from_row,
    sql_list,
    undecided,
    unpack_offsets,
)


class Selections:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def _span_selection(self, selection: Selection) -> tuple[str, list[Any]]:
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
            people = f"a.kind IN {sql_list(PEOPLE)} AND s.status IN ({marks})"
            params += statuses
        if selection.include_suggestions:
            # the suggestions still undecided for the selection's people
            if selection.annotators:
                deciders = f"SELECT id FROM annotators WHERE name IN ({names})"
                params += [*selection.annotators] * 2
            else:
                deciders = "SELECT id FROM annotators WHERE kind = 'gold'" if selection.gold else ANY_PERSON
            clauses.append(f"(({people}) OR ({undecided('s', deciders)}))")
        else:
            clauses.append(f"({people})")
        for column, values in (("s.label", selection.labels), ("l.layer", selection.layers)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        for name, value in selection.attributes:
            clauses.append(self.sql.json_path_equals("s.attributes"))
            params += ["$." + json.dumps(name), value]
        document_where, document_params = self._document_selection(selection)
        if document_where:
            clauses.append(document_where)
            params += document_params
        return " AND ".join(clauses), params

    def _document_selection(self, selection: Selection) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if selection.document_statuses:
            marks = ",".join("?" * len(selection.document_statuses))
            clauses.append(f"d.status IN ({marks})")
            params += list(selection.document_statuses)
        if selection.published:
            clauses.append("d.published LIKE ? ESCAPE '\\'")
            params.append(like_prefix(selection.published))
        if selection.document_ids:
            clauses.append(f"d.id IN ({self.sql.ids})")
            params.append(json.dumps(list(selection.document_ids)))
        return " AND ".join(clauses), params

    def selected_spans(self, selection: Selection) -> Iterator[Span]:
        """The selected spans, streamed in document and offset order."""
        where, params = self._span_selection(selection)
        rows = self.stream(
            f"SELECT {span_columns('s', 'l', 'a')} FROM spans s JOIN labels l ON l.name = s.label JOIN annotators a ON a.id = s.annotator_id "
            f'JOIN documents d ON d.id = s.document_id WHERE {where} ORDER BY s.document_id, s.start, s."end", s.id',
            params,
        )
        return (span_from_row(row) for row in rows)

    def selected_span_rows(self, selection: Selection) -> Iterator[tuple]:
        """The selected spans as plain rows for tables, streamed in document and offset order:
        (id, document_id, annotator, layer, label, start, end, attributes JSON as stored, origin,
        status, note, created_at, updated_at, suggestion_id). Nothing parsed: a table export
        of 500,000 spans does not build 500,000 Span objects."""
        where, params = self._span_selection(selection)
        return self.stream(
            'SELECT s.id, s.document_id, a.name, l.layer, s.label, s.start, s."end", s.attributes, s.origin, '
            "s.status, s.note, s.created_at, s.updated_at, s.suggestion_id "
            "FROM spans s JOIN labels l ON l.name = s.label JOIN annotators a ON a.id = s.annotator_id "
            f'JOIN documents d ON d.id = s.document_id WHERE {where} ORDER BY s.document_id, s.start, s."end", s.id',
            params,
        )

    def selected_document_texts(self, selection: Selection) -> Iterator[tuple[int, str, str, str]]:
        """(id, title, sha256, text) of the selected documents, streamed in id order."""
        where, params = self._document_selection(selection)
        return self.stream(
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
        rows = self.stream(
            f"SELECT {', '.join('d.' + c.strip() for c in DOCUMENT_COLUMNS.split(','))}, t.offsets "
            f"FROM documents d LEFT JOIN tokens t ON t.document_id = d.id"
            + (f" WHERE {where}" if where else "")
            + " ORDER BY d.id",
            params,
        )
        for row in rows:
            yield (
                document_from_row(row[:15]),
                (unpack_offsets(row[15]) if row[15] is not None else None),
            )

    def count_selected_documents(self, selection: Selection) -> int:
        where, params = self._document_selection(selection)
        return self.conn.execute(
            "SELECT count(*) FROM documents d" + (f" WHERE {where}" if where else ""), params
        ).fetchone()[0]

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
