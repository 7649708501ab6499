"""Bringing articles in: ``.txt`` files and folders, JSONL (Prodigy and doccano shapes), CSV.

One file is one transaction: a file with any bad line is rejected whole and leaves the project
as it was, every bad line is reported (file, line, what is wrong), and the rest of the batch
goes on. The same text imported twice is one document (its sha256); spans that come with it are
added once, under the annotator given, as accepted decisions of origin ``import``.

Texts are kept exactly as decoded, line endings included (CRLF stays CRLF), so that offsets
given in a file mean the same characters after import.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain import (
    ANNOTATOR_KINDS,
    ENTITIES,
    EXCLUSIVE_LAYERS,
    ORIGINS,
    SPAN_STATUSES,
    check_no_overlap,
    check_offsets,
    clashes,
    text_sha256,
)
from annotator.errors import InputFileError, InvalidSpanError, StoreError
from annotator.formats import FORMATS, READABLE, by_extension
from annotator.formats.reading import SKIPPED, LineError, Record, compose, guess_language
from annotator.store import SpanRow, Store, dump_json

#: How many rejected lines a file reports one by one before summing up the rest.
MAX_REPORTED_PER_FILE = 50


@dataclass
class Rejection:
    """Why a file, or a line or row of it, was refused."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass
class FileResult:
    path: str
    format: str = ""
    documents_new: int = 0
    documents_existing: int = 0
    spans_added: int = 0
    skipped: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    rejected_count: int = 0
    #: What was imported with a change, said plainly (e.g. spans left out of a duplicate text).
    warnings: list[str] = field(default_factory=list)
    #: Texts brought to Unicode's composed form (NFC), their offsets moved along.
    composed: int = 0

    @property
    def ok(self) -> bool:
        return self.rejected_count == 0


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def rejected_files(self) -> list[FileResult]:
        return [f for f in self.files if not f.ok]

    @property
    def imported_files(self) -> list[FileResult]:
        return [f for f in self.files if f.ok]

    def total(self, attribute: str) -> int:
        return sum(getattr(f, attribute) for f in self.imported_files)

    def summary(self) -> str:
        parts = [
            f"{len(self.imported_files)} file(s) imported",
            f"{self.total('documents_new')} new document(s)",
            f"{self.total('documents_existing')} already present (same text)",
            f"{self.total('spans_added')} span(s) added",
        ]
        warnings = sum(len(f.warnings) for f in self.imported_files)
        if warnings:
            parts.append(f"{warnings} warning(s)")
        if self.total("skipped"):
            parts.append(f"{self.total('skipped')} example(s) skipped (answer reject/ignore)")
        if self.rejected_files:
            parts.append(f"{len(self.rejected_files)} file(s) rejected")
        return ", ".join(parts)


def expand_paths(paths: Iterable[str | Path], format: str = "auto") -> list[tuple[Path, str | None]]:
    """Files to read with their format (None: unknown). Folders give their files, sorted."""
    found: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir() and format in ("auto", "brat") and (format == "brat" or any(path.glob("*.ann"))):
            # a folder of .txt/.ann pairs is brat; annotation.conf and the .ann files are read with them
            found.extend((child, "brat") for child in sorted(path.glob("*.txt")))
            continue
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                guessed = by_extension(child)
                if format != "auto":
                    if guessed == format or (guessed is None and child.suffix == ""):
                        found.append((child, format))
                elif guessed is not None:
                    found.append((child, guessed))
        else:
            found.append((path, format if format != "auto" else by_extension(path)))
    return found


class _Rejected(Exception):
    pass


def import_paths(
    store: Store,
    paths: Iterable[str | Path],
    *,
    format: str = "auto",
    annotator: str | None = None,
    lang: str | None = None,
    add_labels: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    rename: dict[str, str] | None = None,
) -> ImportReport:
    """Import files and folders; see the module docstring for the rules. Never raises for bad
    input: every problem is in the report."""
    report = ImportReport()
    files = expand_paths(paths, format)
    for index, (path, file_format) in enumerate(files):
        if progress is not None:
            progress(index, len(files), str(path))
        result = FileResult(str(path), file_format or "")
        report.files.append(result)
        if file_format is None:
            _reject(
                result,
                None,
                f"unknown format (extension {path.suffix or 'none'}); use --format " + "|".join(READABLE),
            )
            continue
        if not path.exists():
            _reject(result, None, "no such file")
            continue
        try:
            _import_file(store, path, file_format, result, annotator, lang, add_labels, rename)
        except InputFileError as e:
            _reject(result, None, str(e).removeprefix(f"{path}: "))
        except OSError as e:
            _reject(result, None, f"cannot read ({e.strerror or e})")
        except sqlite3.Error as e:
            # the database refused a row the checks above let through: the file is rolled back
            _reject(result, None, f"cannot be stored ({e})")
            store.reload_schema()
        except _Rejected:
            # Labels that --add-labels added for this file were rolled back with it.
            store.reload_schema()
    if progress is not None:
        progress(len(files), len(files), "")
    return report


