"""Tagged segments as keyword-in-context CSV (the find panel's Segments tab): one row per
accepted span a query finds, with the text around it, for reading in a spreadsheet."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from annotator.formats.writing import csv_cell
from annotator.store import Store

COLUMNS = ["document_id", "title", "published", "span_id", "start", "end", "label", "annotator"]
COLUMNS += ["left_context", "text", "right_context", "attributes"]
#: Segments read per query.
PAGE = 1000


def write_segments(store: Store, query: dict[str, Any], path: Path) -> int:
    """Every segment ``store.segments(**query)`` finds, a page at a time, to ``path`` (written
    whole or not at all); returns how many."""
    count = 0
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        while True:
            rows = store.segments(**query, limit=PAGE, offset=count)
            for row in rows:
                values = [row[c] for c in COLUMNS[:-1]] + [
                    json.dumps(json.loads(row["attributes"]), ensure_ascii=False)
                ]
                writer.writerow([csv_cell(v) for v in values])
            count += len(rows)
            if len(rows) < PAGE:
                break
    partial.replace(path)
    return count
