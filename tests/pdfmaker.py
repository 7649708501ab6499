"""A PDF made by hand at test time (pages of Latin-1 text in Helvetica), so that the tests and the
benchmark read real PDFs without a PDF library or a file from elsewhere."""

from __future__ import annotations


def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A PDF with one text page per item (Helvetica, WinAnsi: Latin-1 text, lines on "\n";
    an empty item is a page without text, as a scan is)."""
    objects = []

    def add(body):
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    pages_id = len(pages) * 2 + font + 1
    for text in pages:
        lines = text.split("\n")
        ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
        for line in lines if text else []:
            escaped = (
                line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
            )
            ops.append(b"(" + escaped + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources << /Font << /F1 %d 0 R >> >> >>"
                % (pages_id, content, font)
            )
        )
    assert (
        add(
            b"<< /Type /Pages /Kids ["
            + b" ".join(b"%d 0 R" % p for p in page_ids)
            + b"] /Count %d >>" % len(page_ids)
        )
        == pages_id
    )
    info = add(b"<< /Title (" + title.encode("cp1252") + b") >>") if title else None
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