def _reject(result: FileResult, line: int | None, message: str) -> None:
    result.rejected_count += 1
    if len(result.rejections) < MAX_REPORTED_PER_FILE:
        result.rejections.append(Rejection(result.path, line, message))


def _import_file(
    store: Store,
    path: Path,
    file_format: str,
    result: FileResult,
    annotator: str | None,
    lang: str | None,
    add_labels: bool,
    rename: dict[str, str] | None = None,
) -> None:
    """``annotator`` None: spans go under the annotator the file records (full formats) or
    "import" (the others)."""
    name = annotator or "import"
    annotator_id = store.annotator_id(name, "import" if name == "import" else "human")
    schema = store.schema
    default_lang = lang or schema.default_language
    pending: list[SpanRow] = []
    with store.transaction():
        read = FORMATS[file_format]
        items = read.read(path, rename)
        for line, item in items:
            if item is SKIPPED:
                result.skipped += 1
                continue
            if isinstance(item, LineError):
                _reject(result, line, str(item))
                continue
            if compose(item):
                result.composed += 1
            try:
                if item.full_spans is not None:
                    read.prepare(item, store.schema)
                    full_rows = _full_rows(store, item, add_labels, annotator)
                else:
                    rows = _span_rows(store, item, add_labels)
                document_labels = _document_label_rows(store, item, annotator)
            except (LineError, InvalidSpanError) as e:
                _reject(result, line, str(e))
                continue
            if result.rejected_count:
                continue  # the file is lost anyway; every line is still checked, to report each bad one
            document_lang = item.lang or lang or guess_language(item.text, default_lang)
            document_id, created = store.add_document(
                item.text,
                item.title,
                external_id=item.external_id,
                lang=document_lang,
                source=item.source,
                url=item.url,
                published=item.published,
                meta=item.meta,
                sha256=text_sha256(item.text),
            )
            if created:
                result.documents_new += 1
                if item.tokens is not None:
                    store.set_tokens(document_id, *item.tokens, "import")
            else:
                result.documents_existing += 1
            for owner, label, value in document_labels:
                kind = item.annotator_kinds.get(owner, "human")
                store.annotator_id(owner, kind if kind in ANNOTATOR_KINDS else "human")
                store.write_document_label(document_id, owner, label, value)
            if item.full_spans is not None:
                if not created:
                    full_rows = _full_for_duplicate(store, document_id, item, full_rows, result, line)
                result.spans_added += _store_full(store, document_id, created, item, full_rows)
                continue
            row_annotator = annotator_id
            if not created:
                result.spans_added += store.insert_spans(pending)  # earlier lines may hold this text
                pending.clear()
                kind = "import" if name == "import" else "human"
                entities = [(s, e, label, "accepted") for s, e, label, _a in rows]
                chosen = _set_for_duplicate(store, document_id, name, entities, result, line)
                row_annotator = store.annotator_id(chosen, kind)
            pending.extend(
                SpanRow(document_id, s, e, label, row_annotator, "import", "", "accepted", a)
                for s, e, label, a in rows
            )
            if len(pending) >= 20_000:
                result.spans_added += store.insert_spans(pending)
                pending.clear()
        if result.rejected_count:
            raise _Rejected()  # rolls the whole file back
        result.spans_added += store.insert_spans(pending)
        if result.composed:
            result.warnings.append(
                f"{result.composed} text(s) brought to Unicode's composed form (NFC, e.g. e + ◌́ as é); "
                "their spans moved with them"
            )
        store.log(
            "import",
            name,
            {
                "file": str(path),
                "format": file_format,
                "documents_new": result.documents_new,
                "documents_existing": result.documents_existing,
                "spans_added": result.spans_added,
            },
        )


