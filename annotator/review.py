"""Agreement between two sets of spans: pure functions, no SQL, no Qt.

Spans are compared within a document as ``(start, end, label)`` in characters. A is the
reference: precision is the share of B's spans that match A, recall the share of A's spans
that B matches.

- exact: same start, end and label;
- overlap: a span of B that overlaps a span of A with the same label (nervaluate's
  "ent_type" scheme), each span matched at most once;
- over tokens: each token gets the label of the span covering it, or O; Cohen's kappa and
  Krippendorff's alpha (nominal, two coders, no missing values) over those token labels.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from annotator.domain import Span, checkpoint, overlaps, simple_tokens, tokens_covering

if TYPE_CHECKING:  # the store is only passed through: review stays free of SQL
    from annotator.store import Store

Triple = tuple[int, int, str]


@dataclass
class Counts:
    """Matches for precision and recall: ``matched_a`` of ``support_a`` spans of A are found in
    B, ``matched_b`` of ``support_b`` spans of B are found in A."""

    matched_a: int = 0
    support_a: int = 0
    matched_b: int = 0
    support_b: int = 0

    def add(self, other: Counts) -> None:
        self.matched_a += other.matched_a
        self.support_a += other.support_a
        self.matched_b += other.matched_b
        self.support_b += other.support_b

    @property
    def precision(self) -> float:
        return self.matched_b / self.support_b if self.support_b else (1.0 if not self.support_a else 0.0)

    @property
    def recall(self) -> float:
        return self.matched_a / self.support_a if self.support_a else (1.0 if not self.support_b else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def exact_counts(a: Iterable[Triple], b: Iterable[Triple]) -> Counts:
    set_a, set_b = set(a), set(b)
    both = len(set_a & set_b)
    return Counts(both, len(set_a), both, len(set_b))


def overlap_counts(a: Sequence[Triple], b: Sequence[Triple]) -> Counts:
    """Overlap with the same label, each span matched at most once. Identical spans are paired
    first; the rest is a maximum matching (augmenting paths), so that the count never depends
    on the order of the spans."""
    a, b = sorted(set(a)), sorted(set(b))
    exact = set(a) & set(b)
    rest_a = [span for span in a if span not in exact]
    rest_b = [span for span in b if span not in exact]
    if not rest_a or not rest_b:  # the common case: nothing left to pair by overlap
        return Counts(len(exact), len(a), len(exact), len(b))
    starts_b = [span[0] for span in rest_b]
    candidates: list[list[int]] = []
    for start, end, label in rest_a:
        candidates.append(
            [
                other
                for other in range(bisect.bisect_left(starts_b, end))
                if rest_b[other][2] == label and overlaps(start, end, rest_b[other][0], rest_b[other][1])
            ]
        )
    owner: dict[int, int] = {}  # span of B -> span of A it is matched with

    def augment(index: int, seen: set[int]) -> bool:
        for other in candidates[index]:
            if other in seen:
                continue
            seen.add(other)
            if other not in owner or augment(owner[other], seen):
                owner[other] = index
                return True
        return False

    matched = len(exact) + sum(augment(index, set()) for index in range(len(rest_a)))
    return Counts(matched, len(a), matched, len(b))


def token_labels(spans: Iterable[Triple], starts: Sequence[int], ends: Sequence[int]) -> list[str]:
    """The label of each token: that of the span covering it (the first, in start order), or O."""
    labels = ["O"] * len(starts)
    for start, end, label in sorted(spans, key=lambda s: (s[0], -s[1])):
        for index in tokens_covering(start, end, starts, ends):
            if labels[index] == "O":
                labels[index] = label
    return labels


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two equally long label sequences (1.0 when both are constant and equal)."""
    n = len(a)
    if n == 0:
        return 1.0
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b.get(label, 0) for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else 0.0
    return (observed - expected) / (1 - expected)


def krippendorff_alpha(a: Sequence[str], b: Sequence[str]) -> float:
    """Krippendorff's alpha, nominal, two coders, every unit coded by both (coincidence
    matrix form): 1 - (n - 1) * disagreements_observed / disagreements_expected."""
    n_units = len(a)
    if n_units == 0:
        return 1.0
    values = Counter(a) + Counter(b)
    n = 2 * n_units
    disagreement_observed = sum(x != y for x, y in zip(a, b, strict=True)) * 2
    disagreement_expected = (n * n - sum(count * count for count in values.values())) / (n - 1)
    if disagreement_expected == 0:
        return 1.0
    return 1.0 - disagreement_observed / disagreement_expected


