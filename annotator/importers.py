"""Bringing articles in: ``.txt`` files and folders, JSONL (Prodigy and doccano shapes), CSV.

One file is one transaction: a file with any bad line is rejected whole and leaves the project
as it was, every bad line is reported (file, line, what is wrong), and the rest of the batch
goes on. The same text imported twice is one document (its sha256); spans that come with it are
added once, under the annotator given, as accepted decisions of origin ``import``.

Texts are kept exactly as decoded, line endings included (CRLF stays CRLF), so that offsets
given in a file mean the same characters after import.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain import (
    ANNOTATOR_KINDS,
    ENTITIES,
    EXCLUSIVE_LAYERS,
    MAX_TEXT_CHARS,
    ORIGINS,
    SPAN_STATUSES,
    check_no_overlap,
    check_offsets,
    clashes,
    text_sha256,
)
from annotator.errors import InputFileError, InvalidSpanError
from annotator.store import SpanRow, Store, dump_json

FORMATS = ("txt", "jsonl", "csv", "json", "brat", "conll", "spacy")
EXTENSIONS = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".json": "json",
    ".conll": "conll",
    ".conll2002": "conll",
    ".iob": "conll",
    ".bio": "conll",
    ".spacy": "spacy",
}


def dialog_filter() -> str:
    """The file dialog's name filter, from :data:`EXTENSIONS` (brat is imported as a folder)."""
    patterns = " ".join(f"*{extension}" for extension in EXTENSIONS)
    return f"Articles and annotations ({patterns});;All files (*)"


#: Longest JSONL line read, in bytes; a longer one is refused without being held in memory.
MAX_LINE_BYTES = 64 * 1024 * 1024
#: Largest .txt or .csv file read whole, in bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024
#: How many rejected lines a file reports one by one before summing up the rest.
MAX_REPORTED_PER_FILE = 50

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


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


@dataclass
class Record:
    """A document read from a file, before it is stored."""

    text: str
    title: str = ""
    external_id: str = ""
    lang: str = ""
    url: str = ""
    published: str = ""
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: (start, end, label, attributes) in characters of ``text``, labels as the file wrote them.
    spans: list[tuple[int, int, str, dict[str, Any]]] = field(default_factory=list)
    #: Files that carry everything (this tool's JSON and JSONL, brat, DocBin): each span as a
    #: dict (id local to the document, start, end, label, and maybe annotator, origin,
    #: status, attributes, note), and links between those local ids.
    full_spans: list[dict[str, Any]] | None = None
    links: list[dict[str, Any]] = field(default_factory=list)
    status: str = ""
    note: str = ""
    tags: list[str] = field(default_factory=list)
    annotator_kinds: dict[str, str] = field(default_factory=dict)
    #: Token boundaries the file gives (Prodigy's "tokens"), kept for snapping and re-export.
    tokens: tuple[list[int], list[int]] | None = None


class LineError(Exception):
    """A line or row of a file is wrong; the importer reports it with the line number."""


# -- decoding -------------------------------------------------------------------------------


