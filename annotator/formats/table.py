"""CSV, the format for people (a table a spreadsheet opens): read, a header with a ``text``
column and one article a row; written, one row per span (``.documents.csv`` beside it, one row
per document)."""

from __future__ import annotations

import csv
import io
import json
from itertools import groupby
from pathlib import Path
from typing import Any

from annotator.domain import MAX_TEXT_CHARS, Link, Selection
from annotator.formats.reading import (
    LineError,
    ReadResult,
    Record,
    check_text,
    decode,
    read_bytes,
    title_from_text,
)
from annotator.formats.writing import (
    CsvLines,
    ExportReport,
    Progress,
    csv_cell,
    label_owners,
    links_among_ids,
)
from annotator.store import Store

CSV_COLUMNS = {"text", "title", "id", "url", "date", "lang", "source"}


def read(path: Path) -> ReadResult:
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


class CsvExporter:
    """One row per span; ``documents`` also writes ``<name>.documents.csv``, one row per document."""

    COLUMNS = (
        "document_id",
        "title",
        "text_sha256",
        "annotator",
        "layer",
        "label",
        "start",
        "end",
        "text",
        "attributes",
        "links",
        "origin",
        "status",
        "note",
        "created_at",
        "updated_at",
    )

    def __init__(self, excel: bool = False, raw: bool = False, documents: bool = False) -> None:
        self.encoding = "utf-8-sig" if excel else "utf-8"
        self.raw = raw
        self.documents = documents

    @staticmethod
    def _outgoing(rows: list[tuple], links: list[Link] | None, text: str) -> dict[int, list[dict[str, Any]]]:
        """The links among a document's rows, by head span id, as the ``links`` cell lists them."""
        if not links:
            return {}
        by_id = {row[0]: row for row in rows}
        outgoing: dict[int, list[dict[str, Any]]] = {}
        for link in links_among_ids(set(by_id), {row[13]: row[0] for row in rows if row[13] is not None}, links):
            tail = by_id[link.tail_id]
            outgoing.setdefault(link.head_id, []).append(
                {
                    "label": link.label,
                    "tail_start": tail[5],
                    "tail_end": tail[6],
                    "tail_label": tail[4],
                    "tail_text": text[tail[5] : tail[6]],
                }
            )
        return outgoing

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        raw = self.raw
        links_by_document = store.links_by_document()
        documents = store.selected_document_texts(selection)
        lines, cells = CsvLines(), {}  # cells: a label's or an annotator's cell, as written
        total, passed = (store.count_selected_documents(selection), 0) if progress else (0, 0)
        with open(out, "w", encoding=self.encoding, newline="") as f:
            csv.writer(f).writerow(self.COLUMNS)
            # rows straight from SQL, the span's text sliced here once per document (substr in
            # SQL re-read a long text for every span); the document stream follows the spans'
            for document_id, group in groupby(store.selected_span_rows(selection), key=lambda row: row[1]):
                rows = list(group)
                document = next(documents)
                passed += 1
                while document[0] != document_id:
                    document = next(documents)
                    passed += 1
                _id, title, sha256, text = document
                report.documents += 1
                outgoing = self._outgoing(rows, links_by_document.get(document_id), text)
                head = lines.part((document_id, csv_cell(title, raw), sha256)) + ","
                written = []
                for span_id, _d, annotator, layer, label, start, end, attributes, *rest in rows:
                    written.append(
                        head
                        + lines.part(
                            (
                                cells.get(annotator) or cells.setdefault(annotator, csv_cell(annotator, raw)),
                                layer,
                                cells.get(label) or cells.setdefault(label, csv_cell(label, raw)),
                                start,
                                end,
                                csv_cell(text[start:end], raw),
                                attributes if attributes == "{}" else csv_cell(attributes, raw),
                                json.dumps(outgoing[span_id], ensure_ascii=False) if span_id in outgoing else "[]",
                                rest[0],
                                rest[1],
                                csv_cell(rest[2], raw),
                                rest[3],
                                rest[4],
                            )
                        )
                    )
                written.append("")
                f.write("\r\n".join(written))
                report.spans += len(rows)
                if progress is not None:  # a cancel raised there stops the export
                    progress(passed, total)
            if progress is not None:
                progress(total, total)
        report.paths.append(out)
        if self.documents:
            target = getattr(self, "target", out)
            path = target.with_name(target.stem + ".documents.csv")
            names = list(store.schema.document_labels)
            labels = store.all_document_labels(label_owners(store, selection))
            with open(path, "w", encoding=self.encoding, newline="") as f:
                writer = csv.writer(f)
                writer.writerow([*store.DOCUMENT_TABLE_COLUMNS, *names])
                for row in store.document_table(selection):
                    extra = [label_cell(labels.get(row[0], {}), name) for name in names]
                    writer.writerow([csv_cell(cell, raw) if isinstance(cell, str) else cell for cell in (*row, *extra)])
            report.paths.append(path)


def label_cell(by_annotator: dict[str, dict[str, Any]], name: str) -> str:
    """A document label in one cell: its value ("a; b" for several); with several people's,
    each named ("ana: critical | bea: neutral")."""

    def shown(value: Any) -> str:
        return "; ".join(value) if isinstance(value, list) else str(value)

    given = {who: labels[name] for who, labels in by_annotator.items() if name in labels}
    if len(given) == 1:
        return shown(next(iter(given.values())))
    return " | ".join(f"{who}: {shown(value)}" for who, value in given.items())


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return CsvExporter(options.get("excel", False), options.get("raw", False), options.get("documents", False))