@dataclass
class Agreement:
    n_docs: int = 0
    exact: Counts = field(default_factory=Counts)
    overlap: Counts = field(default_factory=Counts)
    by_label: dict[str, Counts] = field(default_factory=dict)
    tokens_a: list[str] = field(default_factory=list)
    tokens_b: list[str] = field(default_factory=list)
    by_document: dict[int, float] = field(default_factory=dict)

    @property
    def token_kappa(self) -> float:
        return cohen_kappa(self.tokens_a, self.tokens_b)

    @property
    def krippendorff_alpha(self) -> float:
        return krippendorff_alpha(self.tokens_a, self.tokens_b)

    def confusion(self) -> dict[tuple[str, str], int]:
        """Token counts by (A's label, B's label), O included."""
        return dict(Counter(zip(self.tokens_a, self.tokens_b, strict=True)))

    def as_dict(self) -> dict:
        return {
            "n_docs": self.n_docs,
            "exact_f1": round(self.exact.f1, 6),
            "exact_precision": round(self.exact.precision, 6),
            "exact_recall": round(self.exact.recall, 6),
            "overlap_f1": round(self.overlap.f1, 6),
            "token_kappa": round(self.token_kappa, 6),
            "krippendorff_alpha": round(self.krippendorff_alpha, 6),
            "by_label": {
                label: {
                    "precision": round(c.precision, 6),
                    "recall": round(c.recall, 6),
                    "f1": round(c.f1, 6),
                    "support_a": c.support_a,
                    "support_b": c.support_b,
                }
                for label, c in sorted(self.by_label.items())
            },
        }


def compare_document(
    agreement: Agreement,
    document_id: int,
    a: Sequence[Triple],
    b: Sequence[Triple],
    token_starts: Sequence[int],
    token_ends: Sequence[int],
) -> None:
    """Add one document's comparison to ``agreement``."""
    agreement.n_docs += 1
    set_a, set_b = set(a), set(b)
    shared = set_a & set_b
    exact = Counts(len(shared), len(set_a), len(shared), len(set_b))
    agreement.exact.add(exact)
    agreement.overlap.add(overlap_counts(a, b))
    in_a, in_b, in_both = (Counter(span[2] for span in spans) for spans in (set_a, set_b, shared))
    for label in in_a.keys() | in_b.keys():
        agreement.by_label.setdefault(label, Counts()).add(
            Counts(in_both[label], in_a[label], in_both[label], in_b[label])
        )
    agreement.tokens_a += token_labels(a, token_starts, token_ends)
    agreement.tokens_b += token_labels(b, token_starts, token_ends)
    agreement.by_document[document_id] = exact.f1


#: Documents compared between two progress reports.
PROGRESS_STEP = 250


