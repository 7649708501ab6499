"""JSONL (``.jsonl``, ``.ndjson``): one document a line. Read: Prodigy's and doccano's shapes
(``spans``, ``label``, ``entities``); written: Prodigy's shape, this tool's own fields under
``_annotator_tool``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotator.domain import ENTITIES, Selection, simple_tokens, tokens_covering
from annotator.formats.portable import portable_document, portable_id, record_from_portable
from annotator.formats.reading import (
    EXTRAS_KEY,
    SKIPPED,
    LineError,
    ReadResult,
    Record,
    Skip,
    check_text,
    iter_lines,
    offset,
    overlong_line,
    string_field,
    title_from_text,
    tokens_of,
)
from annotator.formats.writing import ExportReport, Progress, walk
from annotator.store import Store


def spans_of(record: dict[str, Any]) -> list[tuple[int, int, str, dict[str, Any]]]:
    """Spans in any of the accepted shapes: Prodigy ``spans``, doccano ``label`` / ``entities``."""
    spans = []
    if "spans" in record:
        items = record["spans"]
        if not isinstance(items, list):
            raise LineError("'spans' must be a list of {start, end, label}")
        for item in items:
            if not isinstance(item, dict) or not {"start", "end", "label"} <= item.keys():
                raise LineError(f"each of 'spans' needs start, end and label, got {json.dumps(item)[:80]}")
            attributes = item.get("attributes", {})
            if not isinstance(attributes, dict):
                raise LineError("span 'attributes' must be an object")
            spans.append(
                (offset(item["start"], "start"), offset(item["end"], "end"), item["label"], attributes)
            )
    if "label" in record and isinstance(record["label"], list):
        for item in record["label"]:
            if not isinstance(item, list) or len(item) != 3:
                raise LineError(
                    f"each of 'label' must be [start, end, \"LABEL\"], got {json.dumps(item)[:80]}"
                )
            spans.append((offset(item[0], "start"), offset(item[1], "end"), item[2], {}))
    if "entities" in record:
        items = record["entities"]
        if not isinstance(items, list):
            raise LineError("'entities' must be a list of {start_offset, end_offset, label}")
        for item in items:
            if not isinstance(item, dict) or not {"start_offset", "end_offset", "label"} <= item.keys():
                raise LineError(
                    f"each of 'entities' needs start_offset, end_offset and label, got {json.dumps(item)[:80]}"
                )
            spans.append(
                (
                    offset(item["start_offset"], "start"),
                    offset(item["end_offset"], "end"),
                    item["label"],
                    {},
                )
            )
    return spans


def record_from_json(record: Any) -> Record:
    if not isinstance(record, dict):
        raise LineError(f"expected a JSON object, got {type(record).__name__}")
    if record.get("answer") in ("reject", "ignore"):
        raise Skip()
    if isinstance(record.get(EXTRAS_KEY), dict):
        portable = record_from_portable({**record[EXTRAS_KEY], "text": record.get("text")})
        portable.tokens = tokens_of(record.get("tokens"), len(portable.text))
        return portable
    if "text" not in record:
        raise LineError("missing 'text'")
    text = check_text(record["text"])
    meta = record.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise LineError(f"'meta' must be an object, got {type(meta).__name__}")
    title = string_field(record, "title") or str(meta.get("title", "") or "") or title_from_text(text)
    return Record(
        text=text,
        title=title,
        external_id=string_field(record, "id"),
        lang=string_field(record, "lang") or str(meta.get("lang", "") or ""),
        url=string_field(record, "url") or str(meta.get("url", "") or ""),
        published=string_field(record, "date") or str(meta.get("date", "") or ""),
        source=str(meta.get("source", "") or ""),
        meta=meta,
        spans=spans_of(record),
    )


def read(path: Path, rename: dict[str, str] | None = None) -> ReadResult:
    """JSONL, one document a line; ``rename`` maps a file's own keys onto the accepted ones
    (doccano's "column_data" -> "text", "column_label" -> "label")."""
    for number, line in iter_lines(path):
        if line is None:
            yield number, overlong_line()
            continue
        if not line.strip():
            continue
        try:
            # decoded here, not by json.loads, which guesses UTF-16 or -32 from a line's first
            # bytes: the byte and column named are those of the file
            data = json.loads(line.rstrip(b"\r\n").decode("utf-8"))
        except UnicodeDecodeError as e:
            yield number, LineError(f"not UTF-8 (byte 0x{line[e.start]:02x} at column {e.start + 1})")
            continue
        except json.JSONDecodeError as e:
            yield number, LineError(f"not valid JSON at column {e.colno}: {e.msg}")
            continue
        except RecursionError:
            yield number, LineError("JSON nested too deeply")
            continue
        try:
            if rename and isinstance(data, dict):
                data = {rename.get(key, key): value for key, value in data.items()}
            yield number, record_from_json(data)
        except LineError as e:
            yield number, e
        except Skip:
            yield number, SKIPPED


def prodigy_tokens(text: str, starts: list[int], ends: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "text": text[start:end],
            "start": start,
            "end": end,
            "id": index,
            "ws": end < len(text) and text[end].isspace(),
        }
        for index, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


class JsonlExporter:
    """Prodigy's shape, one document a line: text, meta, tokens, the entity spans (with token
    indices, end inclusive as Prodigy has it) and answer; everything else of this tool under
    ``_annotator_tool`` (all spans with their layer, annotator, status, attributes; links)."""

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
            for document, spans, links, tokens in walk(store, selection, report, progress):
                starts, ends = tokens or simple_tokens(document.text)
                entity_spans = []
                for span in spans:
                    if span.layer != ENTITIES:
                        continue
                    entry = {"start": span.start, "end": span.end, "label": span.label}
                    covered = tokens_covering(span.start, span.end, starts, ends)
                    if covered:
                        entry |= {"token_start": covered[0], "token_end": covered[-1]}
                    entity_spans.append(entry)
                extras = portable_document(document, spans, links, kinds)
                del extras["text"]
                record = {
                    "text": document.text,
                    "meta": {"title": document.title, "id": portable_id(document), **document.meta},
                    "tokens": prodigy_tokens(document.text, starts, ends),
                    "spans": entity_spans,
                    "answer": "accept",
                    EXTRAS_KEY: extras,
                }
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                report.spans += len(spans)
        report.paths.append(out)


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return JsonlExporter()
