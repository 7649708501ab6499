"""What an analyst does with a model's suggestions: accept (one, or all of a document in one
action), reject; the analyst's links follow the decisions."""

from __future__ import annotations

import json
from typing import Any

from annotator.domain import MACHINES, Change, Link, Occupied, Span
from annotator.errors import StoreError
from annotator.store.rows import link_state, now, span_state, sql_list


class Suggestions:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def suggestion_at(self, document_id: int, start: int, end: int, label: str | None = None) -> int | None:
        """The id of an undecided suggestion with exactly these offsets, if there is one; with
        ``label``, one of that label first, else one of its layer (a suggestion of the other
        layer on the same characters is not the one meant: an ORG is not taken as a SOURCE)."""
        # annotator_id IN (...) lets the identity index find the offsets directly
        rows = self.conn.execute(
            "SELECT id, label FROM spans WHERE document_id = ? AND annotator_id IN (SELECT id FROM annotators) "
            f"AND start = ? AND \"end\" = ? AND {self.sql.unindexed.format('status')} = 'suggested' ORDER BY id",
            (document_id, start, end),
        ).fetchall()
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
        decision of ``annotator`` is created, and the suggestion keeps its fate as 'accepted'."""
        with self.transaction():
            suggestion = self.span(suggestion_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {suggestion_id} is not an undecided suggestion")
            self.update_span(suggestion_id, annotator, status="accepted")
            decision = self.add_span(
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
                    self.update_span(span.id, annotator, status="accepted")
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
        (valid spans already, no clash): a few statements, whatever their number, and the
        same rows, history and recorded changes as one by one."""
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
        self.conn.execute(
            f"UPDATE spans SET status = 'accepted', updated_at = ? WHERE id IN ({self.sql.ids})",
            (stamp, ids),
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
            changes.append(Change("span", suggestion.id, state, {**state, "status": "accepted"}))
            changes.append(Change("span", decision_id, None, decision))
        # The history's rows in two statements, their JSON made by the database (the same
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
            f"SELECT ?, ?, 'update span', s.document_id, s.id, {state.format(status=repr('suggested'))}, "
            f"{state.format(status=repr('accepted'))} {rows}",
            (stamp, annotator, ids),
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
        suggestion id -> decision id; accepted, relabelled, resized): the analyst's own links,
        and those a pipeline proposed (whose other end, if already accepted, goes to the
        analyst's decision too), which become the analyst's once both ends are the analyst's
        decisions. Each move is logged so that undo puts it back; a link the decision already
        has is not doubled (the old one is removed, logged)."""
        rows = self.conn.execute(
            "SELECT links.id, head_id, tail_id, links.label, annotators.name, links.created_at "
            "FROM links JOIN annotators ON annotators.id = links.annotator_id "
            f"WHERE (head_id IN ({self.sql.ids}) OR tail_id IN ({self.sql.ids})) "
            f"AND (annotators.name = ? OR annotators.kind IN {sql_list(MACHINES)}) ORDER BY links.id",
            (json.dumps(list(moved)), json.dumps(list(moved)), annotator),
        ).fetchall()
        analyst_id = self.annotator_id(annotator)

        def decided(span_id: int) -> tuple[int, bool]:
            """The analyst's decision that stands for a span, and whether there is one."""
            if span_id in moved:
                return moved[span_id], True
            decision = self.conn.execute(
                "SELECT id FROM spans WHERE suggestion_id = ? AND annotator_id = ? AND status = 'accepted'",
                (span_id, analyst_id),
            ).fetchone()
            if decision is not None:
                return decision[0], True
            own = self.conn.execute(
                "SELECT 1 FROM spans WHERE id = ? AND annotator_id = ? AND status = 'accepted'", (span_id, analyst_id)
            ).fetchone()
            return span_id, own is not None

        for row in rows:
            link = Link(*row)
            (head, head_decided), (tail, tail_decided) = decided(link.head_id), decided(link.tail_id)
            owner = annotator if link.annotator == annotator or (head_decided and tail_decided) else link.annotator
            taken = self.conn.execute(
                "SELECT 1 FROM links WHERE head_id = ? AND tail_id = ? AND label = ? AND id != ?",
                (head, tail, link.label, link.id),
            ).fetchone()
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
        """The analyst refuses a suggestion: its fate is kept, and the links the analyst drew
        to it, or a pipeline proposed, go (logged, so that undo brings them back): a link never
        points at a span its author no longer sees."""
        with self.transaction():
            suggestion = self.span(suggestion_id)
            if suggestion.status != "suggested":
                raise StoreError(f"span {suggestion_id} is not an undecided suggestion")
            machines = {
                name for name, kind in self.conn.execute("SELECT name, kind FROM annotators") if kind in MACHINES
            }
            for link in self.links_of(suggestion_id):
                if link.annotator == annotator or link.annotator in machines:
                    self.delete_link(link.id, annotator)
            return self.update_span(suggestion_id, annotator, status="rejected")
