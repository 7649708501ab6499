"""Who annotates which article: assignments given by a reviewer or taken with "next", each article
to ``overlap`` people (as Prodigy's feed_overlap), and when each person finished theirs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from annotator.errors import StoreError
from annotator.store.rows import now

#: The project setting that says to how many people each article goes.
OVERLAP_SETTING = "overlap"


class Assignments:
    """Part of :class:`annotator.store.Store` (which composes every part over one connection)."""

    def overlap(self) -> int:
        """To how many people each article goes (1 unless set)."""
        return int(self.setting(OVERLAP_SETTING) or 1)

    def set_overlap(self, people: int) -> None:
        if people < 1:
            raise StoreError("each article goes to at least one person")
        self.set_setting(OVERLAP_SETTING, people)

    def assign(self, document_ids: Sequence[int], annotator: str, by: str) -> int:
        """Give these documents to ``annotator`` (those they already have are kept): how many
        were new. One logged action."""
        annotator_id = self.annotator_id(annotator)
        added = 0
        with self.transaction():
            for document_id in document_ids:
                added += self._assign_one(document_id, annotator_id, by)
            if added:
                self._log("assign", None, None, None, {"annotator": annotator, "documents": added}, by)
        return added

    def _assign_one(self, document_id: int, annotator_id: int, by: str) -> int:
        inserted = self.conn.execute(
            "INSERT INTO assignments (document_id, annotator_id, assigned_at, assigned_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (document_id, annotator_id, now(), by),
        ).rowcount
        if inserted:
            self.conn.execute("UPDATE documents SET assigned = assigned + 1 WHERE id = ?", (document_id,))
        return inserted

    def unassign(self, document_ids: Sequence[int], annotator: str, by: str) -> int:
        annotator_id = self.annotator_id(annotator)
        removed = 0
        with self.transaction():
            for document_id in document_ids:
                gone = self.conn.execute(
                    "DELETE FROM assignments WHERE document_id = ? AND annotator_id = ?", (document_id, annotator_id)
                ).rowcount
                if gone:
                    self.conn.execute("UPDATE documents SET assigned = assigned - 1 WHERE id = ?", (document_id,))
                removed += gone
            if removed:
                self._log("unassign", None, None, None, {"annotator": annotator, "documents": removed}, by)
        return removed

    def next_assignment(self, annotator: str) -> int | None:
        """The next article for ``annotator``: their oldest unfinished assignment, else a new one
        taken now (an article given to fewer than ``overlap`` people and not to them, those
        already given to others first, so that each reaches its K people soon, even once one
        of them has marked it done), else None when every article has its people."""
        annotator_id = self.annotator_id(annotator)
        row = self.conn.execute(
            "SELECT document_id FROM assignments WHERE annotator_id = ? AND done_at IS NULL "
            "ORDER BY document_id LIMIT 1",
            (annotator_id,),
        ).fetchone()
        if row is not None:
            return row[0]
        overlap = self.overlap()
        with self.transaction():
            if self.server:  # two people asking at once never take the same last place
                self.conn.execute("SELECT pg_advisory_xact_lock(4243)")
            for taken in range(overlap - 1, -1, -1):
                # an article someone was given stays open to its other places when they finish
                # it (its shared status says done); one finished before anyone was given it,
                # or reviewed, is not dealt out
                open_statuses = "('new', 'in_progress', 'done')" if taken else "('new', 'in_progress')"
                # the count written in the statement, not a parameter: each has a plan of its
                # own (a server's plan for any count walked all 100,000 articles in id order,
                # 60 ms, when none had one person)
                row = self.conn.execute(
                    f"SELECT d.id FROM documents d WHERE d.assigned = {int(taken)} AND d.status IN {open_statuses} "
                    "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.document_id = d.id AND a.annotator_id = ?) "
                    "ORDER BY d.id LIMIT 1",
                    (annotator_id,),
                ).fetchone()
                if row is not None:
                    self._assign_one(row[0], annotator_id, annotator)
                    return row[0]
        return None

    def finish_assignment(self, document_id: int, annotator: str, done: bool = True) -> None:
        """Mark ``annotator``'s assignment of the document finished (or not), if they have one."""
        self.conn.execute(
            "UPDATE assignments SET done_at = ? WHERE document_id = ? "
            "AND annotator_id = (SELECT id FROM annotators WHERE name = ?)",
            (now() if done else None, document_id, annotator),
        )

    def assignments(self, annotator: str | None = None) -> list[dict[str, Any]]:
        """Every assignment (of one annotator), by document."""
        where, params = ("WHERE a.name = ?", (annotator,)) if annotator else ("", ())
        return self._dicts(
            "SELECT s.document_id, a.name AS annotator, s.assigned_at, s.assigned_by, s.done_at "
            f"FROM assignments s JOIN annotators a ON a.id = s.annotator_id {where} "
            "ORDER BY s.document_id, a.name",
            params,
        )

    def assignment_progress(self) -> list[dict[str, Any]]:
        """Per person: articles assigned, finished, left."""
        return self._dicts(
            "SELECT a.name AS annotator, count(*) AS assigned, count(s.done_at) AS done, "
            "count(*) - count(s.done_at) AS open FROM assignments s JOIN annotators a ON a.id = s.annotator_id "
            "GROUP BY a.name ORDER BY a.name"
        )
