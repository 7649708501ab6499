"""REFI-QDA projects (``.qdpx``), the exchange format of MAXQDA, NVivo, ATLAS.ti and QualCoder:
a zip of ``project.qde`` (QDA-XML, namespace ``urn:QDA-XML:project:1.0``) and ``sources/``
with each article's text.

- The codebook is the schema: a parent code per layer (not codable), a code per label with
  its colour and description.
- Each article is a ``TextSource`` whose text is ``sources/<guid>.txt``; each span a
  ``PlainTextSelection`` (character positions, as this tool counts them) with one ``Coding``
  of its label's code, by the ``User`` of its annotator. A span's note and attributes go in
  the selection's ``Description`` (attributes on a last line ``attributes: {json}``).
- Links (a quote's speaker) are ``Link`` elements from one selection to the other.

GUIDs are derived from names, texts and span ids, so exporting twice gives the same GUIDs and a
QDA tool sees the same codes and sources. Reading takes the same shape back, from this tool or
another: codes by name, texts inline (``PlainTextContent``) or in the zip, users as annotators.
The XML is parsed without entities, DTDs or network access.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from annotator.domain import Selection, Span
from annotator.formats.reading import LineError, ReadResult, Record, check_text, title_from_text
from annotator.formats.writing import ExportReport, Progress, walk
from annotator.store import Store
from annotator.store.rows import now

NAMESPACE = "urn:QDA-XML:project:1.0"
PROJECT_FILE = "project.qde"
ATTRIBUTES_LINE = "attributes: "
_BASE = uuid.UUID("6f1c2a4e-3f7b-4c55-9a21-5d0f1e2b7c93")  # this tool's namespace for derived GUIDs


def guid(*parts: object) -> str:
    return str(uuid.uuid5(_BASE, "\x1f".join(map(str, parts))))


def _description(span: Span) -> str:
    lines = [span.note] if span.note else []
    if span.attributes:
        lines.append(ATTRIBUTES_LINE + json.dumps(span.attributes, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines)


def _stamp(value: str) -> str:
    """An xsd:dateTime (the stored ISO times are; an empty one becomes now)."""
    return value or now()


class QdpxExporter:
    """One ``.qdpx`` file for the selection (see the module docstring)."""

    def write(
        self,
        store: Store,
        selection: Selection,
        out: Path,
        report: ExportReport,
        progress: Progress | None = None,
    ) -> None:
        users: dict[str, str] = {}
        sources: list[str] = []
        links: list[str] = []
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for document, spans, document_links, _tokens in walk(store, selection, report, progress):
                source = guid("source", document.sha256)
                archive.writestr(f"sources/{source}.txt", document.text.encode("utf-8"))
                selections = {}
                parts = [
                    f"<TextSource guid={quoteattr(source)} name={quoteattr(document.title or document.external_id)} "
                    f'plainTextPath="internal://{source}.txt" creationDateTime={quoteattr(_stamp(document.created_at))}>'
                ]
                about = "; ".join(
                    f"{k}: {v}"
                    for k, v in (
                        ("url", document.url),
                        ("published", document.published),
                        ("source", document.source),
                    )
                    if v
                )
                if about:
                    parts.append(f"<Description>{escape(about)}</Description>")
                for span in spans:
                    user = users.setdefault(span.annotator, guid("user", span.annotator))
                    selected = selections[span.id] = guid("selection", document.sha256, span.id)
                    description = _description(span)
                    parts.append(
                        f"<PlainTextSelection guid={quoteattr(selected)} name={quoteattr(document.text[span.start : span.end][:80])} "
                        f'startPosition="{span.start}" endPosition="{span.end}" creatingUser="{user}" '
                        f"creationDateTime={quoteattr(_stamp(span.created_at))}>"
                        + (f"<Description>{escape(description)}</Description>" if description else "")
                        + f'<Coding guid="{guid("coding", selected)}" creatingUser="{user}">'
                        f'<CodeRef targetGUID="{guid("code", span.label)}"/></Coding></PlainTextSelection>'
                    )
                parts.append("</TextSource>")
                sources.append("".join(parts))
                for link in document_links:
                    if link.head_id in selections and link.tail_id in selections:
                        links.append(
                            f'<Link guid="{guid("link", document.sha256, link.id)}" name={quoteattr(link.label)} '
                            f'direction="OneWay" originGUID="{selections[link.head_id]}" '
                            f'targetGUID="{selections[link.tail_id]}"/>'
                        )
                report.spans += len(spans)
            archive.writestr(PROJECT_FILE, self._project(store, users, sources, links).encode("utf-8"))
        report.paths.append(out)

    def _project(self, store: Store, users: dict[str, str], sources: list[str], links: list[str]) -> str:
        schema = store.schema
        codes = []
        for layer in dict.fromkeys(label.layer for label in schema.labels.values()):
            inner = "".join(
                f'<Code guid="{guid("code", name)}" name={quoteattr(name)} isCodable="true" color="{label.colour}">'
                + (f"<Description>{escape(label.description)}</Description>" if label.description else "")
                + "</Code>"
                for name, label in schema.labels.items()
                if label.layer == layer
            )
            codes.append(
                f'<Code guid="{guid("layer", layer)}" name={quoteattr(layer)} isCodable="false">{inner}</Code>'
            )
        head = (
            f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="{NAMESPACE}" '
            f'name={quoteattr(Path(str(store.path)).stem)} origin="annotator" creationDateTime={quoteattr(now())}>'
        )
        parts = [head]
        if users:
            parts.append(
                "<Users>"
                + "".join(f'<User guid="{g}" name={quoteattr(name)}/>' for name, g in sorted(users.items()))
                + "</Users>"
            )
        parts.append("<CodeBook><Codes>" + "".join(codes) + "</Codes></CodeBook>")
        if sources:
            parts.append("<Sources>" + "".join(sources) + "</Sources>")
        if links:
            parts.append("<Links>" + "".join(links) + "</Links>")
        parts.append("</Project>\n")
        return "".join(parts)


def writer(options: dict[str, Any]) -> Any:
    """This format's writer with an export's options."""
    return QdpxExporter()


# -- reading -------------------------------------------------------------------------------------


def _tag(element: Any) -> str:
    return element.tag.split("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _tag(child) == name]


def read(path: Path) -> ReadResult:
    """A ``.qdpx`` (or a bare ``.qde``): one record per text source with its codings."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        archive = zipfile.ZipFile(path) if zipfile.is_zipfile(path) else None
        if archive is not None:
            names = [n for n in archive.namelist() if n.lower().endswith(".qde")]
            if not names:
                yield None, LineError("a .qdpx without a .qde project file")
                return
            root = etree.fromstring(archive.read(names[0]), parser)
        else:
            root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError) as e:
        yield None, LineError(f"not a REFI-QDA project ({type(e).__name__}: {e})")
        return
    if _tag(root) != "Project":
        yield None, LineError(f"not a REFI-QDA project: its root is <{_tag(root)}>, not <Project>")
        return
    codes = {}
    for code in root.iter(f"{{{NAMESPACE}}}Code"):
        codes[code.get("guid")] = code.get("name") or ""
    users = {
        user.get("guid"): user.get("name") or user.get("guid") for user in root.iter(f"{{{NAMESPACE}}}User")
    }
    links_by_origin: list[Any] = list(root.iter(f"{{{NAMESPACE}}}Link"))
    for number, source in enumerate(root.iter(f"{{{NAMESPACE}}}TextSource"), 1):
        try:
            yield None, _source_record(source, archive, codes, users, links_by_origin, path)
        except LineError as e:
            yield None, LineError(f"source {number} ({source.get('name') or source.get('guid')}): {e}")


