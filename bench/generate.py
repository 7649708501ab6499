"""Build a large project for the scale benchmarks (not committed data).

100,000 articles of about 3,000 characters and about 5,000,000 spans across annotators, labels
and statuses: model suggestions (undecided, accepted or rejected), analysts' decisions, gold,
CLAIM/QUOTE/SOURCE spans with attributes (SOURCE agency = KCNA, Yonhap, ...) and links from
quotes to their speakers. The text is ../shared/data's Spanish EFE newswire recombined sentence
by sentence, with its gold entities; without ../shared/data, Spanish-like sentences are made
up from a word list. The project is built once and cached under bench/.cache/.

    python bench/generate.py                     # the full project (a few minutes), path printed
    python bench/generate.py --documents 2000    # a small one
    python bench/generate.py --long              # also one article of 1,000,000 characters
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.domain import text_sha256  # noqa: E402
from annotator.store import Store, now  # noqa: E402

CACHE = REPO / "bench" / ".cache"
SHARED_ARTICLES = REPO.parent / "shared" / "data" / "conll2002" / "esp.train.articles.jsonl"
GENERATOR_VERSION = 3

ANALYSTS = ["ana", "bea", "carlos", "dana", "elena"]
AGENCIES = ["KCNA", "Yonhap", "TASS", "Xinhua", "EFE", "Reuters", "AP", "AFP"]
AGENCY_WEIGHTS = [10, 15, 10, 10, 30, 10, 8, 7]
STATUSES = ["new", "in_progress", "done", "reviewed"]
STATUS_WEIGHTS = [60, 12, 22, 6]

WORDS = (
    "el la de que en los las del gobierno ministro presidente agencia dijo según informó capital "
    "acuerdo tropas frontera misil lanzamiento portavoz consejo seguridad comunicado ejército "
    "conversaciones sanciones embajada prensa reunión defensa cooperación declaró hoy ayer "
    "región economía elecciones parlamento oposición fuentes oficiales anunció"
).split()
NAMES = [
    ("Kim Jong-un", "PER"),
    ("Pionyang", "LOC"),
    ("Seúl", "LOC"),
    ("Moscú", "LOC"),
    ("Consejo de Seguridad", "ORG"),
    ("Shoigú", "PER"),
    ("KCNA", "ORG"),
    ("Naciones Unidas", "ORG"),
    ("Mundial", "MISC"),
]

Sentence = tuple[str, list[tuple[int, int, str]]]


def sentences(rng: random.Random) -> tuple[list[Sentence], str]:
    """Sentences with their entity spans (offsets inside the sentence)."""
    pool: list[Sentence] = []
    if SHARED_ARTICLES.exists():
        for line in SHARED_ARTICLES.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text, spans = record["text"], sorted((s["start"], s["end"], s["label"]) for s in record["spans"])
            begin = 0
            while begin < len(text):
                stop = text.find(" . ", begin)
                stop = len(text) if stop < 0 else stop + 2
                inside = [(a - begin, b - begin, label) for a, b, label in spans if begin <= a and b <= stop]
                if stop - begin > 20:
                    pool.append((text[begin:stop], inside))
                begin = stop + 1
        return pool, "conll2002 EFE sentences recombined"
    for _ in range(5000):
        parts, spans, position = [], [], 0
        for _ in range(rng.randint(2, 4)):
            filler = " ".join(rng.choices(WORDS, k=rng.randint(4, 10))) + " "
            parts.append(filler)
            position += len(filler)
            name, label = rng.choice(NAMES)
            spans.append((position, position + len(name), label))
            parts.append(name + " ")
            position += len(name) + 1
        parts.append(" ".join(rng.choices(WORDS, k=rng.randint(3, 8))) + " .")
        pool.append(("".join(parts), spans))
    return pool, "Spanish-like sentences from a word list"


def article(rng: random.Random, pool: list[Sentence], length: int) -> Sentence:
    parts, spans, position = [], [], 0
    while position < length:
        text, inside = rng.choice(pool)
        parts.append(text)
        spans += [(a + position, b + position, label) for a, b, label in inside]
        position += len(text) + 1
        parts.append(" ")
    return "".join(parts).rstrip(), spans


def generate(
    path: Path, documents: int = 100_000, length: int = 2700, seed: int = 11, long_article: bool = False
) -> dict:
    """Write the project to ``path`` (which must not exist); returns counts."""
    rng = random.Random(seed)
    pool, source = sentences(rng)
    started = time.perf_counter()
    Store(path).close()  # the project's own tables, indexes, triggers and settings
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA journal_mode = WAL")
    stamp = now()
    ids = {}
    conn.execute("BEGIN")
    for kind, names in (
        ("model", ["es_core_news_sm"]),
        ("rule", ["rules"]),
        ("human", ANALYSTS),
        ("gold", ["gold"]),
    ):
        for name in names:
            ids[name] = conn.execute(
                "INSERT INTO annotators (name, kind, created_at) VALUES (?, ?, ?) RETURNING id",
                (name, kind, stamp),
            ).fetchone()[0]
    conn.execute("COMMIT")
    # Indexes are built once at the end (what a bulk load does; the result is the same file).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('documents', 'spans', 'links') "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')

    counts = {"documents": 0, "spans": 0, "links": 0}
    seen: set[str] = set()
    span_id = 0
    batch_documents: list[tuple] = []
    batch_spans: list[tuple] = []
    batch_links: list[tuple] = []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO documents (id, external_id, title, text, text_length, sha256, lang, source, published, "
            "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'es', 'EFE', ?, ?, ?, ?)",
            batch_documents,
        )
        conn.executemany(
            'INSERT INTO spans (id, document_id, start, "end", label, annotator_id, origin, status, attributes, '
            "suggestion_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch_spans,
        )
        conn.executemany(
            "INSERT INTO links (head_id, tail_id, label, annotator_id, created_at) VALUES (?, ?, ?, ?, ?)",
            batch_links,
        )
        conn.execute("COMMIT")
        counts["spans"] += len(batch_spans)
        counts["links"] += len(batch_links)
        batch_documents.clear()
        batch_spans.clear()
        batch_links.clear()

    def documents_to_make() -> Iterator[tuple[int, int]]:
        yield from ((number, length) for number in range(documents))
        if long_article:
            yield documents, 1_000_000

    for number, size in documents_to_make():
        text, entities = article(rng, pool, size)
        if size > length:  # the long article: 50,000 spans, entities first, then analysis spans
            entities = entities[:35_000]
        digest = text_sha256(text)
        while digest in seen:
            text += " ."
            digest = text_sha256(text)
        seen.add(digest)
        document_id = number + 1
        status = "new" if size > length else rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        year, month, day = rng.randint(2019, 2026), rng.randint(1, 12), rng.randint(1, 28)
        title = text[: text.find(" ", 70) if len(text) > 90 else len(text)].strip()
        batch_documents.append(
            (
                document_id,
                f"gen-{number:06d}",
                title,
                text,
                len(text),
                digest,
                f"{year}-{month:02d}-{day:02d}",
                status,
                stamp,
                stamp,
            )
        )
        counts["documents"] += 1

        def add(
            start: int,
            end: int,
            label: str,
            who: str,
            origin: str,
            state: str,
            attrs: str = "{}",
            of: int | None = None,
            document_id: int = document_id,
        ) -> int:
            nonlocal span_id
            span_id += 1
            batch_spans.append(
                (span_id, document_id, start, end, label, ids[who], origin, state, attrs, of, stamp, stamp)
            )
            return span_id

        decided = status != "new"
        analyst = rng.choice(ANALYSTS)
        people = [analyst] + (
            [rng.choice([a for a in ANALYSTS if a != analyst])] if rng.random() < 0.1 else []
        )
        persons = []
        for start, end, label in entities:
            if not decided:
                add(start, end, label, "es_core_news_sm", "model", "suggested")
                continue
            keep = rng.random() < 0.8
            suggestion = add(
                start, end, label, "es_core_news_sm", "model", "accepted" if keep else "rejected"
            )
            if keep:
                for person in people:
                    mine = add(start, end, label, person, "model", "accepted", of=suggestion)
                    if label == "PER" and person == analyst:
                        persons.append(mine)
        # Analysis spans over whole sentences: claims, quotes (linked to a speaker), sources.
        boundaries = [0] + [i + 2 for i in range(len(text)) if text.startswith(" . ", i)][:200]
        analysis = 6 if size == length else 50_000 - len(entities)
        for index in range(analysis if decided or size > length else 0):
            a = rng.randrange(len(boundaries) - 1) if len(boundaries) > 1 else 0
            start = boundaries[a]
            end = boundaries[a + 1] - 1 if a + 1 < len(boundaries) else len(text)
            if end - start < 2:
                continue
            which = index % 3
            who = analyst if size == length else "ana"
            if which == 0:
                stance = rng.choice(["supports", "disputes", "neutral"])
                attrs = json.dumps({"stance": stance})
                label = "CLAIM"
            elif which == 1:
                label, attrs = "QUOTE", json.dumps({"kind": rng.choice(["direct", "indirect"])})
            else:
                agency = rng.choices(AGENCIES, AGENCY_WEIGHTS)[0]
                label, attrs = "SOURCE", json.dumps({"agency": agency})
                start, end = start, min(end, start + 40)
            if size > length:  # distinct spans: shift each by its index
                start = rng.randrange(0, len(text) - 200)
                end = start + rng.randint(20, 150)
            head = add(start, end, label, who, "manual", "accepted", attrs)
            if label == "QUOTE" and persons:
                batch_links.append((head, rng.choice(persons), "speaker", ids[who], stamp))
        # Remove duplicates of (annotator, start, end, label) inside this document.
        if len(batch_documents) >= 2000:
            _dedupe(batch_spans, batch_links)
            flush()
            print(
                f"  {counts['documents']:,} documents, {counts['spans']:,} spans", file=sys.stderr, flush=True
            )
    _dedupe(batch_spans, batch_links)
    flush()
    print("  building indexes and the full-text index", file=sys.stderr, flush=True)
    conn.execute("BEGIN")
    for _name, sql in indexes:
        conn.execute(sql)
    conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('rebuild')")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    counts["text"] = source
    return counts


def _dedupe(spans: list[tuple], links: list[tuple]) -> None:
    seen, kept, dropped = set(), [], set()
    for row in spans:
        key = (row[1], row[5], row[2], row[3], row[4])
        if key in seen:
            dropped.add(row[0])
            continue
        seen.add(key)
        kept.append(row)
    if dropped:
        spans[:] = kept
        links[:] = [link for link in links if link[0] not in dropped and link[1] not in dropped]


def cached_project(documents: int = 100_000, long_article: bool = True) -> Path:
    """The generated project, built on first use (the file is reused while the generator's
    version and arguments are the same)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name = f"corpus-v{GENERATOR_VERSION}-{documents}{'-long' if long_article else ''}"
    path = CACHE / f"{name}.db"
    if not path.exists():
        partial = CACHE / f"{name}.partial.db"
        for leftover in CACHE.glob(f"{name}.partial.db*"):
            leftover.unlink()
        print(f"generating {path} (once)", file=sys.stderr, flush=True)
        counts = generate(partial, documents, long_article=long_article)
        print(f"  {counts}", file=sys.stderr, flush=True)
        partial.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--long", action="store_true", help="also one article of 1,000,000 characters")
    parser.add_argument("--output", type=Path, help="write here instead of the cache")
    args = parser.parse_args()
    if args.output:
        print(generate(args.output, args.documents, long_article=args.long))
    else:
        print(cached_project(args.documents, args.long))


if __name__ == "__main__":
    main()
