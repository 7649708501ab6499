"""What a review and the statistics read: two annotators' spans document by document, what became
of a model's suggestions, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from annotator.domain import DOCUMENT_STATUSES, MACHINES, Span
from annotator.errors import StoreError
from annotator.store.rows import unpack_offsets


class Comparison:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def comparison(
        self, a: str, b: str, layer: str | None = None
    ) -> Iterator[
        tuple[
            int,
            list[tuple[int, int, str]],
            list[tuple[int, int, str]],
            tuple[list[int], list[int]] | None,
            str,
        ]
    ]:
        """For each document where A or B has a span: (document id, A's spans, B's spans, stored
        token boundaries or None, the text when there are none). A person's spans are their
        accepted ones; a model's or a rule's are all it suggested, whatever became of them."""
        sides = {}
        for side, name in (("a", a), ("b", b)):
            kind = self.annotator_kind(name)
            if kind is None:
                raise StoreError(f"no annotator named {name!r} in {self.shown_path}")
            sides[side] = (name, kind in MACHINES)
        layer_join, layer_clause, layer_params = (
            ("JOIN labels l ON l.name = s.label", "AND l.layer = ?", [layer]) if layer else ("", "", [])
        )

        def stream(name: str, everything: bool) -> Iterator[tuple[int, list[tuple[int, int, str]]]]:
            rows = self.conn.execute(
                f'SELECT s.document_id, s.start, s."end", s.label FROM spans s {layer_join} '
                f"WHERE s.annotator_id = (SELECT id FROM annotators WHERE name = ?) "
                f"AND (? OR s.status = 'accepted') {layer_clause} ORDER BY s.document_id, s.start",
                [name, everything, *layer_params],
            )
            for document_id, group in groupby(rows, key=itemgetter(0)):
                yield document_id, [row[1:] for row in group]

        # token boundaries (or the text, to make them), walked in the same order
        documents = self.conn.execute(
            "SELECT d.id, t.offsets, CASE WHEN t.offsets IS NULL THEN d.text ELSE '' END "
            "FROM documents d LEFT JOIN tokens t ON t.document_id = d.id ORDER BY d.id"
        )
        stream_a, stream_b = stream(*sides["a"]), stream(*sides["b"])
        next_a, next_b = next(stream_a, None), next(stream_b, None)
        while next_a is not None or next_b is not None:
            document_id = min(item[0] for item in (next_a, next_b) if item is not None)
            spans_a: list = []
            spans_b: list = []
            if next_a is not None and next_a[0] == document_id:
                spans_a, next_a = next_a[1], next(stream_a, None)
            if next_b is not None and next_b[0] == document_id:
                spans_b, next_b = next_b[1], next(stream_b, None)
            yield self._comparison_row(document_id, spans_a, spans_b, documents)

    @staticmethod
    def _comparison_row(document_id: int, spans_a: list, spans_b: list, documents: Any) -> tuple:
        for other_id, offsets, text in documents:
            if other_id == document_id:
                return (
                    document_id,
                    spans_a,
                    spans_b,
                    unpack_offsets(offsets) if offsets is not None else None,
                    text,
                )
        raise StoreError(f"document {document_id} vanished during the comparison")

    def review_spans(self, document_id: int, name: str) -> list[Span]:
        """An annotator's spans as a review compares them: a person's (or gold's) accepted
        ones; a model's every suggestion."""
        kind = self.annotator_kind(name)
        if kind is None:
            return []
        status = None if kind in MACHINES else "accepted"
        return self.spans(document_id, annotator=name, status=status)

    def suggestion_outcomes(self, analyst: str, model: str) -> dict[str, int]:
        """What became of a model's suggestions in an analyst's hands: accepted as they were,
        relabelled, resized, rejected, still undecided; and the analyst's decisions the model
        never suggested (missed)."""
        counts = dict.fromkeys(("accepted", "relabelled", "resized", "rejected", "undecided", "missed"), 0)
        for status, decision_start, decision_end, decision_label, start, end, label in self.conn.execute(
            """
            SELECT COALESCE(d.status, x.status, m.status), COALESCE(d.start, x.start),
                   COALESCE(d."end", x."end"), COALESCE(d.label, x.label), m.start, m."end", m.label
            FROM spans m JOIN annotators ma ON ma.id = m.annotator_id
            LEFT JOIN spans d ON d.suggestion_id = m.id AND d.annotator_id = (SELECT id FROM annotators WHERE name = ?)
            LEFT JOIN spans x ON d.id IS NULL AND x.document_id = m.document_id
                AND x.annotator_id = (SELECT id FROM annotators WHERE name = ?)
                AND x.start = m.start AND x."end" = m."end" AND x.label = m.label
            WHERE ma.name = ?
            """,
            (analyst, analyst, model),
        ):
            # the analyst's decision or rejection naming the suggestion, else their span with
            # its place and label (both settle it: rows.undecided); else what the project
            # settled before fates were each person's (then an acceptance was someone's)
            if status == "suggested":
                counts["undecided"] += 1
            elif status == "rejected" or decision_start is None:
                counts["rejected"] += 1
            elif (decision_start, decision_end) != (start, end):
                counts["resized"] += 1
            elif decision_label != label:
                counts["relabelled"] += 1
            else:
                counts["accepted"] += 1
        counts["missed"] = self.conn.execute(
            "SELECT count(*) FROM spans d JOIN annotators a ON a.id = d.annotator_id "
            "WHERE a.name = ? AND d.status = 'accepted' AND d.suggestion_id IS NULL",
            (analyst,),
        ).fetchone()[0]
        return counts

    def stats(self) -> dict[str, Any]:
        """Counts of documents by status and of spans by layer, label, annotator, origin, status."""
        documents = {status: 0 for status in DOCUMENT_STATUSES}
        for status, count in self.conn.execute("SELECT status, count(*) FROM documents GROUP BY status"):
            documents[status] = count
        # One pass over the spans, counted by every key at once (five GROUP BY queries would
        # read millions of spans five times over).
        layers = dict(self.conn.execute("SELECT name, layer FROM labels"))
        names = dict(self.conn.execute("SELECT id, name FROM annotators"))
        combined = Counter(self.conn.execute("SELECT label, annotator_id, origin, status FROM spans"))
        by: dict[str, Counter[str]] = {
            key: Counter() for key in ("layer", "label", "annotator", "origin", "status")
        }
        for (label, annotator_id, origin, status), count in combined.items():
            for key, value in (
                ("layer", layers[label]),
                ("label", label),
                ("annotator", names[annotator_id]),
                ("origin", origin),
                ("status", status),
            ):
                by[key][value] += count
        spans = {
            key: dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
            for key, counts in by.items()
        }
        total_documents = sum(documents.values())
        total_spans = sum(combined.values())
        return {
            "database": self.path,
            "documents": {"total": total_documents, "by_status": documents},
            "spans": {"total": total_spans, **{f"by_{k}": v for k, v in spans.items()}},
        }