def decode(data: bytes, path: str) -> str:
    """Bytes of a text file as str: UTF-8 with or without BOM, or UTF-16 with BOM.

    Raises InputFileError naming the file and the first bad byte otherwise.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as e:
                raise InputFileError(
                    f"{path}: not valid {encoding.upper()} after its byte-order mark "
                    f"(bad bytes at offset {e.start + len(bom)})"
                ) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFileError(
            f"{path}: not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8, or UTF-16 with a byte-order mark"
        ) from e


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    size = path.stat().st_size
    if size > limit:
        raise InputFileError(f"{path}: {size / 1e6:.0f} MB is larger than the {limit / 1e6:.0f} MB accepted")
    return path.read_bytes()


def check_text(text: Any) -> str:
    """The rules every document text keeps: a string, no NUL, not too long, encodable."""
    if not isinstance(text, str):
        raise LineError(f"'text' must be a string, got {type(text).__name__}")
    if len(text) > MAX_TEXT_CHARS:
        raise LineError(f"text of {len(text):,} characters is longer than the {MAX_TEXT_CHARS:,} accepted")
    if "\x00" in text:
        raise LineError(f"text contains a NUL character at offset {text.index(chr(0))} (a binary file?)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise LineError(f"text contains an unpaired surrogate at offset {e.start}") from e
    return text


def title_from_text(text: str, limit: int = 200) -> str:
    """The first non-empty line, trimmed to ``limit`` characters."""
    for line in text.splitlines():
        if line.strip():
            title = line.strip()
            return title if len(title) <= limit else title[: limit - 1] + "…"
    return ""


_STOPWORDS = {
    "es": (
        "el",
        "la",
        "los",
        "las",
        "de",
        "del",
        "que",
        "y",
        "en",
        "un",
        "una",
        "por",
        "con",
        "para",
        "según",
        "dijo",
    ),
    "en": ("the", "of", "and", "to", "in", "a", "that", "is", "was", "for", "on", "with", "said", "by"),
}
_LANGUAGE_OF_WORD = {word: lang for lang, words in _STOPWORDS.items() for word in words}
_WORD = re.compile(r"\w+")


def guess_language(text: str, default: str) -> str:
    """A documented guess between Spanish and English by common words in the first 2,000
    characters: a language needs 5 hits and twice as many as the other; else ``default``."""
    counts = dict.fromkeys(_STOPWORDS, 0)
    for word in _WORD.findall(text[:2000].lower()):
        lang = _LANGUAGE_OF_WORD.get(word)
        if lang is not None:
            counts[lang] += 1
    best = max(counts, key=counts.__getitem__)
    others = max(v for k, v in counts.items() if k != best)
    return best if counts[best] >= 5 and counts[best] > 2 * others else default


# -- readers: each yields (line number or None, Record or LineError) -------------------------

ReadResult = Iterator[tuple[int | None, Record | LineError]]


def _whole_text(path: Path) -> str:
    """A whole file as a document's text: decoded, and checked by the text rules (LineError)."""
    return check_text(decode(read_bytes(path), str(path)))


def read_txt(path: Path) -> ReadResult:
    try:
        text = _whole_text(path)
    except LineError as e:
        yield None, e
        return
    yield None, Record(text=text, title=title_from_text(text), external_id=path.name, source=path.name)


