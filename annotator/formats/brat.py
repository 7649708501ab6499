"""brat standoff: a folder of ``.txt`` and ``.ann`` pairs (T spans, A attributes, R relations,
AnnotatorNotes) with ``annotation.conf``, read and written by brat's rules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from annotator.domain import Schema, Selection
from annotator.formats.reading import (
    LineError,
    ReadResult,
    Record,
    decode,
    read_bytes,
    title_from_text,
    whole_text,
)
from annotator.formats.writing import ExportReport, Progress, check_single_annotator, file_stem, walk
from annotator.store import Store

BRAT_T = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)\t(.*)$")


BRAT_A = re.compile(r"^(A\d+)\t(\S+) (T\d+)(?: (\S+))?$")


BRAT_R = re.compile(r"^(R\d+)\t(\S+) Arg1:(T\d+) Arg2:(T\d+)\s*$")


BRAT_NOTE = re.compile(r"^(#\d+)\tAnnotatorNotes (T\d+)\t(.*)$")


def read(path: Path) -> ReadResult:
    """A brat document: ``path`` is its .txt; the .ann beside it has T, A, R and # lines
    (events, normalisations, equivalences and other notes are passed over)."""
    try:
        text = whole_text(path)
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
        if match := BRAT_T.match(line):
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
        elif match := BRAT_A.match(line):
            _name, attribute, target, value = match.groups()
            if target not in spans:
                problems.append((number, f"attribute of unknown span {target}"))
                continue
            spans[target]["attributes"][attribute] = value if value is not None else "true"
        elif match := BRAT_R.match(line):
            _name, label, head, tail = match.groups()
            if head not in spans or tail not in spans:
                problems.append((number, f"relation {label} between unknown spans {head}, {tail}"))
                continue
            links.append({"head": spans[head]["id"], "tail": spans[tail]["id"], "label": label})
        elif match := BRAT_NOTE.match(line):
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


def prepare(record: Record, schema: Schema) -> None:
    """A record's attribute values in the schema's terms (see :func:`brat_attribute_values`)."""
    for span in record.full_spans or []:
        span["attributes"] = brat_attribute_values(schema, span["label"], span["attributes"])


def brat_attribute_values(schema: Schema, label: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Undo brat's underscores: a value written "RIA_Novosti" is the schema's "RIA Novosti"."""
    definition = schema.labels.get(label)
    restored = dict(attributes)
    for attribute in definition.attributes if definition else ():
        value = restored.get(attribute.name)
        for allowed in attribute.values:
            if value == re.sub(r"\s+", "_", allowed):
                restored[attribute.name] = allowed
    return restored


def brat_value(value: str) -> str:
    """brat attribute values are single words: spaces become underscores."""
    return re.sub(r"\s+", "_", value.strip())


class BratExporter:
    """A folder: ``<id>.txt`` and ``<id>.ann`` per document (T spans, A attributes, R links,
    # AnnotatorNotes for notes and free-text attributes) and a generated ``annotation.conf``."""

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        check_single_annotator(store, selection, "brat")
        out.mkdir(parents=True, exist_ok=True)
        schema = store.schema
        for document, spans, links, _tokens in walk(store, selection, report, progress):
            stem = file_stem(document)
            (out / f"{stem}.txt").write_text(document.text, encoding="utf-8", newline="")
            lines, t_of, counters = [], {}, {"A": 0, "#": 0}
            for number, span in enumerate(spans, 1):
                t_of[span.id] = f"T{number}"
                fragments = ";".join(
                    f"{s} {e}" for s, e in brat_fragments(document.text, span.start, span.end)
                )
                shown = " ".join(document.text[span.start : span.end].split())
                lines.append(f"T{number}\t{span.label} {fragments}\t{shown}")
                label = schema.labels.get(span.label)
                listed = {a.name for a in label.attributes if a.values} if label else set()
                for name, value in span.attributes.items():
                    if name in listed:
                        counters["A"] += 1
                        lines.append(f"A{counters['A']}\t{name} T{number} {brat_value(str(value))}")
                    else:
                        counters["#"] += 1
                        lines.append(f"#{counters['#']}\tAnnotatorNotes T{number}\t{name}: {value}")
                if span.note:
                    counters["#"] += 1
                    lines.append(f"#{counters['#']}\tAnnotatorNotes T{number}\t{' '.join(span.note.split())}")
            for number, link in enumerate(links, 1):
                lines.append(f"R{number}\t{link.label} Arg1:{t_of[link.head_id]} Arg2:{t_of[link.tail_id]}")
            (out / f"{stem}.ann").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            report.paths.append(out / f"{stem}.ann")
            report.spans += len(spans)
        (out / "annotation.conf").write_text(brat_conf(store), encoding="utf-8")
        report.paths.append(out / "annotation.conf")


def brat_fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """brat spans hold no line break: a span across lines becomes fragments, one per line."""
    fragments = []
    for match in re.finditer(r"[^\r\n]+", text[start:end]):
        fragments.append((start + match.start(), start + match.end()))
    return fragments or [(start, end)]


def brat_conf(store: Store) -> str:
    schema = store.schema
    lines = ["[entities]"]
    lines += [label.name for label in schema.labels.values()]
    lines += ["", "[relations]"]
    for link in schema.link_labels.values():
        heads = "|".join(link.heads) or "<ENTITY>"
        tails = "|".join(link.tails) or "<ENTITY>"
        lines.append(f"{link.name}\tArg1:{heads}, Arg2:{tails}")
    lines += ["<OVERLAP>\tArg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>", "", "[events]", "", "[attributes]"]
    for label in schema.labels.values():
        for attribute in label.attributes:
            if attribute.values:
                values = "|".join(brat_value(v) for v in attribute.values)
                lines.append(f"{attribute.name}\tArg:{label.name}, Value:{values}")
    return "\n".join(lines) + "\n"


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return BratExporter()