def _checked_label(store: Store, start: Any, end: Any, label: Any, length: int, add_labels: bool) -> str:
    """The schema label a file's span gets, after the offset and label rules (the one place
    both importer paths check them); ``add_labels`` adds an unknown label to the entity layer."""
    if not isinstance(label, str) or not label.strip():
        raise LineError(f"span {start}-{end}: label must be a non-empty string, got {json.dumps(label)}")
    try:
        check_offsets(start, end, length)
    except InvalidSpanError as e:
        raise LineError(f"span {start}-{end} {label}: {e}") from e
    mapped = store.schema.map_model_label(label)
    if mapped is None:
        if not add_labels:
            raise LineError(
                f"span {start}-{end}: unknown label {label!r} (known: {', '.join(store.schema.labels)}; "
                "--add-labels adds it)"
            )
        store.add_label(label, ENTITIES)
        mapped = label
    return mapped


def _span_rows(store: Store, record: Record, add_labels: bool) -> list[tuple[int, int, str, str]]:
    """Check a record's spans and map their labels: [(start, end, label, attributes_json)]."""
    schema = store.schema
    length = len(record.text)
    rows = []
    by_layer: dict[str, list[tuple[int, int]]] = {}
    seen = set()
    for start, end, label, attributes in record.spans:
        mapped = _checked_label(store, start, end, label, length, add_labels)
        schema = store.schema
        if (start, end, mapped) in seen:
            continue
        seen.add((start, end, mapped))
        by_layer.setdefault(schema.layer_of(mapped), []).append((start, end))
        rows.append((start, end, mapped, dump_json(attributes)))
    for layer, ranges in by_layer.items():
        check_no_overlap(ranges, layer)
    return rows


def _document_label_rows(store: Store, record: Record, annotator: str | None) -> list[tuple[str, str, Any]]:
    """A record's document labels as (annotator, label, value), checked against the schema
    (an unknown label or value refuses the line, as a span's would)."""
    rows = []
    for owner, labels in record.document_labels.items():
        for name, value in labels.items():
            try:
                checked = store.checked_document_label(name, value)
            except StoreError as e:
                raise LineError(f"document label: {e}") from e
            if checked is not None:
                rows.append((annotator or owner, name, checked))
    return rows


def _full_rows(
    store: Store, record: Record, add_labels: bool, annotator: str | None
) -> list[tuple[dict[str, Any], str, str]]:
    """Check a full record's spans: [(span, label as stored, annotator name)]. The same rules
    as :func:`_span_rows`, with overlap checked per annotator."""
    schema = store.schema
    length = len(record.text)
    rows = []
    by_key: dict[tuple[str, str], list[tuple[int, int]]] = {}
    ids = set()
    for span in record.full_spans or []:
        start, end, label = span["start"], span["end"], span["label"]
        mapped = _checked_label(store, start, end, label, length, add_labels)
        schema = store.schema
        status = span.get("status") or "accepted"
        origin = span.get("origin") or "import"
        if status not in SPAN_STATUSES:
            raise LineError(f"span {start}-{end}: status {status!r} is not one of {', '.join(SPAN_STATUSES)}")
        if origin not in ORIGINS:
            raise LineError(f"span {start}-{end}: origin {origin!r} is not one of {', '.join(ORIGINS)}")
        name = annotator or span.get("annotator") or "import"
        if not isinstance(name, str):
            raise LineError(f"span {start}-{end}: annotator must be a string")
        span = {**span, "status": status, "origin": origin}
        if status != "rejected":
            by_key.setdefault((name, schema.layer_of(mapped)), []).append((start, end))
        ids.add(span["id"])
        rows.append((span, mapped, name))
    for (_name, layer), ranges in by_key.items():
        check_no_overlap(ranges, layer)
    for link in record.links:
        if link["head"] not in ids or link["tail"] not in ids:
            raise LineError(
                f"link {link['label']!r} joins spans {link['head']} and {link['tail']}, not in the document"
            )
        if link["label"] not in schema.link_labels:
            raise LineError(f"unknown link label {link['label']!r} (known: {', '.join(schema.link_labels)})")
    return rows