def _iter_lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; bytes None for a line longer than MAX_LINE_BYTES,
    which is skipped without holding it in memory."""
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # UTF-16 cannot be split on b"\n": decode whole (bounded by MAX_FILE_BYTES).
            for number, line in enumerate(decode(read_bytes(path), str(path)).split("\n"), 1):
                yield number, line.encode("utf-8")
            return
        number = 0
        while True:
            line = f.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):
                    line = f.readline(MAX_LINE_BYTES)
                yield number, None
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            yield number, line


def _offset(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LineError(f"span {name} must be an integer, got {json.dumps(value)}")
    return value


def _spans_of(record: dict[str, Any]) -> list[tuple[int, int, str, dict[str, Any]]]:
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
                (_offset(item["start"], "start"), _offset(item["end"], "end"), item["label"], attributes)
            )
    if "label" in record and isinstance(record["label"], list):
        for item in record["label"]:
            if not isinstance(item, list) or len(item) != 3:
                raise LineError(
                    f"each of 'label' must be [start, end, \"LABEL\"], got {json.dumps(item)[:80]}"
                )
            spans.append((_offset(item[0], "start"), _offset(item[1], "end"), item[2], {}))
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
                    _offset(item["start_offset"], "start"),
                    _offset(item["end_offset"], "end"),
                    item["label"],
                    {},
                )
            )
    return spans


def _string_field(record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "id":
        return str(value)
    if not isinstance(value, str):
        raise LineError(f"'{key}' must be a string, got {type(value).__name__}")
    return value


class _Skip(Exception):
    """An example a reviewer answered 'reject' or 'ignore' in Prodigy: not imported, counted."""


EXTRAS_KEY = "_annotator_tool"  # the same key as annotator.exporters.EXTRAS_KEY


def record_from_json(record: Any) -> Record:
    if not isinstance(record, dict):
        raise LineError(f"expected a JSON object, got {type(record).__name__}")
    if record.get("answer") in ("reject", "ignore"):
        raise _Skip()
    if isinstance(record.get(EXTRAS_KEY), dict):
        portable = record_from_portable({**record[EXTRAS_KEY], "text": record.get("text")})
        portable.tokens = _tokens_of(record.get("tokens"), len(portable.text))
        return portable
    if "text" not in record:
        raise LineError("missing 'text'")
    text = check_text(record["text"])
    meta = record.get("meta", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise LineError(f"'meta' must be an object, got {type(meta).__name__}")
    title = _string_field(record, "title") or str(meta.get("title", "") or "") or title_from_text(text)
    return Record(
        text=text,
        title=title,
        external_id=_string_field(record, "id"),
        lang=_string_field(record, "lang") or str(meta.get("lang", "") or ""),
        url=_string_field(record, "url") or str(meta.get("url", "") or ""),
        published=_string_field(record, "date") or str(meta.get("date", "") or ""),
        source=str(meta.get("source", "") or ""),
        meta=meta,
        spans=_spans_of(record),
    )


def read_jsonl(path: Path, rename: dict[str, str] | None = None) -> ReadResult:
    """JSONL, one document a line; ``rename`` maps a file's own keys onto the accepted ones
    (doccano's "column_data" -> "text", "column_label" -> "label")."""
    for number, line in _iter_lines(path):
        if line is None:
            yield number, LineError(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")
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
        except _Skip:
            yield number, _SKIPPED


_SKIPPED = LineError("skipped")
CSV_COLUMNS = {"text", "title", "id", "url", "date", "lang", "source"}


def read_csv(path: Path) -> ReadResult:
    content = decode(read_bytes(path), str(path))
    csv.field_size_limit(MAX_TEXT_CHARS + 1)
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        yield None, LineError("empty file (a header row with a 'text' column is needed)")
        return
    except csv.Error as e:
        yield 1, LineError(f"unreadable CSV header ({e})")
        return
    names = [name.strip().lower() for name in header]
    if "text" not in names:
        yield 1, LineError(f"no 'text' column in the header (columns: {', '.join(header)[:200]})")
        return
    first_line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield first_line, LineError(f"unreadable CSV row ({e})")
            return
        line, first_line = first_line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            yield line, LineError(f"{len(row)} cells where the header has {len(names)}")
            continue
        cells = dict(zip(names, row, strict=True))
        try:
            text = check_text(cells["text"])
        except LineError as e:
            yield line, e
            continue
        yield (
            line,
            Record(
                text=text,
                title=cells.get("title", "") or title_from_text(text),
                external_id=cells.get("id", ""),
                lang=cells.get("lang", ""),
                url=cells.get("url", ""),
                published=cells.get("date", ""),
                source=cells.get("source", ""),
                meta={k: v for k, v in cells.items() if k not in CSV_COLUMNS and v != ""},
            ),
        )


def _tokens_of(value: Any, length: int) -> tuple[list[int], list[int]] | None:
    """Prodigy tokens as (starts, ends), if they are well formed; else None (not an error:
    the tokens only help snapping)."""
    if not isinstance(value, list):
        return None
    starts, ends, previous = [], [], 0
    for token in value:
        if not isinstance(token, dict):
            return None
        start, end = token.get("start"), token.get("end")
        if type(start) is not int or type(end) is not int or not previous <= start < end <= length:
            return None
        starts.append(start)
        ends.append(end)
        previous = end
    return starts, ends


def _dict_list(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, tuple):  # msgpack (a DocBin's user_data) gives tuples for lists
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise LineError(f"'{name}' must be a list of objects")
    return value


def record_from_portable(data: Any) -> Record:
    """A document as this tool's JSON and JSONL carry it (see annotator.exporters)."""
    if not isinstance(data, dict):
        raise LineError(f"expected a JSON object, got {type(data).__name__}")
    if "text" not in data or data["text"] is None:
        raise LineError("missing 'text'")
    text = check_text(data["text"])
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        raise LineError(f"'meta' must be an object, got {type(meta).__name__}")
    spans = []
    for number, item in enumerate(_dict_list(data.get("spans"), "spans"), 1):
        if not {"start", "end", "label"} <= item.keys():
            raise LineError(f"span {number} needs start, end and label")
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise LineError(f"span {number}: 'attributes' must be an object")
        spans.append(
            {
                "id": item.get("id", number),
                "start": _offset(item["start"], "start"),
                "end": _offset(item["end"], "end"),
                "label": item["label"],
                "annotator": item.get("annotator"),
                "origin": item.get("origin"),
                "status": item.get("status"),
                "attributes": attributes,
                "note": str(item.get("note") or ""),
            }
        )
    links = []
    for item in _dict_list(data.get("links"), "links"):
        if not {"head", "tail", "label"} <= item.keys():
            raise LineError("each link needs head, tail and label")
        links.append(item)
    tags = list(data.get("tags") or [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise LineError("'tags' must be a list of strings")
    kinds = data.get("annotators") or {}
    return Record(
        text=text,
        title=_string_field(data, "title") or title_from_text(text),
        external_id=_string_field(data, "id"),
        lang=_string_field(data, "lang"),
        url=_string_field(data, "url"),
        published=_string_field(data, "published"),
        source=_string_field(data, "source"),
        meta=meta,
        full_spans=spans,
        links=links,
        status=_string_field(data, "status"),
        note=_string_field(data, "note"),
        tags=tags,
        annotator_kinds=kinds if isinstance(kinds, dict) else {},
    )


def read_json(path: Path) -> ReadResult:
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


_BRAT_T = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")
_BRAT_A = re.compile(r"^(A\d+)\t(\S+) (T\d+)(?: (\S+))?$")
_BRAT_R = re.compile(r"^(R\d+)\t(\S+) Arg1:(T\d+) Arg2:(T\d+)\s*$")
_BRAT_NOTE = re.compile(r"^(#\d+)\tAnnotatorNotes (T\d+)\t(.*)$")


def read_brat(path: Path) -> ReadResult:
    """A brat document: ``path`` is its .txt; the .ann beside it has T, A, R and # lines
    (events, normalisations, equivalences and other notes are passed over)."""
    try:
        text = _whole_text(path)
    except LineError as e:
        yield None, e
        return
    ann = path.with_suffix(".ann")
    lines = decode(read_bytes(ann), str(ann)).splitlines() if ann.exists() else []
    spans: dict[str, dict[str, Any]] = {}
    links, problems = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if match := _BRAT_T.match(line):
            name, label, fragments, _shown = match.groups()
            pieces = [tuple(map(int, piece.split())) for piece in fragments.split(";")]
            start, end = min(p[0] for p in pieces), max(p[1] for p in pieces)
            gaps = [text[a[1] : b[0]] for a, b in zip(pieces, pieces[1:], strict=False)]
            if any(gap.strip() for gap in gaps):
                problems.append((number, f"{name}: discontinuous span {fragments} is not supported"))
                continue
            spans[name] = {
                "id": len(spans) + 1,
                "start": start,
                "end": end,
                "label": label,
                "attributes": {},
                "note": "",
            }
        elif match := _BRAT_A.match(line):
            _name, attribute, target, value = match.groups()
            if target not in spans:
                problems.append((number, f"attribute of unknown span {target}"))
                continue
            spans[target]["attributes"][attribute] = value if value is not None else "true"
        elif match := _BRAT_R.match(line):
            _name, label, head, tail = match.groups()
            if head not in spans or tail not in spans:
                problems.append((number, f"relation {label} between unknown spans {head}, {tail}"))
                continue
            links.append({"head": spans[head]["id"], "tail": spans[tail]["id"], "label": label})
        elif match := _BRAT_NOTE.match(line):
            _name, target, note = match.groups()
            if target not in spans:
                problems.append((number, f"note on unknown span {target}"))
                continue
            key, _, value = note.partition(": ")
            if value and re.fullmatch(r"[A-Za-z_][\w-]*", key):
                spans[target]["attributes"][key] = value
            else:
                spans[target]["note"] = (spans[target]["note"] + " " + note).strip()
        elif line[:1] in ("E", "N", "M", "*", "#"):
            continue
        else:
            problems.append((number, f"not a brat annotation line: {line[:60]!r}"))
    for number, message in problems:
        yield number, LineError(f"{ann.name}: {message}")
    if problems:
        return
    yield (
        None,
        Record(
            text=text,
            title=title_from_text(text),
            external_id=path.stem,
            source=path.name,
            full_spans=list(spans.values()),
            links=links,
        ),
    )


def _brat_attribute_values(store: Store, label: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Undo brat's underscores: a value written "RIA_Novosti" is the schema's "RIA Novosti"."""
    definition = store.schema.labels.get(label)
    restored = dict(attributes)
    for attribute in definition.attributes if definition else ():
        value = restored.get(attribute.name)
        for allowed in attribute.values:
            if value == re.sub(r"\s+", "_", allowed):
                restored[attribute.name] = allowed
    return restored


def read_conll(path: Path) -> ReadResult:
    """IOB (IOB2, or IOB1) token-per-line files: the token in the first column, the tag in the
    last; a blank line ends a sentence and ``-DOCSTART-`` a document. The text is rebuilt with
    one space between tokens and a line break between sentences."""
    content = decode(read_bytes(path), str(path))
    # a document is opened by -DOCSTART- (kept even when empty) or by a first token
    documents: list[list[list[tuple[str, str, int]]]] = []
    sentence: list[tuple[str, str, int]] = []
    for number, line in enumerate(content.splitlines(), 1):
        columns = line.split()
        if not columns or columns[0] == "-DOCSTART-":
            if sentence:
                documents[-1].append(sentence)
                sentence = []
            if columns:
                documents.append([])
            continue
        tag = columns[-1] if len(columns) > 1 else "O"
        if tag != "O" and not re.fullmatch(r"[BI]-\S+", tag):
            yield number, LineError(f"tag {tag!r} is not O, B-LABEL or I-LABEL")
            return
        if not documents:
            documents.append([])
        sentence.append((columns[0], tag, number))
    if sentence:
        documents[-1].append(sentence)
    for index, sentences in enumerate(documents):
        parts, spans, position = [], [], 0
        current: list[int] | None = None
        for sentence_index, tokens in enumerate(sentences):
            if sentence_index:
                parts.append("\n")
                position += 1
            for token_index, (token, tag, _line) in enumerate(tokens):
                if token_index:
                    parts.append(" ")
                    position += 1
                start, end = position, position + len(token)
                parts.append(token)
                position = end
                kind, _, label = tag.partition("-")
                if tag == "O":
                    current = None
                elif kind == "I" and current is not None and spans[current][2] == label:
                    spans[current] = (spans[current][0], end, label, {})
                else:
                    spans.append((start, end, label, {}))
                    current = len(spans) - 1
            current = None
        text = "".join(parts)
        try:
            check_text(text)
        except LineError as e:
            yield None, LineError(f"document {index + 1}: {e}")
            continue
        yield (
            None,
            Record(
                text=text,
                title=title_from_text(text, 80),
                external_id=f"{path.stem}-{index + 1}",
                source=path.name,
                spans=spans,
            ),
        )


def read_spacy(path: Path) -> ReadResult:
    """A spaCy DocBin: ``doc.ents`` and every span group; this tool's own fields from user_data."""
    import spacy
    from spacy.tokens import DocBin

    try:
        docs = list(DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))
    except Exception as e:  # a damaged or foreign file
        yield None, LineError(f"not a spaCy DocBin ({type(e).__name__}: {e})")
        return
    for number, doc in enumerate(docs, 1):
        portable = doc.user_data.get("annotator") if isinstance(doc.user_data, dict) else None
        try:
            if isinstance(portable, dict):
                yield None, record_from_portable({**portable, "text": doc.text})
                continue
            spans = [(e.start_char, e.end_char, e.label_, {}) for e in doc.ents]
            for group in doc.spans.values():
                spans += [(s.start_char, s.end_char, s.label_, {}) for s in group]
            text = check_text(doc.text)
            yield (
                None,
                Record(
                    text=text,
                    title=title_from_text(text),
                    external_id=f"{path.stem}-{number}",
                    source=path.name,
                    spans=spans,
                ),
            )
        except LineError as e:
            yield None, LineError(f"document {number}: {e}")


READERS: dict[str, Callable[[Path], ReadResult]] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "json": read_json,
    "brat": read_brat,
    "conll": read_conll,
    "spacy": read_spacy,
}


# -- the batch ------------------------------------------------------------------------------


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
                guessed = EXTENSIONS.get(child.suffix.lower())
                if format != "auto":
                    if guessed == format or (guessed is None and child.suffix == ""):
                        found.append((child, format))
                elif guessed is not None:
                    found.append((child, guessed))
        else:
            found.append((path, format if format != "auto" else EXTENSIONS.get(path.suffix.lower())))
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
                f"unknown format (extension {path.suffix or 'none'}); use --format " + "|".join(FORMATS),
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
        reader = READERS[file_format]
        items = read_jsonl(path, rename) if rename and file_format == "jsonl" else reader(path)
        for line, item in items:
            if item is _SKIPPED:
                result.skipped += 1
                continue
            if isinstance(item, LineError):
                _reject(result, line, str(item))
                continue
            try:
                if item.full_spans is not None:
                    if file_format == "brat":
                        for span in item.full_spans:
                            span["attributes"] = _brat_attribute_values(
                                store, span["label"], span["attributes"]
                            )
                    full_rows = _full_rows(store, item, add_labels, annotator)
                else:
                    rows = _span_rows(store, item, add_labels)
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
