"""What an analyst does with a model's suggestions: accept (one, or all of a document in one
action), reject; the analyst's links follow the decisions."""

from __future__ import annotations

import json
from typing import Any

from annotator.domain import MACHINES, Change, Link, Occupied, Span
from annotator.errors import StoreError
from annotator.store.rows import SPAN_SELECT_UNDECIDED, link_state, now, span_from_row, span_state, sql_list


class Suggestions:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def suggestion_at(
        self, document_id: int, start: int, end: int, label: str | None = None, annotator: str | None = None
    ) -> int | None:
        """The id of a suggestion with exactly these offsets that is undecided (for
        ``annotator`` if given), if there is one; with ``label``, one of that label first, else
        one of its layer (a suggestion of the other layer on the same characters is not the one
        meant: an ORG is not taken as a SOURCE)."""
        # annotator_id IN (...) lets the identity index find the offsets directly
        rows = self.conn.execute(
            "SELECT s.id, s.label FROM spans s WHERE s.document_id = ? AND s.annotator_id IN (SELECT id FROM annotators) "
            f"AND s.start = ? AND s.\"end\" = ? AND {self.sql.unindexed.format('s.status')} = 'suggested' ORDER BY s.id",
            (document_id, start, end),
        ).fetchall()
        if annotator is not None and rows:  # the few found, each checked (not the article's every suggestion)
            rows = [row for row in rows if self.is_undecided(row[0], annotator)]
        if label is None:
            return rows[0][0] if rows else None
        if label not in self.schema.labels:
            return None  # adding it is refused with the reason
        layer = self.schema.layer_of(label)
        same = [span_id for span_id, other in rows if other == label]
        near = [span_id for span_id, other in rows if self.schema.labels[other].layer == layer]
        return (same or near or [None])[0]

    def accept_suggestion(self, suggestion_id: int, annotator: str, **changes: Any) -> Span:
        """The analyst takes a suggestion (optionally relabelled or resized by ``changes``): a
        decision of ``annotator`` that names it is created. The suggestion itself is not
        touched: it is the team's, and each person decides it for themselves."""
        self.annotator_id(annotator)
        with self.transaction():
            suggestion = self._undecided(suggestion_id, annotator)
            decision = self._add_span(
                suggestion.document_id,
                changes.get("start", suggestion.start),
                changes.get("end", suggestion.end),
                changes.get("label", suggestion.label),
                annotator,
                origin=suggestion.origin,
                attributes=changes.get("attributes", suggestion.attributes),
                suggestion_id=suggestion_id,
            )
            self._carry_links({suggestion_id: decision.id}, decision.document_id, annotator)
        return decision

    def _undecided(self, suggestion_id: int, annotator: str) -> Span:
        """The suggestion, if it is still undecided for ``annotator``; else StoreError."""
        row = self.conn.execute(
            SPAN_SELECT_UNDECIDED + " WHERE spans.id = ?", (annotator, annotator, suggestion_id)
        ).fetchone()
        if row is None:
            raise StoreError(f"no span with id {suggestion_id}")
        if not row[-1]:
            raise StoreError(f"span {suggestion_id} is not an undecided suggestion for {annotator}")
        return span_from_row(row)

    def accept_all_suggestions(self, document_id: int, annotator: str) -> tuple[int, int]:
        """Accept every undecided suggestion of a document as one action: ``(accepted, left)``.

        A suggestion the analyst already has (same offsets and label) is settled by it; one that
        would overlap a decision (or an earlier accepted suggestion) in an exclusive layer is
        left undecided for the analyst to settle. The document's spans are read once.
        """
        accepted = left = 0
        with self.transaction():
            spans = self.working_spans(document_id, annotator)
            have = set()
            chosen: list[Span] = []
            occupied: dict[str, Occupied] = {}
            for span in spans:
                if span.annotator == annotator and span.status == "accepted":
                    have.add((span.start, span.end, span.label))
                    occupied.setdefault(span.layer, Occupied(span.layer)).add(span.start, span.end)
            for span in spans:
                if span.status != "suggested":
                    continue
                key = (span.start, span.end, span.label)
                if key in have:
                    # another suggestion of the same label on the same characters (two
                    # pipelines agreeing): the decision taken from the first settles it
                    accepted += 1
                    continue
                taken = occupied.setdefault(span.layer, Occupied(span.layer))
                if taken.clashes(span.start, span.end):
                    left += 1
                    continue
                chosen.append(span)
                have.add(key)
                taken.add(span.start, span.end)
            accepted += len(chosen)
            self._accept_many(chosen, annotator)
        return accepted, left

    def _accept_many(self, suggestions: list[Span], annotator: str) -> None:
        """:meth:`accept_suggestion` for many suggestions of one document, checked by the caller
        (valid spans already, no clash, undecided for the analyst): a few statements, whatever
        their number, and the same rows, history and recorded changes as one by one."""
        if not suggestions:
            return
        document_id = suggestions[0].document_id
        annotator_id = self.annotator_id(annotator)
        stamp = now()
        ids = json.dumps([s.id for s in suggestions])
        decision_of = dict(
            self.conn.execute(
                'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, status, attributes, '
                "note, suggestion_id, created_at, updated_at) "
                "SELECT s.document_id, s.start, s.\"end\", s.label, ?, s.origin, 'accepted', s.attributes, '', "
                f"s.id, ?, ? FROM spans s WHERE s.id IN ({self.sql.ids}) "
                "RETURNING suggestion_id, id",
                (annotator_id, stamp, stamp, ids),
            ).fetchall()
        )
        changes: list[Change] = []
        for suggestion in suggestions:
            state = span_state(suggestion)
            decision_id = decision_of[suggestion.id]
            decision = {
                **state,
                "id": decision_id,
                "annotator": annotator,
                "status": "accepted",
                "note": "",
                "origin_detail": "",
                "suggestion_id": suggestion.id,
            }
            changes.append(Change("span", decision_id, None, decision))
        # The history's rows in one statement, their JSON made by the database (the same
        # states as the recorded changes)
        state = self.sql.json_object(
            "'id', s.id, 'document_id', s.document_id, 'start', s.start, 'end', s.\"end\", "
            "'label', s.label, 'annotator', a.name, 'origin', s.origin, 'status', {status}, "
            f"'attributes', {self.sql.as_json('s.attributes')}, 'note', s.note, 'origin_detail', s.origin_detail, "
            "'suggestion_id', s.suggestion_id"
        )
        rows = (
            "FROM spans s JOIN annotators a ON a.id = s.annotator_id "
            f"WHERE s.id IN ({self.sql.ids}) ORDER BY s.id"
        )
        self.conn.execute(
            "INSERT INTO history (at, annotator, action, document_id, span_id, before, after) "
            f"SELECT ?, ?, 'add span', s.document_id, s.id, NULL, {state.format(status='s.status')} {rows}",
            (stamp, annotator, json.dumps(list(decision_of.values()))),
        )
        if self._recorder is not None:
            self._recorder.extend(changes)
        self._carry_links(decision_of, document_id, annotator)
        self._touch_document(document_id, annotator)

    def _carry_links(self, moved: dict[int, int], document_id: int, annotator: str) -> None:
        """The links drawn to suggestions follow the decisions that replace them (``moved``:
        suggestion id -> decision id; accepted, relabelled, resized). The analyst's own links
        move. A link a pipeline proposed between spans that are not the analyst's (the team's
        suggestions, a colleague's decisions) stays for the others, and the analyst gets a copy
        between their decisions (theirs once both ends are their decisions, the pipeline's
        until then); a pipeline's link already on one of the analyst's spans moves, and becomes
        theirs once both ends are. Each move and copy is logged, so that undo puts it back; a
        link the decision already has is not doubled (a moved one is removed, logged)."""
        analyst_id = self.annotator_id(annotator)
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at, "
            "h.annotator_id = ? OR t.annotator_id = ? "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            "JOIN spans h ON h.id = links.head_id JOIN spans t ON t.id = links.tail_id "
            f"WHERE (head_id {self.sql.in_ids} OR tail_id {self.sql.in_ids}) "
            f"AND (annotators.name = ? OR annotators.kind IN {sql_list(MACHINES)}) ORDER BY links.id",
            (analyst_id, analyst_id, json.dumps(list(moved)), json.dumps(list(moved)), annotator),
        ).fetchall()

        def decided(span_id: int) -> tuple[int, bool | None]:
            """The analyst's decision that stands for a span, and whether there is one (None:
            a suggestion the analyst has refused)."""
            if span_id in moved:
                return moved[span_id], True
            decision = self.conn.execute(
                "SELECT id FROM spans WHERE suggestion_id = ? AND annotator_id = ? AND status = 'accepted'",
                (span_id, analyst_id),
            ).fetchone()
            if decision is not None:
                return decision[0], True
            own, suggested = self.conn.execute(
                "SELECT annotator_id = ? AND status = 'accepted', status = 'suggested' FROM spans WHERE id = ?",
                (analyst_id, span_id),
            ).fetchone()
            if suggested and not self.is_undecided(span_id, annotator):
                return span_id, None
            return span_id, bool(own)

        for *row, on_analysts in rows:
            link = Link(*row)
            (head, head_decided), (tail, tail_decided) = decided(link.head_id), decided(link.tail_id)
            if None in (head_decided, tail_decided):
                # an end the analyst refused: no link of theirs goes to it
                if link.annotator == annotator or on_analysts:
                    self.delete_link(link.id, annotator)
                continue
            owner = annotator if link.annotator == annotator or (head_decided and tail_decided) else link.annotator
            taken = self.conn.execute(
                "SELECT 1 FROM links WHERE head_id = ? AND tail_id = ? AND label = ? AND id != ?",
                (head, tail, link.label, link.id),
            ).fetchone()
            if link.annotator != annotator and not on_analysts:
                # the pipeline's link between the team's spans: the analyst's copy
                if not taken:
                    self._insert_link(head, tail, link.label, owner, document_id, annotator)
                continue
            if taken:
                self.delete_link(link.id, annotator)
                continue
            self.conn.execute(
                "UPDATE links SET head_id = ?, tail_id = ?, annotator_id = ? WHERE id = ?",
                (head, tail, self.annotator_id(owner), link.id),
            )
            after = Link(link.id, head, tail, link.label, owner, link.created_at)
            self._log(
                "move link",
                document_id,
                head,
                link_state(link, document_id),
                link_state(after, document_id),
                annotator,
                "link",
                link.id,
            )

    def reject_suggestion(self, suggestion_id: int, annotator: str) -> Span:
        """The analyst refuses a suggestion: the refusal is a row of theirs (status rejected,
        naming the suggestion), which stays for the team. The links the analyst drew to it go,
        and a pipeline's links from it to the analyst's own spans (each logged, so that undo
        brings them back): a link never points at a span its author no longer sees."""
        with self.transaction():
            suggestion = self._undecided(suggestion_id, annotator)
            machines = {
                name for name, kind in self.conn.execute("SELECT name, kind FROM annotators") if kind in MACHINES
            }
            analyst_id = self.annotator_id(annotator)
            for link in self.links_of(suggestion_id):
                other = link.tail_id if link.head_id == suggestion_id else link.head_id
                on_analysts = self.conn.execute(
                    "SELECT 1 FROM spans WHERE id = ? AND annotator_id = ?", (other, analyst_id)
                ).fetchone()
                if link.annotator == annotator or (link.annotator in machines and on_analysts):
                    self.delete_link(link.id, annotator)
            return self.add_span(
                suggestion.document_id,
                suggestion.start,
                suggestion.end,
                suggestion.label,
                annotator,
                origin=suggestion.origin,
                status="rejected",
                attributes=suggestion.attributes,
                suggestion_id=suggestion_id,
            )