def _store_full(
    store: Store, document_id: int, created: bool, record: Record, rows: list[tuple[dict[str, Any], str, str]]
) -> int:
    """Insert a full record's spans and links; a new document also takes its status, note and
    tags (an existing one keeps its own). Returns how many spans were added."""
    kinds = record.annotator_kinds
    new_ids: dict[Any, int] = {}
    added = 0
    for span, label, name in rows:
        kind = kinds.get(name) or (
            "model"
            if span["origin"] in ("model", "rule") and span["status"] == "suggested"
            else "import"
            if name == "import"
            else "human"
        )
        annotator_id = store.annotator_id(name, kind if kind in ANNOTATOR_KINDS else "human")
        span_id = store.insert_span_returning(
            SpanRow(
                document_id=document_id,
                start=span["start"],
                end=span["end"],
                label=label,
                annotator_id=annotator_id,
                origin=span["origin"],
                origin_detail="",
                status=span["status"],
                attributes=dump_json(span.get("attributes") or {}),
            ),
            span.get("note") or "",
        )
        added += span_id[1]
        new_ids[span["id"]] = span_id[0]
    for link in record.links:
        name = link.get("annotator") or next(
            (n for s, _label, n in rows if s["id"] == link["head"]), "import"
        )
        store.insert_link(
            new_ids[link["head"]], new_ids[link["tail"]], link["label"], store.annotator_id(name)
        )
    if created and (record.status or record.note or record.tags):
        store.restore_document_fields(document_id, record.status or "new", record.note, record.tags)
    return added


def _set_for_duplicate(
    store: Store,
    document_id: int,
    name: str,
    spans: list[tuple[int, int, str, str]],
    result: FileResult,
    line: int | None,
) -> str:
    """The annotator set that a text seen before (a duplicate in a corpus) takes its spans
    ``(start, end, label, status)`` into, so that nothing the file says is lost: a set of
    ``name``'s that already holds them all (importing again adds nothing), else ``name`` when
    they do not clash with its spans there, else a new "NAME (duplicate K)", said in the report."""
    live = [
        (start, end, label)
        for start, end, label, status in spans
        if status != "rejected" and store.schema.labels[label].layer in EXCLUSIVE_LAYERS
    ]
    existing_sets: dict[str, list[tuple[int, int, str]]] = {}
    number = 1
    while True:
        candidate = name if number == 1 else f"{name} (duplicate {number})"
        if store.annotator_kind(candidate) is None:
            break
        existing_sets[candidate] = store.live_entities(document_id, store.annotator_id(candidate))
        if set(live) <= set(existing_sets[candidate]):
            return candidate
        number += 1
    mine = existing_sets.get(name, [])
    clashing = [
        (start, end, label)
        for start, end, label in live
        if clashes(
            (start, end), [(s, e) for s, e, other in mine if (s, e, other) != (start, end, label)], ENTITIES
        )
    ]
    if not clashing:
        return name
    new = f"{name} (duplicate {max(number, 2)})"
    where = f"line {line}" if line is not None else "a document"
    result.warnings.append(
        f"{where}: the same text as document {document_id}, annotated differently "
        f"({len(clashing)} span(s) overlap {name}'s there: "
        + ", ".join(f"{s}-{e} {label}" for s, e, label in clashing[:5])
        + (" ..." if len(clashing) > 5 else "")
        + f"); this annotation is kept whole as annotator \u201c{new}\u201d"
    )
    return new


def _full_for_duplicate(
    store: Store,
    document_id: int,
    record: Record,
    rows: list[tuple[dict[str, Any], str, str]],
    result: FileResult,
    line: int | None,
) -> list[tuple[dict[str, Any], str, str]]:
    """:func:`_set_for_duplicate` for a full record, annotator by annotator: an annotator whose
    spans clash with what that annotator has on this text goes whole into a duplicate set
    (links come along, since they join the record's own span ids)."""
    names = dict.fromkeys(name for _span, _label, name in rows)
    chosen: dict[str, str] = {}
    for name in names:
        spans = [(s["start"], s["end"], label, s["status"]) for s, label, n in rows if n == name]
        chosen[name] = _set_for_duplicate(store, document_id, name, spans, result, line)
        if chosen[name] != name and name in record.annotator_kinds:
            record.annotator_kinds[chosen[name]] = record.annotator_kinds[name]
    renamed = {old: new for old, new in chosen.items() if old != new}
    for link in record.links:
        if link.get("annotator") in renamed:
            link["annotator"] = renamed[link["annotator"]]
    return [(span, label, chosen[name]) for span, label, name in rows]
