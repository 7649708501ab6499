"""Rules that suggest the analysis layer: quotations with their speakers, reported clauses as
claims, and the phrases that name a source ("según la agencia KCNA").

It reads the text and the entities a model (and the agency gazetteer) found, and the cues of
``resources/patterns/attribution.toml``; it needs no parse, so pre-annotation keeps the speed
of NER alone. What it finds:

- QUOTE for text in «…», “…” or "…" of at least :data:`MIN_QUOTE_WORDS` words (the outermost
  of nested quotation marks), ``kind = direct``, with a ``speaker`` link to who said it: the
  subject of the reporting word nearest the quote in its sentence or the sentence before (the
  person or organisation nearest that word in its clause, after it when the quote comes first:
  "«…», dijo Wang"), or, for "dijo el dirigente", the last person named before. A quote
  repeated from a fuller one (a headline echoing the lead) takes that one's speaker. A quote in
  a sentence that names a source also gets a ``source`` link to it.
- CLAIM for the clause a reporting word opens with "que"/"that" ("aseguró que …"), to the end
  of its sentence or clause (a second "y que …" is a second claim), with a ``source`` link to
  the same speaker.
- SOURCE for a source phrase and the person, organisation or agency after it, with the
  gazetteer's ``agency`` when there is one: "según recogió la agencia estatal norcoreana KCNA".
  Where a speaker or source is an entity inside such a phrase, the link goes to the phrase.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import ModelError
from annotator.schema import resources_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

#: A quotation of fewer words is a term in quotation marks (a name, a title), not a quote.
MIN_QUOTE_WORDS = 3
MIN_CLAIM_WORDS = 4
#: How far (in words) a source or a speaker after its cue may be.
NEAR_WORDS = 6
#: How far (in characters) a repeated quotation looks for the fuller one it echoes.
ECHO_REACH = 3000
#: How far back (in characters) "el dirigente" looks for the person it names.
TITLE_REACH = 1200
SPEAKERS = ("PER", "ORG")
#: Reporting words that introduce their speaker after them and open no clause.
ACCORDING = frozenset({"según", "according"})
#: Words before the one spoken to ("dijo a EFE", "told Reuters" has none: a name right after
#: "told" is still taken as its subject only when the quote comes first).
TO = frozenset({"a", "al", "ante", "to"})
#: Words that join a second reported clause ("y que", "y negó que").
AND = frozenset({"y", "e", "and"})

WORD = re.compile(r"\w[\w'’-]*")
#: Paired quotation marks; straight double quotes pair in order within a paragraph.
OPENERS = {"«": "»", "“": "”"}
STRAIGHT = '"'
MARKS = re.compile('[«»“”"\n]')
SENTENCE_END = re.compile(r"[.!?…]+[»”\"')\]]*(?=\s+[\"«“¿¡(\[]?[A-ZÁÉÍÓÚÑ0-9])|\n")

Key = tuple[int, int, str]  # (start, end, label) of a span


@dataclass(frozen=True)
class Cues:
    """The words one language reports speech with (see attribution.toml)."""

    reporting: dict[str, list[tuple[str, ...]]]  # first word -> phrases, longest first
    that: frozenset[str]
    sources: dict[str, list[tuple[str, ...]]]
    titles: dict[str, list[tuple[str, ...]]]


@dataclass
class Found:
    start: int
    end: int
    label: str
    detail: str
    attributes: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> Key:
        return (self.start, self.end, self.label)


@dataclass(frozen=True)
class Tie:
    """A link the rules propose between two spans, each named by its key."""

    head: Key
    tail: Key
    label: str


@dataclass
class Attribution:
    spans: list[Found] = field(default_factory=list)
    links: list[Tie] = field(default_factory=list)

    def covers(self, start: int, end: int, label: str) -> bool:
        """Whether a span of ``label`` found here contains ``start:end`` (a gazetteer SOURCE
        inside a source phrase is that phrase's, not a second source)."""
        return any(f.label == label and f.start <= start and end <= f.end for f in self.spans)


def cues_path() -> Path:
    return resources_dir() / "patterns" / "attribution.toml"


def _index(phrases: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.lower().split())
        if words:
            index.setdefault(words[0], []).append(words)
    for found in index.values():
        found.sort(key=len, reverse=True)
    return index


def load_cues(path: Path | None = None) -> dict[str, Cues]:
    """Language -> cues, from ``attribution.toml``; {} when the file is absent."""
    path = path or cues_path()
    if not path.exists():
        return {}
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ModelError(f"{path}: not valid TOML ({e})") from e
    cues = {}
    for lang, table in data.items():
        unknown = set(table) - {"reporting", "that", "sources", "titles"}
        if not isinstance(table, dict) or unknown:
            raise ModelError(f"{path}: [{lang}] has unknown keys {sorted(unknown)}")
        cues[lang] = Cues(
            reporting=_index(table.get("reporting", [])),
            that=frozenset(w.lower() for w in table.get("that", [])),
            sources=_index(table.get("sources", [])),
            titles=_index(table.get("titles", [])),
        )
    return cues


# -- the text's parts ----------------------------------------------------------------------------


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each outermost quotation, its marks included: «» and “” nest, straight
    double quotes pair in order within a paragraph; an unclosed mark ends at its paragraph."""
    found: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for mark in MARKS.finditer(text):
        char, i = mark.group(), mark.start()
        if char == "\n":
            stack.clear()
            straight = None
        elif char in OPENERS:
            stack.append((OPENERS[char], i))
        elif stack and char == stack[-1][0]:
            _, begin = stack.pop()
            found.append((begin, i + 1))
        elif char == STRAIGHT:
            if straight is None:
                straight = i
            else:
                found.append((straight, i + 1))
                straight = None
    found.sort(key=lambda q: (q[0], -q[1]))
    outermost: list[tuple[int, int]] = []
    for start, end in found:
        if not outermost or start >= outermost[-1][1]:
            outermost.append((start, end))
    return outermost


def sentences(text: str, quotes: Sequence[tuple[int, int]]) -> list[int]:
    """Start offsets of the sentences (a full stop inside a quotation does not end one)."""
    starts = [0]
    for match in SENTENCE_END.finditer(text):
        end = match.end()
        q = bisect.bisect_right(quotes, (match.start(), len(text) + 1)) - 1
        if q >= 0 and quotes[q][0] < match.start() < quotes[q][1] - 1:
            continue
        while end < len(text) and text[end].isspace():
            end += 1
        if end > starts[-1]:
            starts.append(end)
    return starts


class _Text:
    """The words of a text outside quotations, and where its sentences start."""

    def __init__(self, text: str, quotes: list[tuple[int, int]]) -> None:
        self.text = text
        self.quotes = quotes
        self.sentence_starts = sentences(text, quotes)
        self.words = []
        position = 0
        for start, end in [*quotes, (len(text), len(text))]:  # the words between quotations
            self.words += [
                (m.start(), m.end(), m.group().lower()) for m in WORD.finditer(text, position, start)
            ]
            position = end
        self.word_starts = [w[0] for w in self.words]

    def quoted(self, position: int) -> bool:
        q = bisect.bisect_right(self.quotes, (position, len(self.text) + 1)) - 1
        return q >= 0 and self.quotes[q][0] <= position < self.quotes[q][1]

    def sentence(self, position: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.sentence_starts, position) - 1
        end = self.sentence_starts[i + 1] if i + 1 < len(self.sentence_starts) else len(self.text)
        return self.sentence_starts[i], end

    def matches(self, index: dict[str, list[tuple[str, ...]]]) -> list[tuple[int, int, int, int]]:
        """(start, end, first word, last word) of each phrase of ``index`` in the words."""
        found = []
        words = self.words
        for i, (start, _end, word) in enumerate(words):
            for phrase in index.get(word, ()):
                last = i + len(phrase) - 1
                if last < len(words) and all(words[i + k][2] == phrase[k] for k in range(1, len(phrase))):
                    found.append((start, words[last][1], i, last))
                    break
        return found

    def between(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The words (outside quotations) that start in ``start:end``."""
        return self.words[
            bisect.bisect_left(self.word_starts, start) : bisect.bisect_left(self.word_starts, end)
        ]

    def word_at(self, position: int) -> int:
        return bisect.bisect_left(self.word_starts, position)

    def plain_between(self, start: int, end: int) -> bool:
        """No punctuation that closes a clause between two offsets."""
        return not any(c in ',.;:!?\n«»“”"()' for c in self.text[start:end])


# -- speakers and sources ------------------------------------------------------------------------


class _Finder:
    def __init__(
        self,
        text: str,
        entities: Sequence[Key],
        agencies: Sequence[tuple[int, int, str]],
        cues: Cues,
    ) -> None:
        self.t = _Text(text, quotations(text))
        self.cues = cues
        self.candidates = sorted(
            {(s, e, label) for s, e, label in entities if label in SPEAKERS and not self.t.quoted(s)}
            | {(s, e, "ORG") for s, e, _ in agencies if not self.t.quoted(s)}
        )
        self.agencies = agencies
        self.reporting = self.t.matches(cues.reporting)
        # starts, for bisect: every lookup below is a range, not a pass over the document
        self.candidate_starts = [c[0] for c in self.candidates]
        self.verb_starts = [v[0] for v in self.reporting]
        self.result = Attribution()
        self.phrases: list[Found] = []
        self.phrase_starts: list[int] = []

    # sources: "según X"
    def find_sources(self) -> None:
        reach = 0
        for start, end, _first, last in self.t.matches(self.cues.sources):
            if start < reach:
                continue
            target = self._after(end, last)
            if target is None:
                continue
            agency = next((a for s, e, a in self.agencies if s < target[1] and target[0] < e), None)
            found = Found(
                start, target[1], "SOURCE", "attribution:source", {"agency": agency} if agency else {}
            )
            self.phrases.append(found)
            self.phrase_starts.append(found.start)
            self.result.spans.append(found)
            reach = found.end

    def _after(self, end: int, last_word: int, addressee: bool = False) -> Key | None:
        """The first candidate within a few words after a cue, in the same clause; with
        ``addressee``, one after "a"/"to" is passed over (the one spoken to: "dijo a EFE")."""
        limit = self.t.words[min(last_word + NEAR_WORDS, len(self.t.words) - 1)][1] if self.t.words else end
        for candidate in self.candidates[bisect.bisect_left(self.candidate_starts, end) :]:
            if candidate[0] > limit or not self.t.plain_between(end, candidate[0]):
                return None
            if addressee:
                word = self.t.word_at(candidate[0]) - 1
                if word >= 0 and self.t.words[word][0] >= end and self.t.words[word][2] in TO:
                    continue
            return candidate
        return None

    def _before(self, start: int, floor: int) -> Key | None:
        """The nearest candidate ending before ``start`` and after ``floor`` (a clause's start)."""
        for index in range(bisect.bisect_left(self.candidate_starts, start) - 1, -1, -1):
            candidate = self.candidates[index]
            if candidate[0] < floor:
                return None
            if candidate[1] <= start:
                return candidate
        return None

    def _as_target(self, candidate: Key) -> Key:
        """An entity inside a source phrase is named by the phrase."""
        index = bisect.bisect_right(self.phrase_starts, candidate[0]) - 1
        if index >= 0 and candidate[1] <= self.phrases[index].end:
            return self.phrases[index].key
        return candidate

    def speaker_of(self, verb: tuple[int, int, int, int]) -> Key | None:
        """Who a reporting word's statement is from (see the module's description)."""
        start, end, _first, last = verb
        if self._is_according(verb):
            return self._target(self._after(end, last))
        chosen = self._subject(verb)
        if chosen is None and self._title_near(last, verb[2]):
            near = self.candidates[
                bisect.bisect_left(self.candidate_starts, start - TITLE_REACH) : bisect.bisect_left(
                    self.candidate_starts, start
                )
            ]
            person = [c for c in near if c[2] == "PER" and c[1] <= start]
            chosen = person[-1] if person else None
        if chosen is None:  # "Añadió que …": the subject of the statements before goes on
            chosen = self._previous_subject(start)
        return self._target(chosen)

    def _quote_first(self, verb: tuple[int, int, int, int]) -> bool:
        """Whether a quotation ends just before the reporting word ("«…», dijo")."""
        q = bisect.bisect_left(self.t.quotes, (verb[0], 0)) - 1
        return q >= 0 and not self.t.text[self.t.quotes[q][1] : verb[0]].strip(" ,")

    def _subject(self, verb: tuple[int, int, int, int]) -> Key | None:
        """The subject of a reporting word, where its own sentence names it: the candidate
        before it in its clause; the one after it when the quotation comes first, or when
        nothing is before it and that one comes before what was said ("aseguró el ministro
        Acebes que …"); none when a title follows a quote-first word ("dijo el dirigente")."""
        start, end, _first, last = verb
        before = self._before(start, self.t.sentence(start)[0])
        after = self._after(end, last, addressee=True)
        if self._quote_first(verb):
            return after or (None if self._title_near(last) else before)
        if before is not None or after is None:
            return before
        _, sentence_end = self.t.sentence(start)
        said = [
            q[0] for q in self.t.quotes[bisect.bisect_left(self.t.quotes, (end, 0)) :] if q[0] < sentence_end
        ][:1]
        said += [w[0] for w in self.t.between(end, sentence_end) if w[2] in self.cues.that][:1]
        return after if not said or after[1] <= min(said) else None

    def _previous_subject(self, position: int) -> Key | None:
        """The subject of the nearest reporting word before ``position`` that has one."""
        for index in range(bisect.bisect_left(self.verb_starts, position) - 1, -1, -1):
            verb = self.reporting[index]
            if self._is_according(verb):
                continue
            if verb[0] < position - TITLE_REACH:
                return None
            subject = self._subject(verb)
            if subject is not None:
                return subject
        return None

    def _target(self, candidate: Key | None) -> Key | None:
        return self._as_target(candidate) if candidate is not None else None

    def _is_according(self, verb: tuple[int, int, int, int]) -> bool:
        return self.t.words[verb[2]][2] in ACCORDING

    def _title_near(self, last_word: int, first_word: int | None = None) -> bool:
        """A title ("el dirigente") just after the reporting word, or just before it."""
        words = self.t.words
        spots = range(last_word + 1, min(last_word + 4, len(words)))
        if first_word is not None:
            spots = [*spots, *range(max(first_word - 3, 0), first_word)]
        return any(words[i][2] in self.cues.titles for i in spots)

    def nearest_verb(self, start: int, end: int) -> tuple[int, int, int, int] | None:
        """The reporting word nearest a quotation in its sentence, else in the sentence before."""
        sentence_start, sentence_end = self.t.sentence(start)
        previous_start, _ = self.t.sentence(max(sentence_start - 1, 0))
        for low, high in ((sentence_start, sentence_end), (previous_start, sentence_start)):
            near = self.reporting[
                bisect.bisect_left(self.verb_starts, low) : bisect.bisect_left(self.verb_starts, high)
            ]
            verbs = [v for v in near if not self._is_according(v)]
            near = verbs or near  # "según" speaks for the quote only where no verb does
            if near:
                return min(near, key=lambda v: start - v[1] if v[1] <= start else v[0] - end)
        return None

    # quotes
    def find_quotes(self) -> None:
        spoken: list[tuple[Found, Key | None]] = []
        for start, end in self.t.quotes:
            inner = self.t.text[start + 1 : end - 1]
            if len(WORD.findall(inner)) < MIN_QUOTE_WORDS:
                continue
            found = Found(start, end, "QUOTE", "attribution:quote", {"kind": "direct"})
            verb = self.nearest_verb(start, end)
            speaker = self.speaker_of(verb) if verb is not None else None
            spoken.append((found, speaker))
            self.result.spans.append(found)
        spoken_starts = [found.start for found, _ in spoken]
        for found, speaker in spoken:
            echo = _echoed(found, spoken, spoken_starts, self.t.text)
            speaker = echo or speaker
            if speaker is not None:
                self.result.links.append(Tie(found.key, speaker, "speaker"))
            source = self._source_in_sentence(found.start)
            if source is not None and source != speaker:
                self.result.links.append(Tie(found.key, source, "source"))

    def _source_in_sentence(self, position: int) -> Key | None:
        low, high = self.t.sentence(position)
        return next((p.key for p in self.phrases if low <= p.start < high), None)

    # claims
    def find_claims(self) -> None:
        words = self.t.words
        for verb in self.reporting:
            start, _end, first, last = verb
            if self._is_according(verb):
                continue
            opener = next(
                (i for i in range(last + 1, min(last + 5, len(words))) if words[i][2] in self.cues.that), None
            )
            if opener is None or not self.t.plain_between(verb[1], words[opener][0]):
                continue
            speaker = self.speaker_of(verb)
            for claim_start, claim_end in self._clauses(words[opener][1]):
                found = Found(claim_start, claim_end, "CLAIM", "attribution:claim")
                self.result.spans.append(found)
                if speaker is not None:
                    self.result.links.append(Tie(found.key, speaker, "source"))

    def _clauses(self, begin: int) -> list[tuple[int, int]]:
        """The reported clause after "que" (split at "y que"), to its sentence's end, a ";", or
        a comma before a source phrase or a reporting word."""
        text = self.t.text
        _, sentence_end = self.t.sentence(begin)
        stop = sentence_end
        starts = self.phrase_starts
        following = bisect.bisect_right(starts, begin)
        if following < len(starts) and starts[following] < stop:
            stop = starts[following]
        for verb in self.reporting[
            bisect.bisect_right(self.verb_starts, begin) : bisect.bisect_left(self.verb_starts, stop)
        ]:
            if begin < verb[0] < stop:
                before = text[begin : verb[0]].rstrip()
                if before.endswith(",") or before.lower().endswith(tuple(f" {w}" for w in AND)):
                    stop = verb[0] if before.endswith(",") else begin + before.rfind(" ")
        semicolon = text.find(";", begin, stop)
        stop = semicolon if semicolon >= 0 else stop
        pieces = []
        piece_start = begin
        words = self.t.between(begin, stop)
        for i in range(len(words) - 1):
            if words[i][2] in AND and words[i + 1][2] in self.cues.that:
                pieces.append((piece_start, words[i][0]))
                piece_start = words[i + 1][1]
        pieces.append((piece_start, stop))
        clauses = []
        for low, high in pieces:
            part = text[low:high]
            stripped = part.strip().rstrip(",.;:").rstrip()
            left = low + len(part) - len(part.lstrip())
            right = left + len(stripped)
            if len(WORD.findall(stripped)) >= MIN_CLAIM_WORDS:
                clauses.append((left, right))
        return clauses


def _echoed(found: Found, spoken: list[tuple[Found, Key | None]], starts: list[int], text: str) -> Key | None:
    """The speaker of a fuller quotation this one repeats nearby (a headline's quote echoes
    the lead): those within :data:`ECHO_REACH` characters, so a long text costs no more per
    quote than a short one (``spoken`` is in text order)."""
    inner = text[found.start + 1 : found.end - 1].strip().lower()
    first = bisect.bisect_left(starts, found.start - ECHO_REACH)
    for other, speaker in spoken[first:]:
        if other.start > found.end + ECHO_REACH:
            break
        if other is not found and speaker is not None and other.end - other.start > found.end - found.start:
            if inner in text[other.start + 1 : other.end - 1].lower():
                return speaker
    return None


def attribute(
    text: str,
    entities: Sequence[Key],
    agencies: Sequence[tuple[int, int, str]],
    cues: Cues,
) -> Attribution:
    """What the rules suggest in ``text``, given its entities (start, end, label) and the
    gazetteer's agency matches (start, end, agency id)."""
    finder = _Finder(text, entities, agencies, cues)
    finder.find_sources()
    finder.find_quotes()
    finder.find_claims()
    return finder.result
