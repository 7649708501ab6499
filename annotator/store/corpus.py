"""Across the corpus: full-text search, the occurrences of a phrase and tag all, tagged segments in
context."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from annotator.domain import MACHINES, Span, checkpoint, find_whole, overlaps
from annotator.store.rows import SpanRow, dump_json, like_prefix, span_state, sql_list


class Corpus:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def search(
        self,
        query: str,
        limit: int = 50,
        offset: int = 0,
        *,
        status: str | None = None,
        label: str | None = None,
        annotator: str | None = None,
    ) -> list[dict[str, Any]]:
        """Documents matching ``query`` (words, all of them; "quoted phrases"; accents ignored),
        best first, each with a snippet of context around the hits ([...] marks them).
        ``status``, ``label``, ``annotator``: only documents the list's filters let through."""
        clauses, params = self._document_filter(status, label, annotator, None)
        where = "".join(" AND " + clause for clause in clauses)
        ranked = self.sql.search_ranked(query, where)
        if ranked is None:
            return []
        sql, match = ranked
        return self._dicts(sql, (*match, *params, limit, offset))

    TAG_ALL = "tag-all"

    def occurrences(
        self,
        phrase: str,
        label: str,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[tuple[int, int, int]] | None:
        """(document, start, end) of every place in the corpus where ``phrase`` is written as
        whole words (same case), left out where a live span of ``label`` already has those
        offsets or a person's decision in ``label``'s layer overlaps it (decisions are never
        second-guessed). Candidates come from the full-text index, then are checked in the text,
        a thousand documents at a time: ``progress(done, total)`` after each, and None when
        ``should_stop()`` says so."""
        match = self.sql.search_match(f'"{phrase}"')
        if match is None or label not in self.schema.labels:
            return []
        layer = self.schema.layer_of(label)
        candidates = [r[0] for r in self.conn.execute(match[0], match[1])]
        found: list[tuple[int, int, int]] = []
        for begin in range(0, len(candidates), 1000):
            if progress is not None:
                progress(begin, len(candidates))
            if should_stop is not None and should_stop():
                return None
            texts = self.document_texts(candidates[begin : begin + 1000])
            hits = {document_id: find_whole(text, phrase) for document_id, text in texts.items()}
            hits = {document_id: places for document_id, places in hits.items() if places}
            if not hits:
                continue
            documents = json.dumps(sorted(hits))
            # spans of the label already there, and people's decisions in its layer, both read
            # through the index on (label, status, document)
            taken = set(
                self.conn.execute(
                    'SELECT document_id, start, "end" FROM spans WHERE label = ? '
                    f"AND status IN ('suggested', 'accepted') AND document_id IN ({self.sql.ids})",
                    (label, documents),
                )
            )
            decided = self.decided_ranges(sorted(hits), layer)
            for document_id in sorted(hits):
                mine = decided.get((document_id, layer), ())
                found += [
                    (document_id, start, end)
                    for start, end in hits[document_id]
                    if (document_id, start, end) not in taken
                    and not any(overlaps(start, end, a, b) for a, b, _label in mine)
                ]
        return found

    def tag_all(
        self,
        phrase: str,
        label: str,
        annotator: str,
        attributes: dict[str, Any] | None = None,
        places: Sequence[tuple[int, int, int]] | None = None,
        progress: Callable[[int, int], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> list[int]:
        """Add every occurrence of ``phrase`` (``places`` as counted by :meth:`occurrences`,
        else counted now) as an undecided suggestion of ``label`` by the rule annotator
        "tag-all", in one transaction; the analyst still decides each. Returns the new spans'
        ids (each in the history, and recorded for undo).

        ``progress(done, total)`` is called every few hundred places; when ``should_stop()``
        then says so, Cancelled is raised and nothing is added."""
        if places is None:
            places = self.occurrences(phrase, label) or []
        rule = self.annotator_id(self.TAG_ALL, "rule")
        layer = self.schema.layer_of(label)
        detail, values = f"tag all: {phrase}", dump_json(attributes or {})
        added = []
        with self.transaction():
            for done, (document_id, start, end) in enumerate(places):
                if done % self.PROGRESS_STEP == 0:
                    checkpoint(
                        done,
                        len(places),
                        progress,
                        should_stop,
                        f"tag all “{phrase}”: cancelled, nothing was added",
                    )
                span_id, new = self.insert_span_returning(
                    SpanRow(document_id, start, end, label, rule, "rule", detail, "suggested", values)
                )
                if not new:  # there since it was counted
                    continue
                span = Span(
                    span_id,
                    document_id,
                    start,
                    end,
                    label,
                    layer,
                    self.TAG_ALL,
                    "rule",
                    "suggested",
                    dict(attributes or {}),
                    origin_detail=detail,
                )  # what was written, without reading it back
                self._log("tag all", document_id, span.id, None, span_state(span), annotator, "span")
                added.append(span_id)
            if progress is not None:
                progress(len(places), len(places))
        return added

    def segments(
        self,
        *,
        label: str | None = None,
        attributes: dict[str, str] | None = None,
        link: tuple[str, str] | None = None,
        date_prefix: str | None = None,
        annotator: str | None = None,
        context: int = 60,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Tagged segments across the corpus as keyword-in-context rows: every accepted span of
        ``label`` whose ``attributes`` have these values, that has a link ``(link label, text of
        the span it points to)``, in documents published starting with ``date_prefix``."""
        clauses, params = ["s.status = 'accepted'", f"a.kind NOT IN {sql_list(MACHINES)}"], []
        if label:
            clauses.append("s.label = ?")
            params.append(label)
        for key, value in (attributes or {}).items():
            clauses.append(self.sql.json_path_equals("s.attributes"))
            params += ["$." + json.dumps(key), value]
        if link:
            clauses.append(
                "EXISTS (SELECT 1 FROM links k JOIN spans t ON t.id = k.tail_id WHERE k.head_id = s.id "
                'AND k.label = ? AND substr(d.text, t.start + 1, t."end" - t.start) = ?)'
            )
            params += list(link)
        if date_prefix:
            clauses.append("d.published LIKE ? ESCAPE '\\'")
            params.append(like_prefix(date_prefix))
        if annotator:
            clauses.append("a.name = ?")
            params.append(annotator)
        return self._dicts(
            f"""
            SELECT s.document_id, d.title, d.published, s.id AS span_id, s.start, s."end", s.label,
                   a.name AS annotator, s.attributes,
                   substr(d.text, {self.sql.greatest}(1, s.start + 1 - ?), {self.sql.least}(s.start, ?)) AS left_context,
                   substr(d.text, s.start + 1, s."end" - s.start) AS text,
                   substr(d.text, s."end" + 1, ?) AS right_context
            FROM spans s JOIN documents d ON d.id = s.document_id JOIN annotators a ON a.id = s.annotator_id
            WHERE {" AND ".join(clauses)}
            ORDER BY s.document_id, s.start LIMIT ? OFFSET ?
            """,
            [context, context, context, *params, limit, offset],
        )
