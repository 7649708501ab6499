"""How analysts work, from the project's history: active time per annotator and per document
(pauses longer than :data:`IDLE_SECONDS` cut out), actions, and actions per hour.

Every change a person makes is in the history with its time. Between two consecutive changes
of one person, the time counts as work on the document of the second, unless it is longer than
the idle gap (a coffee, a meeting, the night): then the second change starts a new stretch,
which is credited :data:`FIRST_ACTION_SECONDS`. Changes less than a second apart are one action
(accepting a suggestion may also move or copy its links). Machines (pre-annotation,
imports) are not people and are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

#: A pause longer than this (seconds) is not work.
IDLE_SECONDS = 300
#: What the first action after a pause is credited (reading before acting).
FIRST_ACTION_SECONDS = 10
#: Changes closer than this (seconds) belong to one action.
ONE_ACTION_SECONDS = 1.0


@dataclass
class WorkTime:
    annotator: str
    seconds: float = 0.0
    actions: int = 0
    #: document id -> active seconds
    documents: dict[int, float] = field(default_factory=dict)
    #: day (YYYY-MM-DD) -> active seconds
    days: dict[str, float] = field(default_factory=dict)
    first: str = ""
    last: str = ""

    @property
    def per_hour(self) -> float:
        """Actions per active hour."""
        return self.actions / (self.seconds / 3600) if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 1),
            "actions": self.actions,
            "actions_per_hour": round(self.per_hour, 1),
            "documents": {str(k): round(v, 1) for k, v in sorted(self.documents.items())},
            "days": {k: round(v, 1) for k, v in sorted(self.days.items())},
            "first": self.first,
            "last": self.last,
        }


def work_time(
    rows: Iterable[tuple[str, str, int | None, int]],
    idle: float = IDLE_SECONDS,
    credits: dict[int, float] | None = None,
) -> dict[str, WorkTime]:
    """Annotator -> :class:`WorkTime`, from history rows (at as ISO 8601, annotator, document
    id, history id), in any order; ``credits`` receives each row's active seconds by its id."""
    by_person: dict[str, list[tuple[datetime, int | None, str, int]]] = defaultdict(list)
    for at, annotator, document_id, row_id in rows:
        by_person[annotator].append((datetime.fromisoformat(at), document_id, at, row_id))
    result = {}
    for annotator, changes in sorted(by_person.items()):
        changes.sort(key=lambda change: change[0])
        work = WorkTime(annotator, first=changes[0][2], last=changes[-1][2])
        previous: datetime | None = None
        for when, document_id, _, row_id in changes:
            gap = (when - previous).total_seconds() if previous is not None else None
            previous = when
            if gap is not None and gap < ONE_ACTION_SECONDS:
                credit = gap  # the same action
            else:
                work.actions += 1
                credit = gap if gap is not None and gap <= idle else FIRST_ACTION_SECONDS
            work.seconds += credit
            if credits is not None:
                credits[row_id] = credit
            if document_id is not None:
                work.documents[document_id] = work.documents.get(document_id, 0.0) + credit
            day = when.date().isoformat()
            work.days[day] = work.days.get(day, 0.0) + credit
        result[annotator] = work
    return result


def hours(seconds: float) -> str:
    """1 h 05 min, 12 min, 40 s."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{int(seconds // 60)} min"
    return f"{int(seconds)} s"
