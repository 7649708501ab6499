"""Plain data and the rules about it: no Qt, no SQL.

Offsets everywhere are character offsets into the document's text (Python ``str`` indices,
i.e. Unicode code points), ``start`` inclusive and ``end`` exclusive, as spaCy's
``Doc.char_span``, Prodigy and doccano use them. The rules that other modules must not
restate live here once: :func:`check_offsets`, :func:`overlaps`, :func:`snap_to_tokens`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from annotator.errors import Cancelled, InvalidSpanError, OverlapError

ENTITIES = "entities"
ANALYSIS = "analysis"
LAYERS = (ENTITIES, ANALYSIS)
#: Layers in which two spans of one annotator may not overlap (exported as ``doc.ents``).
EXCLUSIVE_LAYERS = frozenset({ENTITIES})

DOCUMENT_STATUSES = ("new", "in_progress", "done", "reviewed")
SPAN_STATUSES = ("suggested", "accepted", "rejected")
ORIGINS = ("model", "rule", "manual", "import")
ANNOTATOR_KINDS = ("human", "model", "rule", "import", "gold")
#: Who counts as whom, in one place (every query and check uses these):
#: machines suggest (whatever their spans' status, none of it is a person's decision);
MACHINES = ("model", "rule")
#: people's work is everything else (exported, merged, counted as decided);
PEOPLE = ("human", "import", "gold")
#: deciders are the people who decide in the window (tag all never second-guesses them).
DECIDERS = ("human", "gold")

#: Longest text accepted for one document, in characters. Large enough for a 1,000,000-character
#: article; a larger "document" is nearly always a wrong file.
MAX_TEXT_CHARS = 10_000_000


def text_sha256(text: str) -> str:
    """The key that identifies a text across databases: sha256 of its UTF-8 bytes, hex."""
    import hashlib  # here: the window's start-up does not need it

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class AttributeDef:
    """An attribute of a label: ``values`` lists the allowed values, or is empty for free text."""

    name: str
    values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Label:
    name: str
    layer: str
    colour: str
    shortcut: str = ""
    description: str = ""
    attributes: tuple[AttributeDef, ...] = ()


@dataclass(frozen=True)
class DocumentLabel:
    """A label of the whole article (stance, reliability, topics): one of ``values``, or
    several when ``multiple``."""

    name: str
    values: tuple[str, ...]
    multiple: bool = False
    description: str = ""


@dataclass(frozen=True)
class LinkLabel:
    """A relation from a span of one of ``heads`` to a span of one of ``tails``."""

    name: str
    heads: tuple[str, ...] = ()
    tails: tuple[str, ...] = ()
    description: str = ""


@dataclass
class Schema:
    labels: dict[str, Label] = field(default_factory=dict)
    link_labels: dict[str, LinkLabel] = field(default_factory=dict)
    #: model label -> schema label (e.g. PERSON -> PER); a model label absent here and from
    #: ``labels`` is dropped.
    label_map: dict[str, str] = field(default_factory=dict)
    #: language code -> spaCy pipeline name or path.
    models: dict[str, str] = field(default_factory=dict)
    default_language: str = "es"
    #: analysis label of rule matches -> entity label also suggested over the same characters
    #: (a gazetteer hit for KCNA is a SOURCE and also an ORG).
    rule_entities: dict[str, str] = field(default_factory=dict)
    #: analysis label -> attribute that receives the pattern's id (SOURCE -> agency).
    rule_id_attribute: dict[str, str] = field(default_factory=dict)
    #: Labels of whole articles, by name, in the schema's order.
    document_labels: dict[str, DocumentLabel] = field(default_factory=dict)

    def layer_of(self, label: str) -> str:
        return self.labels[label].layer

    def map_model_label(self, label: str) -> str | None:
        """The schema label for a label a model or a file uses, or None if it has none."""
        if label in self.labels:
            return label
        mapped = self.label_map.get(label)
        return mapped if mapped in self.labels else None


@dataclass
class Document:
    id: int
    title: str
    text: str
    sha256: str
    lang: str = ""
    source: str = ""
    url: str = ""
    published: str = ""
    external_id: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    status: str = "new"
    note: str = ""
    created_at: str = ""
    updated_at: str = ""
    tags: list[str] = field(default_factory=list)
    #: Document labels: annotator -> label -> value (filled by exports, not by every read).
    labels: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Span:
    id: int
    document_id: int
    start: int
    end: int
    label: str
    layer: str
    annotator: str
    origin: str
    status: str
    attributes: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    origin_detail: str = ""
    suggestion_id: int | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass
class Link:
    id: int
    head_id: int
    tail_id: int
    label: str
    annotator: str
    created_at: str = ""


@dataclass(frozen=True)
class Selection:
    """Which spans and documents an export takes.

    By default, accepted spans of people (annotators of kind human, import or gold).
    ``annotators`` names exactly whose spans; ``gold`` takes the adjudicated set;
    ``include_suggestions`` adds the suggestions still undecided for those annotators (else
    for the gold set, else for every person: no one has decided them), ``include_rejected``
    rejected spans;
    ``labels``, ``layers`` and ``document_statuses`` narrow further (empty: no narrowing);
    ``attributes`` keeps spans whose attributes have these (name, value) pairs, and
    ``published`` documents whose publication date begins so (``2024-05``): the filters of
    tagged segments, so that what the Segments panel finds can be exported in any format.
    ``document_ids`` keeps only these documents (the ones a training set covers).
    """

    annotators: tuple[str, ...] = ()
    gold: bool = False
    include_suggestions: bool = False
    include_rejected: bool = False
    labels: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    document_statuses: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    published: str = ""
    document_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Change:
    """One row's state before and after an action; ``None`` means the row did not exist.

    ``kind`` is "span", "link" or "document"; undo writes ``before`` back, redo ``after``.
    """

    kind: str
    row_id: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def check_offsets(start: Any, end: Any, text_length: int) -> None:
    """Raise InvalidSpanError unless ``0 <= start < end <= text_length`` with integer offsets."""
    if type(start) is int and type(end) is int and 0 <= start < end <= text_length:
        return  # the common case, checked once; the rest only explains what is wrong
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidSpanError(f"{name} must be an integer, got {value!r}")
    if start < 0:
        raise InvalidSpanError(f"start {start} is negative")
    if start >= end:
        kind = "empty" if start == end else "inverted"
        raise InvalidSpanError(f"{kind} span {start}-{end} (start must be before end)")
    if end > text_length:
        raise InvalidSpanError(f"span {start}-{end} ends after the text ({text_length} characters)")


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """True when the half-open ranges share at least one character."""
    return a_start < b_end and b_start < a_end


def span_order(span: Span) -> tuple[int, int, int, str, int]:
    """The one order of spans everywhere (the article, the side panel, Tab and Shift+Tab): by
    start, then end, then layer (entities before analysis), then label and id, so that spans
    stacked on the same characters (an ORG and a SOURCE on "KCNA") each have their place."""
    return (span.start, span.end, 0 if span.layer == ENTITIES else 1, span.label, span.id)


def clashes(candidate: tuple[int, int], decided: Iterable[tuple[int, int]], layer: str) -> bool:
    """The one clash rule: in an exclusive layer a span may not share a character with any
    of one annotator's live spans of that layer; other layers never clash."""
    if layer not in EXCLUSIVE_LAYERS:
        return False
    start, end = candidate
    return any(overlaps(start, end, other_start, other_end) for other_start, other_end in decided)


