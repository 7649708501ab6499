"""Plain text (``.txt``): one file is one article; its first line is the title."""

from __future__ import annotations

from pathlib import Path

from annotator.formats.reading import LineError, ReadResult, Record, title_from_text, whole_text


def read(path: Path) -> ReadResult:
    try:
        text = whole_text(path)
    except LineError as e:
        yield None, e
        return
    yield None, Record(text=text, title=title_from_text(text), external_id=path.name, source=path.name)