def agreement(
    store: Store,
    a: str,
    b: str,
    layer: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Agreement:
    """Agreement of B with A over every document where either has a span (of ``layer``).

    Documents are compared in the order of their ids: ``progress(id, last id)`` every few
    hundred documents; when ``should_stop()`` then says so, Cancelled is raised."""
    result = Agreement()
    last = store.last_document_id() if progress is not None else 0
    for compared, (document_id, spans_a, spans_b, tokens, text) in enumerate(store.comparison(a, b, layer)):
        if compared % PROGRESS_STEP == 0:
            checkpoint(document_id, last, progress, should_stop, f"agreement of {b} with {a}: cancelled")
        starts, ends = tokens if tokens is not None else simple_tokens(text)
        compare_document(result, document_id, spans_a, spans_b, starts, ends)
    return result


def document_label_agreement(store: Store, a: str, b: str) -> dict[str, dict[str, float | int]]:
    """Per document label, over the articles where both A and B set it: how many, the share
    where they chose the same, Cohen's kappa and Krippendorff's alpha (a label of several
    values compares the set chosen)."""
    labels = store.all_document_labels((a, b))
    result = {}
    for name in store.schema.document_labels:
        pairs = [
            tuple(";".join(sorted(v)) if isinstance(v, list) else v for v in (by[a][name], by[b][name]))
            for by in labels.values()
            if name in by.get(a, {}) and name in by.get(b, {})
        ]
        if not pairs:
            continue
        first, second = [p[0] for p in pairs], [p[1] for p in pairs]
        result[name] = {
            "documents": len(pairs),
            "agreement": round(sum(x == y for x, y in pairs) / len(pairs), 6),
            "kappa": round(cohen_kappa(first, second), 6),
            "alpha": round(krippendorff_alpha(first, second), 6),
        }
    return result


def model_report(outcomes: dict[str, int]) -> dict[str, float | int]:
    """The model measured against the analyst: a suggestion taken as it was is a hit; every
    suggestion the analyst decided counts for precision; every decision for recall."""
    decided = sum(outcomes[k] for k in ("accepted", "relabelled", "resized", "rejected"))
    decisions = sum(outcomes[k] for k in ("accepted", "relabelled", "resized", "missed"))
    return {
        **outcomes,
        "precision": round(outcomes["accepted"] / decided, 6) if decided else 0.0,
        "recall": round(outcomes["accepted"] / decisions, 6) if decisions else 0.0,
    }


@dataclass
class Difference:
    """One place where A and B differ in a document (or agree, kind "agreed")."""

    kind: str  # agreed, only_a, only_b, label, boundary, attributes
    a: Span | None
    b: Span | None

    @property
    def start(self) -> int:
        return min(s.start for s in (self.a, self.b) if s is not None)

    def explain(self, text: str) -> str:
        """One plain line: what A did, what B did."""

        def quoted(span: Span) -> str:
            return "«" + " ".join(text[span.start : span.end].split()) + "»"

        a, b = self.a, self.b
        if self.kind == "agreed":
            return f"Both tagged {quoted(a)} {a.label}"
        if self.kind == "only_a":
            return f"A tagged {quoted(a)} {a.label}; B did not"
        if self.kind == "only_b":
            return f"B tagged {quoted(b)} {b.label}; A did not"
        if self.kind == "label":
            return f"Both tagged {quoted(a)}: A says {a.label}, B says {b.label}"
        if self.kind == "boundary":
            return f"Boundaries differ: A {quoted(a)}, B {quoted(b)} ({a.label})"
        changed = sorted(
            k for k in a.attributes.keys() | b.attributes.keys() if a.attributes.get(k) != b.attributes.get(k)
        )
        details = ", ".join(f"{k} A={a.attributes.get(k, '—')} B={b.attributes.get(k, '—')}" for k in changed)
        return f"Same {a.label} {quoted(a)}; attributes differ: {details}"


def differences(a: Sequence[Span], b: Sequence[Span]) -> list[Difference]:
    """Pair A's and B's spans of one document and say how each pair differs, in text order:
    identical offsets first (agreed, attributes or label), then overlapping spans of the same
    label (boundary), then what is left on one side only."""
    result: list[Difference] = []
    left_b = list(b)
    left_a = []
    for span in a:
        same = next(
            (o for o in left_b if (o.start, o.end, o.label) == (span.start, span.end, span.label)), None
        )
        if same is None:
            same = next((o for o in left_b if (o.start, o.end) == (span.start, span.end)), None)
        if same is None:
            left_a.append(span)
            continue
        left_b.remove(same)
        if same.label != span.label:
            kind = "label"
        elif same.attributes != span.attributes:
            kind = "attributes"
        else:
            kind = "agreed"
        result.append(Difference(kind, span, same))
    unmatched_a = []
    for span in left_a:
        close = [
            o for o in left_b if o.label == span.label and overlaps(span.start, span.end, o.start, o.end)
        ]
        if close:
            best = max(close, key=lambda o: min(o.end, span.end) - max(o.start, span.start))
            left_b.remove(best)
            result.append(Difference("boundary", span, best))
        else:
            unmatched_a.append(span)
    result += [Difference("only_a", span, None) for span in unmatched_a]
    result += [Difference("only_b", None, span) for span in left_b]
    return sorted(result, key=lambda d: (d.start, d.kind))


#: The kinds of :class:`Difference`, with what each means.
KINDS = {
    "agreed": "same span, label and attributes",
    "only_a": "only A tagged it",
    "only_b": "only B tagged it",
    "label": "same span, different label",
    "boundary": "overlapping spans of one label, different boundaries",
    "attributes": "same span and label, different attributes",
}


def settled(difference: Difference, gold: Sequence[Span]) -> bool:
    """Whether the gold set already decides this difference: it holds A's or B's span (kept,
    or recorded as rejected)."""
    keys = {(s.start, s.end, s.label) for s in gold}
    return any(
        span is not None and (span.start, span.end, span.label) in keys
        for span in (difference.a, difference.b)
    )
