"""The quote and speaker suggester (issue 14) against quotations annotated by hand
(bench/quotes_gold.json): the eight sample articles (14 quotes) and 14 CoNLL-2002 EFE articles
from ../shared/data (43 quotes, one article with quotation marks around terms only).

    python bench/run.py quotes

Each set is imported into a fresh project and pre-annotated as the window does it (the real
model, the gazetteer, the rules), then read back from the store: a QUOTE suggestion counts when
its offsets are a gold quote's exactly (marks included); a speaker counts when the span its
``speaker`` link reaches names the gold speaker (one of the names they go by, either way
contained). Quote P/R over all quotes; speaker P over the speaker links of found quotes (a
quote found with no link is a miss, not an error), speaker R over the gold quotes.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from annotator.nlp import preannotate
from annotator.store import Store

REPO = Path(__file__).resolve().parent.parent
GOLD = REPO / "bench" / "quotes_gold.json"
SAMPLES = REPO / "resources" / "samples"
SHARED_ARTICLES = REPO.parent / "shared" / "data" / "conll2002" / "esp.train.articles.jsonl"

Gold = dict[tuple[int, int], list[str]]  # (start, end) -> speaker names


def _names(text: str, names: list[str]) -> bool:
    found = " ".join(text.lower().split())
    return any(n.lower() in found or (len(found) >= 3 and found in n.lower()) for n in names)


def score(documents: list[tuple[str, str, Gold]]) -> dict[str, Any]:
    """Pre-annotate ``documents`` (text, lang, gold) in a fresh project and score its quotes."""
    hits = predicted = gold = 0
    speaker_right = speaker_links = speaker_gold = 0
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-quotes-") as folder, Store(Path(folder) / "q.db") as store:
        ids = [store.add_document(text, f"d{i}", lang=lang)[0] for i, (text, lang, _) in enumerate(documents)]
        preannotate(store, document_ids=ids)
        for document_id, (text, _lang, expected) in zip(ids, documents, strict=True):
            spans = {s.id: s for s in store.spans(document_id)}
            quotes = [s for s in spans.values() if s.label == "QUOTE"]
            predicted += len(quotes)
            gold += len(expected)
            speaker_gold += sum(1 for names in expected.values() if names)
            for quote in quotes:
                names = expected.get((quote.start, quote.end))
                if names is None:
                    misses.append(f"not a quote: {text[quote.start : quote.end][:60]!r}")
                    continue
                hits += 1
                tails = [
                    spans[k.tail_id]
                    for k in store.links_of(quote.id)
                    if k.label == "speaker" and k.head_id == quote.id
                ]
                speaker_links += len(tails)
                right = [t for t in tails if _names(text[t.start : t.end], names)]
                speaker_right += bool(right)
                if not tails and names:
                    misses.append(f"no speaker for {text[quote.start : quote.end][:40]!r} ({names[0]})")
                if tails and not right:
                    misses.append(
                        f"speaker of {text[quote.start : quote.end][:40]!r}: "
                        f"{text[tails[0].start : tails[0].end]!r}, not {names[0]!r}"
                    )
            found = {(q.start, q.end) for q in quotes}
            misses += [f"missed: {text[s:e][:60]!r}" for (s, e) in expected if (s, e) not in found]
    return {
        "quotes": gold,
        "quote_p": round(hits / max(predicted, 1), 3),
        "quote_r": round(hits / max(gold, 1), 3),
        "speaker_p": round(speaker_right / max(speaker_links, 1), 3),
        "speaker_r": round(speaker_right / max(speaker_gold, 1), 3),
        "misses": misses,
    }


def sample_set(gold: dict[str, Any]) -> list[tuple[str, str, Gold]]:
    by_file: dict[str, Gold] = {}
    for item in gold["samples"]:
        text = (SAMPLES / item["file"]).read_text(encoding="utf-8")
        start = text.index(item["quote"])
        by_file.setdefault(item["file"], {})[(start, start + len(item["quote"]))] = item["speakers"]
    return [
        ((SAMPLES / name).read_text(encoding="utf-8"), "en" if name[:2] in ("07", "08") else "es", quotes)
        for name, quotes in sorted(by_file.items())
    ]


def conll_set(gold: dict[str, Any]) -> list[tuple[str, str, Gold]] | str:
    if not SHARED_ARTICLES.exists():
        return f"no corpus at {SHARED_ARTICLES}"
    wanted = {item["id"]: item for item in gold["conll2002"]}
    documents = []
    with open(SHARED_ARTICLES, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            item = wanted.get(record["id"])
            if item is None:
                continue
            if hashlib.sha256(record["text"].encode()).hexdigest() != item["sha256"]:
                return f"{record['id']} is not the text the gold was annotated on"
            quotes = {(q["start"], q["end"]): q["speakers"] for q in item["quotes"]}
            documents.append((record["text"], "es", quotes))
    return documents


def bench_quotes(rounds: int) -> dict:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    results: dict[str, Any] = {"samples": score(sample_set(gold))}
    conll = conll_set(gold)
    results["conll2002"] = {"skipped": conll} if isinstance(conll, str) else score(conll)
    for name, result in results.items():
        if "skipped" in result:
            print(f"quotes[{name}]: skipped ({result['skipped']})", flush=True)
            continue
        print(
            f"quotes[{name}]: {result['quotes']} quotes, quote P {result['quote_p']:.2f} R {result['quote_r']:.2f}, "
            f"speaker P {result['speaker_p']:.2f} R {result['speaker_r']:.2f}",
            flush=True,
        )
        for miss in result.pop("misses"):  # printed, not kept: they quote the corpus
            print(f"    {miss}", flush=True)
    return results