def _source_record(
    source: Any, archive: zipfile.ZipFile | None, codes: dict, users: dict, links: list, path: Path
) -> Record:
    content = _children(source, "PlainTextContent")
    if content:
        text = content[0].text or ""
    else:
        where = source.get("plainTextPath") or ""
        if not where.startswith("internal://") or archive is None:
            raise LineError(f"its text is at {where!r}, not inside the .qdpx")
        member = "sources/" + where[len("internal://") :]
        try:
            text = archive.read(member).decode("utf-8")
        except KeyError as e:
            raise LineError(f"{member} is missing from the .qdpx") from e
        except UnicodeDecodeError as e:
            raise LineError(f"{member} is not UTF-8 text") from e
    text = check_text(text)
    spans: list[dict[str, Any]] = []
    first_span: dict[str, int] = {}
    for selection in _children(source, "PlainTextSelection"):
        try:
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
        except (TypeError, ValueError) as e:
            raise LineError(f"selection {selection.get('guid')}: positions must be integers") from e
        note, attributes = "", {}
        described = _children(selection, "Description")
        if described and described[0].text:
            lines = described[0].text.split("\n")
            if lines[-1].startswith(ATTRIBUTES_LINE):
                try:
                    attributes = json.loads(lines.pop()[len(ATTRIBUTES_LINE) :])
                except json.JSONDecodeError as e:
                    raise LineError(
                        f"selection {selection.get('guid')}: attributes are not JSON ({e.msg})"
                    ) from e
            note = "\n".join(lines)
        for coding in _children(selection, "Coding"):
            refs = _children(coding, "CodeRef")
            label = codes.get(refs[0].get("targetGUID")) if refs else None
            if not label:
                raise LineError(
                    f"selection {selection.get('guid')}: its coding names no code of the codebook"
                )
            user = coding.get("creatingUser") or selection.get("creatingUser")
            span_id = len(spans) + 1
            first_span.setdefault(selection.get("guid"), span_id)
            spans.append(
                {
                    "id": span_id,
                    "start": start,
                    "end": end,
                    "label": label,
                    "annotator": users.get(user, "import") if user else None,
                    "attributes": attributes if isinstance(attributes, dict) else {},
                    "note": note,
                }
            )
    record_links = [
        {
            "head": first_span[link.get("originGUID")],
            "tail": first_span[link.get("targetGUID")],
            "label": link.get("name") or "",
        }
        for link in links
        if link.get("originGUID") in first_span and link.get("targetGUID") in first_span
    ]
    title = source.get("name") or title_from_text(text)
    return Record(
        text=text,
        title=title,
        external_id=source.get("guid") or "",
        source=path.name,
        full_spans=spans,
        links=record_links,
        annotator_kinds={name: "human" for name in users.values()},
    )
