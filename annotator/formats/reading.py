"""The reading side every format shares: a file's bytes decoded (UTF-8, with or without BOM, or
UTF-16 with BOM), lines read without holding an overlong one, the rules of a document's text,
and :class:`Record`, what a reader yields for each document (or a :class:`LineError`)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotator.domain import MAX_TEXT_CHARS
from annotator.errors import InputFileError

#: Longest JSONL line read, in bytes; a longer one is refused without being held in memory.
MAX_LINE_BYTES = 64 * 1024 * 1024


#: Largest .txt or .csv file read whole, in bytes.
MAX_FILE_BYTES = 256 * 1024 * 1024


BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


#: The key of this tool's own fields in a Prodigy-shaped JSONL line: Prodigy's own keys are
#: text, meta, tokens, spans, answer and _input_hash, _task_hash, _view_id, _session_id,
#: _annotator_id, _timestamp; none starts with "_annotator_tool".
EXTRAS_KEY = "_annotator_tool"


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
    #: Document labels: annotator -> label -> value (this tool's JSON and JSONL).
    document_labels: dict[str, dict[str, Any]] = field(default_factory=dict)


class LineError(Exception):
    """A line or row of a file is wrong; the importer reports it with the line number."""


class Skip(Exception):
    """An example a reviewer answered 'reject' or 'ignore' in Prodigy: not imported, counted."""


SKIPPED = LineError("skipped")


ReadResult = Iterator[tuple[int | None, Record | LineError]]


def decode(data: bytes, path: str) -> str:
    """Bytes of a text file as str: UTF-8 with or without BOM, or UTF-16 with BOM.

    Raises InputFileError naming the file and the first bad byte otherwise.
    """
    for bom, encoding in BOMS:
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


def whole_text(path: Path) -> str:
    """A whole file as a document's text: decoded, and checked by the text rules (LineError)."""
    return check_text(decode(read_bytes(path), str(path)))


def overlong_line() -> LineError:
    """What a line longer than :data:`MAX_LINE_BYTES` is told (see :func:`iter_lines`)."""
    return LineError(f"line longer than {MAX_LINE_BYTES // (1024 * 1024)} MB")


def iter_lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
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


def nfc_offsets(text: str, offsets: list[int]) -> tuple[str, dict[int, int]]:
    """``text`` in Unicode's composed form (NFC: "e" + U+0301 becomes "é"), and where each of
    ``offsets`` (characters of ``text``) lands in it. An offset inside a sequence that
    composes lands after it."""
    normal = unicodedata.normalize("NFC", text)
    moved: dict[int, int] = {}
    position = done = 0
    for offset in sorted(set(offsets)):
        done += len(unicodedata.normalize("NFC", text[position:offset]))
        moved[offset] = done
        position = offset
    done += len(unicodedata.normalize("NFC", text[position:]))
    if done != len(normal):  # a cut split a composing sequence: measure each prefix whole
        moved = {o: len(unicodedata.normalize("NFC", text[:o])) for o in moved}
    return normal, {o: min(n, len(normal)) for o, n in moved.items()}


def compose(record: Record) -> bool:
    """Bring a record to NFC, its text and title, with every offset it holds (spans, full
    spans, tokens) moved along; whether anything changed (the import says so)."""
    if unicodedata.is_normalized("NFC", record.text) and unicodedata.is_normalized("NFC", record.title):
        return False
    offsets = [o for start, end, *_ in record.spans for o in (start, end) if isinstance(o, int)]
    for span in record.full_spans or []:
        offsets += [o for o in (span.get("start"), span.get("end")) if isinstance(o, int)]
    if record.tokens is not None:
        offsets += [*record.tokens[0], *record.tokens[1]]
    valid = [o for o in offsets if 0 <= o <= len(record.text)]  # the rest are refused later as they are
    record.text, moved = nfc_offsets(record.text, valid)
    record.title = unicodedata.normalize("NFC", record.title)
    at = lambda o: moved.get(o, o) if isinstance(o, int) else o  # noqa: E731
    record.spans = [(at(start), at(end), *rest) for start, end, *rest in record.spans]
    for span in record.full_spans or []:
        for key in ("start", "end"):
            if key in span:
                span[key] = at(span[key])
    if record.tokens is not None:
        record.tokens = ([at(o) for o in record.tokens[0]], [at(o) for o in record.tokens[1]])
    return True


def whole_file(path: Path, make: Callable[[bytes], Record]) -> ReadResult:
    """A reader for formats whose file is one document (a web page, a PDF): ``make`` turns the
    file's bytes into its record, or raises LineError saying why it cannot."""
    try:
        record = make(read_bytes(path))
    except LineError as e:
        yield None, e
        return
    record.external_id, record.source = path.name, path.name
    yield None, record


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


def offset(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LineError(f"span {name} must be an integer, got {json.dumps(value)}")
    return value


def string_field(record: dict[str, Any], key: str) -> str:
    value = record.get(key, "")
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "id":
        return str(value)
    if not isinstance(value, str):
        raise LineError(f"'{key}' must be a string, got {type(value).__name__}")
    return value


def tokens_of(value: Any, length: int) -> tuple[list[int], list[int]] | None:
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


def dict_list(value: Any, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if isinstance(value, tuple):  # msgpack (a DocBin's user_data) gives tuples for lists
        value = list(value)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise LineError(f"'{name}' must be a list of objects")
    return value
