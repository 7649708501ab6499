"""What the corpus holds, label by label: which labels overlap in the text or occur together in
an article (a code co-occurrence table, as QDA tools make), and how often each label occurs by
a document's attribute (month, source, language, status, or a metadata key).

Both read the spans an export would take (a :class:`~annotator.domain.Selection`: by default
the accepted decisions of people), one article at a time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

from annotator.domain import Document, Selection, Span
from annotator.formats.writing import iter_documents
from annotator.store import Store

#: What ``frequencies`` groups documents by.
GROUPS = ("month", "year", "source", "lang", "status")


@dataclass
class Cooccurrence:
    labels: list[str] = field(default_factory=list)
    #: (label, label) in schema order -> spans of the two that overlap in the text
    overlap: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: (label, label) -> articles holding both; (label, label) of one label: articles holding it
    documents: Counter[tuple[str, str]] = field(default_factory=Counter)
    articles: int = 0

    def rows(self, kind: str) -> list[list[object]]:
        """The table as rows: a header of labels, then each label with its counts."""
        table = self.overlap if kind == "overlap" else self.documents
        rows: list[list[object]] = [["label", *self.labels]]
        for a in self.labels:
            rows.append([a, *(table[tuple(sorted((a, b), key=self.labels.index))] for b in self.labels)])
        return rows

    def as_dict(self) -> dict:
        return {
            "labels": self.labels,
            "articles": self.articles,
            "overlap": self.rows("overlap"),
            "documents": self.rows("documents"),
        }


def _ordered(labels: Iterable[str], order: list[str]) -> tuple[str, ...]:
    return tuple(
        sorted(labels, key=lambda label: (order.index(label) if label in order else len(order), label))
    )


def cooccurrence(store: Store, selection: Selection | None = None) -> Cooccurrence:
    """Overlapping spans and shared articles for every pair of labels."""
    order = list(store.schema.labels)
    result = Cooccurrence()
    seen: set[str] = set()
    for _document, spans, _links, _tokens in iter_documents(store, selection or Selection()):
        result.articles += 1
        present = {span.label for span in spans}
        seen |= present
        for label in present:
            result.documents[(label, label)] += 1
        for pair in combinations(_ordered(present, order), 2):
            result.documents[pair] += 1
        result.overlap.update(_overlapping_pairs(spans, order))
    result.labels = list(_ordered(seen, order))
    return result


def _overlapping_pairs(spans: list[Span], order: list[str]) -> Counter[tuple[str, str]]:
    """Pairs of spans of different labels that share characters (a QUOTE over a PER), counted
    once each; spans sorted by start, each compared with those that begin before it ends."""
    pairs: Counter[tuple[str, str]] = Counter()
    ordered = sorted(spans, key=lambda span: (span.start, span.end))
    for index, span in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other.start >= span.end:
                break
            if other.label != span.label:
                pairs[_ordered((span.label, other.label), order)] += 1
    return pairs


def group_key(by: str) -> Callable[[Document], str]:
    """A document's group: ``month``, ``year``, ``source``, ``lang``, ``status`` or
    ``meta:KEY`` (a metadata field); "(none)" where it has none."""
    if by.startswith("meta:"):
        key = by[5:]
        return lambda document: str(document.meta.get(key, "")) or "(none)"
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}: use {', '.join(GROUPS)} or meta:KEY")
    if by in ("month", "year"):
        width = 7 if by == "month" else 4
        return lambda document: (
            document.published[:width] if len(document.published) >= width else "(no date)"
        )
    return lambda document: str(getattr(document, by)) or "(none)"


def frequencies(store: Store, by: str, selection: Selection | None = None) -> dict[str, Counter[str]]:
    """Group -> label -> spans, groups in order."""
    key = group_key(by)
    counts: dict[str, Counter[str]] = {}
    for document, spans, _links, _tokens in iter_documents(store, selection or Selection()):
        counts.setdefault(key(document), Counter()).update(span.label for span in spans)
    return dict(sorted(counts.items()))
