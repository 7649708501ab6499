"""Rows and the SQL that reads them: the one column list of a span and of a document, the
row shapes (SpanRow, Span, Document), what the history keeps of a span or a link, the JSON and
time stamps of every column, token offsets as a blob, and the escaping of search text."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple

from annotator.domain import PEOPLE, Document, Link, Span, query_terms

_ENCODER = json.JSONEncoder(ensure_ascii=False)


def dump_json(value: Any) -> str:
    """The one JSON encoding of every JSON column (attributes, meta, history): UTF-8 as is
    (one encoder, made once: the same text as ``json.dumps(value, ensure_ascii=False)``)."""
    return _ENCODER.encode(value) if value else "{}" if isinstance(value, dict) else json.dumps(value)


def now() -> str:
    """A UTC timestamp with milliseconds, as stored in every ``*_at`` column."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def span_columns(spans: str = "spans", labels: str = "labels", annotators: str = "annotators") -> str:
    """The one list of a span's columns, in the order :func:`span_from_row` reads them, from
    ``spans`` joined to ``labels`` and ``annotators`` (named by these aliases)."""
    s, l, a = spans, labels, annotators  # noqa: E741
    return (
        f'{s}.id, {s}.document_id, {s}.start, {s}."end", {s}.label, {l}.layer, {a}.name, {s}.origin, '
        f"{s}.status, {s}.attributes, {s}.note, {s}.origin_detail, {s}.suggestion_id, {s}.created_at, "
        f"{s}.updated_at"
    )


#: Every span with its layer and annotator's name: add a WHERE and an ORDER BY.
SPAN_SELECT = (
    f"SELECT {span_columns()} FROM spans JOIN labels ON labels.name = spans.label "
    "JOIN annotators ON annotators.id = spans.annotator_id"
)


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


#: The one statement that inserts a :class:`SpanRow` (then its note and two time stamps),
#: skipping a span already there (same document, annotator, offsets and label).
SPAN_ROW_INSERT = (
    "INSERT INTO spans ("
    + ", ".join('"end"' if name == "end" else name for name in SpanRow._fields)
    + ", note, created_at, updated_at) VALUES ("
    + ", ".join("?" * (len(SpanRow._fields) + 3))
    + ") ON CONFLICT DO NOTHING"
)


def span_from_row(row: Sequence[Any]) -> Span:
    """A span from a row of :func:`span_columns`."""
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


def span_state(span: Span) -> dict[str, Any]:
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


def span_from_state(state: dict[str, Any], layer: str) -> Span:
    """A span as the history recorded it (:func:`span_state`), in ``layer``: what an action
    left, without reading it back."""
    return Span(layer=layer, **state)


def link_state(link: Link, document_id: int) -> dict[str, Any]:
    """What the history keeps of a link."""
    return {
        "id": link.id,
        "document_id": document_id,
        "head_id": link.head_id,
        "tail_id": link.tail_id,
        "label": link.label,
        "annotator": link.annotator,
    }


#: A document's columns, in the order :func:`document_from_row` reads them.
DOCUMENT_COLUMNS = (
    "id, title, text, sha256, lang, source, url, published, external_id, meta, status, note, "
    "created_at, updated_at, tags"
)


def document_from_row(row: Sequence[Any]) -> Document:
    """A document from a row of :data:`DOCUMENT_COLUMNS`."""
    return Document(*row[:9], json.loads(row[9]), *row[10:14], tags=json.loads(row[14]))


def sql_list(values: Sequence[str]) -> str:
    """A constant tuple of names as an SQL list, ``('human', 'gold')`` (for kinds and statuses
    from :mod:`annotator.domain`, never for input)."""
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in values) + ")"


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


def fts_query(text: str) -> str:
    """Words typed by a person as an FTS5 query: every word must occur (any order); "quoted
    text" is a phrase. Nothing of it can be FTS5 syntax, so no input is a syntax error."""
    return " ".join(f'"{term}"' for term in query_terms(text))


def like_prefix(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') for values beginning with ``text``, taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def undecided(suggestion: str, deciders: str) -> str:
    """The one rule of who has settled a suggestion, as SQL: true when the suggestion
    ``suggestion`` (an alias of spans) is still undecided for every annotator whose id the
    subquery ``deciders`` gives. A suggestion is shared; its fate is each person's own: a
    person settles it by a row of theirs that names it (an accepted decision, possibly
    relabelled or resized, or a rejection) or that stands on the same characters with the same
    label. A suggestion settled for the whole project (status accepted or rejected: projects
    written before fates were each person's) is undecided for nobody."""
    s = suggestion
    return (
        f"{s}.status = 'suggested' "
        f"AND NOT EXISTS (SELECT 1 FROM spans fate WHERE fate.suggestion_id = {s}.id "
        f"AND fate.annotator_id IN ({deciders})) "
        f"AND NOT EXISTS (SELECT 1 FROM spans same WHERE same.document_id = {s}.document_id "
        f"AND same.annotator_id IN ({deciders}) AND same.start = {s}.start "
        f'AND same."end" = {s}."end" AND same.label = {s}.label)'
    )


#: ``deciders`` for :func:`undecided`: the person named by the parameter.
PERSON = "SELECT id FROM annotators WHERE name = ?"
#: ``deciders`` for :func:`undecided`: any person (undecided by everybody).
ANY_PERSON = f"SELECT id FROM annotators WHERE kind IN {sql_list(PEOPLE)}"


#: A span with, last, whether it is a suggestion undecided for a person (the person's name
#: twice, first among the parameters).
SPAN_SELECT_UNDECIDED = SPAN_SELECT.replace(" FROM spans ", f", ({undecided('spans', PERSON)}) FROM spans ", 1)
