"""REFI-QDA (.qdpx): the codebook from the schema, each article a text source, each span a
coded selection by its annotator, links as links; read back by this tool, and a project written
by another QDA tool (text inline, nested codes) read too."""

import re
import zipfile

from lxml import etree

from annotator.domain import Selection
from annotator.editing import Editor
from annotator.exporting import export
from annotator.importing import import_paths
from annotator.store import Store

NS = "{urn:QDA-XML:project:1.0}"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TEXT = "Kim Jong-un dijo «nada cambia» según la agencia KCNA. 김정은 😀 habló."


def project(path):
    store = Store(path)
    document_id, _ = store.add_document(TEXT, "Kim", lang="es", url="https://x.example/a")
    ana, bea = Editor(store, "ana"), Editor(store, "bea")
    kim = ana.create_span(document_id, 0, 11, "PER")
    quote = ana.create_span(document_id, TEXT.index("«"), TEXT.index("»") + 1, "QUOTE")
    source = ana.create_span(document_id, TEXT.index("según"), TEXT.index("KCNA") + 4, "SOURCE")
    ana.set_attributes(source.id, {"agency": "KCNA"})
    ana.set_note(quote.id, "Cita textual\nen dos líneas")
    ana.link(quote.id, kim.id, "speaker")
    hangul = TEXT.index("김")
    bea.create_span(document_id, hangul, hangul + 3, "PER")
    return store


def spans_of(store):
    document_id = store.document_ids()[0]
    return {
        (s.annotator, s.start, s.end, s.label, tuple(sorted(s.attributes.items())), s.note)
        for s in store.spans(document_id)
    }


def test_export_is_refi_qda_shaped_and_reads_back_whole(tmp_path):
    store = project(tmp_path / "a.db")
    out = tmp_path / "a.qdpx"
    report = export(store, "qdpx", out, Selection())
    assert report.spans == 4  # ana: PER, QUOTE, SOURCE; bea: PER
    archive = zipfile.ZipFile(out)
    root = etree.fromstring(archive.read("project.qde"))
    assert root.tag == NS + "Project" and root.get("origin") == "annotator"
    assert [child.tag[len(NS) :] for child in root] == ["Users", "CodeBook", "Sources", "Links"]
    for element in root.iter():
        for attribute in ("guid", "targetGUID", "originGUID", "creatingUser"):
            if element.get(attribute) is not None:
                assert GUID.fullmatch(element.get(attribute)), (element.tag, attribute)
    layers = root.find(f"{NS}CodeBook/{NS}Codes")
    assert [c.get("name") for c in layers] == ["entities", "analysis"]
    assert all(c.get("isCodable") == "false" for c in layers)
    assert {c.get("name"): c.get("color") for c in layers.iter(NS + "Code")}["QUOTE"] == "#d9822b"
    (source,) = root.iter(NS + "TextSource")
    path = source.get("plainTextPath")
    assert path.startswith("internal://") and archive.read("sources/" + path[11:]).decode("utf-8") == TEXT
    hangul = [s for s in source.iter(NS + "PlainTextSelection") if s.get("name") == "김정은"]
    assert hangul and int(hangul[0].get("startPosition")) == TEXT.index("김")  # characters, not bytes
    (link,) = root.iter(NS + "Link")
    assert link.get("name") == "speaker" and link.get("direction") == "OneWay"
    # read back: the same spans, by the same people, with notes, attributes and the link
    with Store(tmp_path / "b.db") as other:
        imported = import_paths(other, [out])
        assert imported.total("spans_added") == 4 and not imported.rejected_files
        assert spans_of(other) == spans_of(store)
        (speaker,) = other.links(other.document_ids()[0])
        assert (other.span(speaker.head_id).label, other.span(speaker.tail_id).label) == ("QUOTE", "PER")
        # the same file again adds nothing (the same GUIDs, the same text)
        assert import_paths(other, [out]).total("spans_added") == 0
    store.close()


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Tesis" origin="QualCoder">
<Users><User guid="11111111-2222-3333-4444-555555555555" name="maria"/></Users>
<CodeBook><Codes><Code guid="aaaaaaaa-0000-0000-0000-000000000001" name="Actores" isCodable="false">
  <Code guid="aaaaaaaa-0000-0000-0000-000000000002" name="PER" isCodable="true"/></Code>
  <Code guid="aaaaaaaa-0000-0000-0000-000000000003" name="LOC" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="bbbbbbbb-0000-0000-0000-000000000001" name="Entrevista 1">
  <PlainTextContent>Shoigú llegó a Pionyang.</PlainTextContent>
  <PlainTextSelection guid="cccccccc-0000-0000-0000-000000000001" startPosition="0" endPosition="6"
      creatingUser="11111111-2222-3333-4444-555555555555">
    <Coding guid="dddddddd-0000-0000-0000-000000000001"><CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000002"/></Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="cccccccc-0000-0000-0000-000000000002" startPosition="15" endPosition="23">
    <Coding guid="dddddddd-0000-0000-0000-000000000002"><CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000003"/></Coding>
  </PlainTextSelection>
</TextSource></Sources></Project>"""


def test_a_foreign_project_with_inline_text_and_nested_codes(tmp_path, store):
    path = tmp_path / "tesis.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", FOREIGN)
    report = import_paths(store, [path])
    assert report.total("documents_new") == 1, [str(r) for f in report.files for r in f.rejections]
    document_id = store.document_ids()[0]
    assert store.document(document_id).title == "Entrevista 1"
    found = {
        (s.annotator, store.document(document_id).text[s.start : s.end], s.label)
        for s in store.spans(document_id)
    }
    assert found == {("maria", "Shoigú", "PER"), ("import", "Pionyang", "LOC")}


def test_broken_projects_are_refused_with_the_reason(tmp_path, store):
    empty = tmp_path / "vacio.qdpx"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "nada")
    broken = tmp_path / "roto.qdpx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("project.qde", "<Project><Sources>")
    missing = tmp_path / "falta.qdpx"
    with zipfile.ZipFile(missing, "w") as archive:
        archive.writestr(
            "project.qde",
            FOREIGN.replace("<PlainTextContent>Shoigú llegó a Pionyang.</PlainTextContent>", "").replace(
                'name="Entrevista 1"', 'name="Entrevista 1" plainTextPath="internal://nope.txt"'
            ),
        )
    report = import_paths(store, [empty, broken, missing])
    reasons = {r.path.split("/")[-1]: r.rejections[0].message for r in report.rejected_files}
    assert "without a .qde project file" in reasons["vacio.qdpx"]
    assert "not a REFI-QDA project" in reasons["roto.qdpx"]
    assert "sources/nope.txt is missing from the .qdpx" in reasons["falta.qdpx"]
    assert store.document_ids() == []
