"""PDF files: the text of each page extracted with pypdf, pages separated by a blank line and
their start offsets kept in the document's metadata (``pages``). An encrypted PDF that needs a
password, or one without text (a scan), is refused with the reason."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from annotator.formats.reading import (
    LineError,
    ReadResult,
    Record,
    check_text,
    title_from_text,
    whole_file,
)


def pdf_record(data: bytes) -> Record:
    """The text of a PDF's bytes, or LineError saying why there is none."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs what it repairs on its own; the import says what matters, once
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LineError("encrypted PDF: it needs a password (save an unprotected copy first)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata
    except LineError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as e:  # pypdf's ways of saying damaged
        raise LineError(f"not a readable PDF ({type(e).__name__}: {e})") from e
    if not any(pages):
        raise LineError(
            f"no text in this PDF ({len(pages)} page(s)): a scanned document? run OCR on it first"
        )
    starts, parts, position = [], [], 0
    for text in pages:
        starts.append(position)
        parts.append(text)
        position += len(text) + 2
    text = check_text("\n\n".join(parts))
    title = (info.title or "").strip() if info is not None and info.title else ""
    meta = {"pages": starts}
    if info is not None and info.author:
        meta["author"] = str(info.author)
    return Record(text=text, title=title or title_from_text(text), meta=meta)


def read(path: Path) -> ReadResult:
    return whole_file(path, pdf_record)