class Occupied:
    """One annotator's live spans of ``layer``, kept sorted: :meth:`clashes` is :func:`clashes`
    in O(log n), for work over many spans at once (in an exclusive layer they never overlap;
    in another, nothing clashes)."""

    def __init__(self, layer: str, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self.exclusive = layer in EXCLUSIVE_LAYERS
        pairs = sorted(ranges)
        self.starts = [start for start, _ in pairs]
        self.ends = [end for _, end in pairs]

    def clashes(self, start: int, end: int) -> bool:
        if not self.exclusive:
            return False
        # the only range that can overlap is the last one starting before ``end``
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start

    def add(self, start: int, end: int) -> None:
        index = bisect.bisect_left(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def first_overlap(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The first pair of overlapping ranges (in start order), or None. Identical ranges overlap."""
    previous: tuple[int, int] | None = None
    for current in sorted(ranges):
        if previous is not None and overlaps(*previous, *current):
            return previous, current
        if previous is None or current[1] > previous[1]:
            previous = current
    return None


def check_no_overlap(ranges: Iterable[tuple[int, int]], layer: str) -> None:
    """Raise OverlapError if ``layer`` forbids overlap and two of the ranges overlap."""
    if layer not in EXCLUSIVE_LAYERS:
        return
    pair = first_overlap(ranges)
    if pair is not None:
        (a_start, a_end), (b_start, b_end) = pair
        raise OverlapError(f"spans {a_start}-{a_end} and {b_start}-{b_end} overlap in the {layer} layer")


def tokens_covering(start: int, end: int, token_starts: Sequence[int], token_ends: Sequence[int]) -> range:
    """The indexes of the tokens sharing a character with ``start``-``end`` (empty when it
    touches only whitespace): the one character-to-token rule (snapping, Prodigy's token_start
    and token_end, token-level agreement)."""
    return range(bisect.bisect_right(token_ends, start), bisect.bisect_left(token_starts, end))


def snap_to_tokens(
    start: int, end: int, token_starts: Sequence[int], token_ends: Sequence[int]
) -> tuple[int, int]:
    """The tokens a character selection touches, start of the first to end of the last
    (spaCy's ``alignment_mode="expand"``): a partial word grows to the whole word, whitespace
    at either edge of the selection is dropped.

    ``token_starts``/``token_ends`` are the sorted character offsets of each token (end
    exclusive). A selection touching no token (only whitespace) is returned unchanged.
    """
    if not token_starts or start >= end:
        return start, end
    covered = tokens_covering(start, end, token_starts, token_ends)
    if not covered:
        return start, end
    return token_starts[covered[0]], token_ends[covered[-1]]


def move_boundary(
    start: int,
    end: int,
    side: str,
    grow: bool,
    token_starts: Sequence[int],
    token_ends: Sequence[int],
) -> tuple[int, int]:
    """Grow or shrink one boundary of the span ``start``-``end`` by one token.

    ``side`` is "start" or "end". Growing the end takes the next token's end; shrinking it, the
    end of the last token before it; the start moves the same way leftwards. A move that would
    leave the text or empty the span returns the span unchanged.
    """
    if side == "end":
        if grow:
            index = bisect.bisect_right(token_ends, end)
            return (start, token_ends[index]) if index < len(token_ends) else (start, end)
        index = bisect.bisect_left(token_ends, end) - 1
        return (start, token_ends[index]) if index >= 0 and token_ends[index] > start else (start, end)
    if grow:
        index = bisect.bisect_left(token_starts, start) - 1
        return (token_starts[index], end) if index >= 0 else (start, end)
    index = bisect.bisect_right(token_starts, start)
    return (
        (token_starts[index], end)
        if index < len(token_starts) and token_starts[index] < end
        else (start, end)
    )


def checkpoint(
    done: int,
    total: int,
    progress: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
    stopped: str,
) -> None:
    """A report of long work in one transaction: ``progress(done, total)``, then Cancelled
    (saying ``stopped``) when ``should_stop()`` says so; the transaction then rolls back."""
    if progress is not None:
        progress(done, total)
    if should_stop is not None and should_stop():
        raise Cancelled(stopped)


_SIMPLE_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")


def simple_tokens(text: str) -> tuple[list[int], list[int]]:
    """Word and punctuation boundaries by a regular expression: the snapping grid of a document
    that spaCy has not tokenized yet (instant, no model needed)."""
    starts, ends = [], []
    for match in _SIMPLE_TOKEN.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    return starts, ends


def query_terms(query: str) -> list[str]:
    """The words and "quoted phrases" a person typed as a search, each a list of words joined
    by spaces (punctuation dropped): the one reading of a query, for the full-text index and
    for finding the hits in a text."""
    terms = []
    for phrase, word in re.findall(r'"([^"]+)"|(\S+)', query):
        words = re.findall(r"\w+", phrase or word)
        if words:
            terms.append(" ".join(words))
    return terms


def _fold(character: str) -> str:
    """One character without accents and in lower case, still one character (so that offsets
    in the folded text are offsets in the text)."""
    import unicodedata

    base = unicodedata.normalize("NFD", character)[:1].lower()
    return base if len(base) == 1 else character


def find_terms(text: str, query: str) -> list[tuple[int, int]]:
    """Where the query's words and phrases occur in ``text`` as whole words, ignoring case and
    accents as the full-text index does (``sí`` finds ``Si``), in text order."""
    terms = query_terms(query)
    if not terms:
        return []
    folded = "".join(map(_fold, text))
    hits = []
    for term in terms:
        pattern = (
            r"(?<!\w)" + r"\W+".join(re.escape("".join(map(_fold, w))) for w in term.split()) + r"(?!\w)"
        )
        hits += [(m.start(), m.end()) for m in re.finditer(pattern, folded)]
    return sorted(hits)


def first_hit(text: str, query: str) -> tuple[int, int] | None:
    """The first place the query is found, as a person reads it: the first hit of any of its
    words, grown over the hits that follow it with nothing but spaces or punctuation between
    (a search for Kim Jong-un selects "Kim Jong-un", not "Kim")."""
    hits = find_terms(text, query)
    if not hits:
        return None
    start, end = hits[0]
    for hit_start, hit_end in hits[1:]:
        if hit_start < end:
            end = max(end, hit_end)
        elif not _WORD.search(text[end:hit_start]) and hit_start - end <= 3:
            end = hit_end
        else:
            break
    return start, end


_WORD = re.compile(r"\w")


def find_whole(text: str, phrase: str) -> list[tuple[int, int]]:
    """Where ``phrase`` occurs in ``text`` exactly (same case and accents) as whole words: not
    preceded or followed by a word character where the phrase itself begins or ends with one."""
    if not phrase.strip():
        return []
    check_before, check_after = bool(_WORD.match(phrase[0])), bool(_WORD.match(phrase[-1]))
    found = []
    start = text.find(phrase)
    while start >= 0:  # a literal search, then the two neighbours (much faster than lookarounds)
        end = start + len(phrase)
        if not (check_before and start and _WORD.match(text, start - 1)) and not (
            check_after and end < len(text) and _WORD.match(text, end)
        ):
            found.append((start, end))
        start = text.find(phrase, start + 1)
    return found


def utf16_positions(text: str) -> Callable[[int], int]:
    """A function from a character offset (code point) of ``text`` to its UTF-16 offset.

    Qt counts positions in UTF-16 code units, so a character outside the Basic Multilingual
    Plane (most emoji) counts twice there and once here. Every conversion goes through this.
    """
    if not any(ord(c) > 0xFFFF for c in text):
        return lambda offset: offset
    table = [0] * (len(text) + 1)
    position = 0
    for index, character in enumerate(text):
        table[index] = position
        position += 2 if ord(character) > 0xFFFF else 1
    table[len(text)] = position
    return table.__getitem__


def assign_lanes(ranges: Sequence[tuple[int, int]]) -> list[int]:
    """A lane for each range such that ranges sharing a lane never overlap (greedy, by start):
    how overlapping analysis spans are drawn side by side."""
    lanes = [0] * len(ranges)
    lane_ends: list[int] = []
    for index in sorted(range(len(ranges)), key=lambda i: (ranges[i][0], -ranges[i][1])):
        start, end = ranges[index]
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lanes[index] = lane
                lane_ends[lane] = end
                break
        else:
            lanes[index] = len(lane_ends)
            lane_ends.append(end)
    return lanes
