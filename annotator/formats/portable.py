"""JSON (``.json``): this tool's portable project file, the schema and every document with its
spans and links; read back as it was written (byte-identical round trips). The shape of one
document is also what JSONL and the DocBin carry under this tool's own key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.domain import Document, Link, Selection, Span
from annotator.formats.reading import (
    LineError,
    ReadResult,
    Record,
    check_text,
    decode,
    dict_list,
    offset,
    read_bytes,
    string_field,
    title_from_text,
)
from annotator.formats.writing import ExportReport, Progress, walk
from annotator.schema import schema_to_dict
from annotator.store import Store


def portable_id(document: Document) -> str:
    """The document's id in files meant to be read back: its own id from the source it came
    from, else its number here. Stable across export -> import -> export."""
    return document.external_id or str(document.id)


def portable_document(
    document: Document, spans: list[Span], links: list[Link], kinds: dict[str, str] | None = None
) -> dict[str, Any]:
    """A document as JSON and JSONL carry it. Span ids are local to the document (1, 2, ...) and
    links refer to them, so that the same content always gives the same bytes. ``kinds``:
    annotator name -> kind (human, model, gold...), for the annotators of these spans."""
    local = {span.id: number for number, span in enumerate(spans, 1)}
    names = sorted({span.annotator for span in spans} | {link.annotator for link in links} | set(document.labels))
    entry = {
        "id": portable_id(document),
        "title": document.title,
        "text": document.text,
        "sha256": document.sha256,
        "lang": document.lang,
        "source": document.source,
        "url": document.url,
        "published": document.published,
        "meta": document.meta,
        "status": document.status,
        "tags": document.tags,
        "note": document.note,
        "spans": [
            {
                "id": local[span.id],
                "start": span.start,
                "end": span.end,
                "label": span.label,
                "layer": span.layer,
                "annotator": span.annotator,
                "origin": span.origin,
                "status": span.status,
                "attributes": span.attributes,
                "note": span.note,
            }
            for span in spans
        ],
        "links": [
            {
                "head": local[link.head_id],
                "tail": local[link.tail_id],
                "label": link.label,
                "annotator": link.annotator,
            }
            for link in links
        ],
        "annotators": {name: (kinds or {}).get(name, "human") for name in names},
    }
    if document.labels:  # only when there are: earlier exports keep their bytes
        entry["document_labels"] = document.labels
    return entry


def record_from_portable(data: Any) -> Record:
    """A document as this tool's JSON and JSONL carry it (see portable_document)."""
    if not isinstance(data, dict):
        raise LineError(f"expected a JSON object, got {type(data).__name__}")
    if "text" not in data or data["text"] is None:
        raise LineError("missing 'text'")
    text = check_text(data["text"])
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise LineError(f"'meta' must be an object, got {type(meta).__name__}")
    spans = []
    for number, item in enumerate(dict_list(data.get("spans"), "spans"), 1):
        if not {"start", "end", "label"} <= item.keys():
            raise LineError(f"span {number} needs start, end and label")
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise LineError(f"span {number}: 'attributes' must be an object")
        spans.append(
            {
                "id": item.get("id", number),
                "start": offset(item["start"], "start"),
                "end": offset(item["end"], "end"),
                "label": item["label"],
                "annotator": item.get("annotator"),
                "origin": item.get("origin"),
                "status": item.get("status"),
                "attributes": attributes,
                "note": str(item.get("note") or ""),
            }
        )
    links = []
    for item in dict_list(data.get("links"), "links"):
        if not {"head", "tail", "label"} <= item.keys():
            raise LineError("each link needs head, tail and label")
        links.append(item)
    tags = list(data.get("tags") or [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise LineError("'tags' must be a list of strings")
    kinds = data.get("annotators") or {}
    labels = data.get("document_labels") or {}
    if not isinstance(labels, dict) or not all(isinstance(v, dict) for v in labels.values()):
        raise LineError("'document_labels' must be an object: annotator -> {label: value}")
    return Record(
        document_labels=labels,
        text=text,
        title=string_field(data, "title") or title_from_text(text),
        external_id=string_field(data, "id"),
        lang=string_field(data, "lang"),
        url=string_field(data, "url"),
        published=string_field(data, "published"),
        source=string_field(data, "source"),
        meta=meta,
        full_spans=spans,
        links=links,
        status=string_field(data, "status"),
        note=string_field(data, "note"),
        tags=tags,
        annotator_kinds=kinds if isinstance(kinds, dict) else {},
    )


def read(path: Path) -> ReadResult:
    """This tool's JSON export: {"schema": ..., "documents": [...]}, or a list of documents."""
    try:
        data = json.loads(decode(read_bytes(path), str(path)))
    except json.JSONDecodeError as e:
        yield e.lineno, LineError(f"not valid JSON at column {e.colno}: {e.msg}")
        return
    documents = data.get("documents") if isinstance(data, dict) else data
    if not isinstance(documents, list):
        yield None, LineError('expected {"documents": [...]} or a list of documents')
        return
    for number, document in enumerate(documents, 1):
        try:
            yield None, record_from_portable(document)
        except LineError as e:
            yield None, LineError(f"document {number}: {e}")


def indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


class JsonExporter:
    """One file: the schema and every document with its spans and links, indented, UTF-8."""

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        kinds = {a["name"]: a["kind"] for a in store.annotators()}
        with open(out, "w", encoding="utf-8") as f:
            f.write('{\n  "schema": ')
            f.write(indent(json.dumps(schema_to_dict(store.schema), indent=2, ensure_ascii=False), 2))
            f.write(',\n  "documents": [')
            for document, spans, links, _tokens in walk(store, selection, report, progress):
                entry = portable_document(document, spans, links, kinds)
                f.write(
                    ("," if report.documents else "")
                    + "\n    "
                    + indent(json.dumps(entry, indent=2, ensure_ascii=False), 4)
                )
                report.spans += len(spans)
            f.write("\n  ]\n}\n")
        report.paths.append(out)


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return JsonExporter()
