"""Saved web pages (``.html``, ``.htm``): the article extracted with trafilatura, the page's
navigation, adverts and footers dropped; its headline, date, URL, author and site kept in the
document's fields. The page is parsed, never run: no script executes and nothing is fetched."""

from __future__ import annotations

from pathlib import Path

from annotator.formats.reading import LineError, ReadResult, Record, check_text, whole_file

#: Fewer words than this is a page's navigation or a teaser, not an article.
MIN_ARTICLE_WORDS = 25


def article(data: bytes) -> Record:
    """The article of a page's bytes, or LineError saying why there is none."""
    import trafilatura

    tree = trafilatura.load_html(data)
    if tree is None:
        raise LineError("not an HTML page (nothing could be parsed)")
    found = trafilatura.bare_extraction(
        tree, with_metadata=True, include_comments=False, include_tables=False, include_images=False
    )
    body = (found.text or "").strip() if found is not None else ""
    if not body:
        raise LineError("no article found in this page (only navigation, or no text)")
    words = len(body.split())
    if words < MIN_ARTICLE_WORDS:
        raise LineError(f"no article found in this page (only {words} word(s) of text: navigation or a teaser?)")
    paragraphs = [line.strip() for line in body.split("\n") if line.strip()]
    title = (found.title or "").strip()
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)  # the headline is part of what analysts annotate
    meta = {
        key: value
        for key, value in (
            ("author", found.author),
            ("sitename", found.sitename),
            ("description", found.description),
            ("extractor", f"trafilatura {trafilatura.__version__}"),
        )
        if value
    }
    return Record(
        text=check_text("\n\n".join(paragraphs)),
        title=title or paragraphs[0][:200],
        url=found.url or "",
        published=found.date or "",
        meta=meta,
    )


def read(path: Path) -> ReadResult:
    return whole_file(path, article)
