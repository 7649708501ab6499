"""Benchmarks: the project's path against a bare baseline, in the same process, on the same data.

Each benchmark prints ``name: ratio R (target <= T) ...details`` and its figures are merged into
bench/results.json as ``{name: {"ratio": R, "target": T, ...}}``. Timings are medians of a few
rounds, baseline and project alternating, since these machines are shared and noisy.

    python bench/run.py                 # every benchmark
    python bench/run.py import          # only the named ones
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from annotator.domain import simple_tokens, text_sha256  # noqa: E402
from annotator.importing import import_paths  # noqa: E402
from annotator.nlp import load_pipeline, preannotate  # noqa: E402
from annotator.schema import load_schema  # noqa: E402
from annotator.store import Store, now  # noqa: E402

RESULTS = REPO / "bench" / "results.json"
SHARED_ARTICLES = REPO.parent / "shared" / "data" / "conll2002" / "esp.train.articles.jsonl"
SAMPLES = REPO / "resources" / "samples"


def median_times(rounds: int, *runs: Callable[[], float]) -> list[float]:
    """Median seconds of each run over ``rounds``, the runs alternating within each round."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for index, run in enumerate(runs):
            times[index].append(run())
    return [statistics.median(t) for t in times]


def report(name: str, ratio: float, target: float, **details: object) -> dict:
    shown = " ".join(f"{k}={v}" for k, v in details.items())
    verdict = "ok" if ratio <= target else "OVER TARGET"
    print(f"{name}: ratio {ratio:.2f} (target <= {target}) {verdict} {shown}", flush=True)
    return {"ratio": round(ratio, 3), "target": target, **details}


# -- preannotate ------------------------------------------------------------------------------


def article_texts(count: int) -> tuple[list[str], str]:
    if SHARED_ARTICLES.exists():
        lines = SHARED_ARTICLES.read_text(encoding="utf-8").splitlines()
        texts = list(dict.fromkeys(json.loads(line)["text"] for line in lines))[:count]
        return texts, "conll2002 EFE articles"
    samples = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    # Distinct texts (a document is its sha256), same length and vocabulary as the samples.
    texts = [f"{samples[i % len(samples)]}\n({i})" for i in range(count)]
    return texts, "resources/samples repeated"


def bench_preannotate(rounds: int, model: str | None = None, name: str = "preannotate") -> dict:
    """Pre-annotation of 200 articles (model, gazetteer, attribution rules, the store) against
    bare ``nlp.pipe`` of the same pipeline; ``model``: another pipeline than the stock one."""
    texts, source = article_texts(200)
    schema = load_schema()
    pipeline = load_pipeline("es", schema, model)
    if not pipeline.has_model:
        print(f"preannotate: {pipeline.message}", file=sys.stderr)
    characters = sum(map(len, texts))
    workdir = Path(tempfile.mkdtemp(prefix="bench-preannotate-"))

    def bare() -> float:
        started = time.perf_counter()
        for doc in pipeline.nlp.pipe(texts, batch_size=64):
            doc.ents  # noqa: B018 - what the project reads of each doc
        return time.perf_counter() - started

    counter = iter(range(1000))

    def project() -> float:
        path = workdir / f"p{next(counter)}.db"
        with Store(path) as store:
            with store.transaction():
                for text in texts:
                    store.add_document(text, lang="es")
            started = time.perf_counter()
            result = preannotate(store, pipelines={"es": pipeline}, batch_size=64)
            elapsed = time.perf_counter() - started
            assert result.documents == len(texts) and result.suggestions > 0
        return elapsed

    project()  # warm-up: first use of the pipeline's caches
    bare_time, project_time = median_times(rounds, bare, project)
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        name,
        project_time / bare_time,
        1.15,
        documents=len(texts),
        characters=characters,
        data=source,
        pipeline=pipeline.name,
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


# -- import -----------------------------------------------------------------------------------

WORDS = (
    "el la de que en los las del gobierno ministro presidente agencia dijo según informó capital "
    "acuerdo tropas frontera misil lanzamiento portavoz consejo seguridad comunicado ejército "
    "conversaciones sanciones embajada prensa reunión defensa cooperación declaró"
).split()
NAMES = [
    "Kim Jong-un",
    "Pionyang",
    "Seúl",
    "Moscú",
    "Consejo de Seguridad",
    "Shoigú",
    "KCNA",
    "Naciones Unidas",
]
LABELS = ["PER", "LOC", "LOC", "LOC", "ORG", "PER", "ORG", "ORG"]


def make_import_file(path: Path, documents: int, spans_per_document: int, seed: int = 7) -> int:
    """A JSONL of Spanish-like articles, each with non-overlapping entity spans. Returns spans."""
    rng = random.Random(seed)
    total = 0
    with open(path, "w", encoding="utf-8") as f:
        for number in range(documents):
            parts, spans, position = [], [], 0
            for _ in range(spans_per_document):
                filler = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))) + " "
                parts.append(filler)
                position += len(filler)
                which = rng.randrange(len(NAMES))
                spans.append({"start": position, "end": position + len(NAMES[which]), "label": LABELS[which]})
                parts.append(NAMES[which] + " ")
                position += len(NAMES[which]) + 1
            parts.append(f"fin del artículo {number}.")
            total += len(spans)
            record = {"id": f"doc-{number}", "text": "".join(parts), "meta": {"n": number}, "spans": spans}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return total


def bench_import(rounds: int) -> dict:
    documents, per_document = 20_000, 25
    workdir = Path(tempfile.mkdtemp(prefix="bench-import-"))
    source = workdir / "articles.jsonl"
    total_spans = make_import_file(source, documents, per_document)
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    stamp = now()
    document_rows = [
        (
            r["id"],
            r["text"][:40],
            r["text"],
            len(r["text"]),
            text_sha256(r["text"]),
            "es",
            json.dumps(r["meta"]),
            stamp,
            stamp,
        )
        for r in records
    ]
    counter = iter(range(1000))

    def fresh_db() -> Path:
        path = workdir / f"db{next(counter)}.db"
        Store(path).close()  # same tables, indexes, triggers and settings as the project's
        return path

    def bare() -> float:
        path = fresh_db()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        annotator_id = conn.execute(
            "INSERT INTO annotators (name, kind, created_at) VALUES ('import', 'import', ?) RETURNING id",
            (stamp,),
        ).fetchone()[0]
        span_rows = [
            (
                index + 1,
                s["start"],
                s["end"],
                s["label"],
                annotator_id,
                "import",
                "",
                "accepted",
                "{}",
                stamp,
                stamp,
            )
            for index, r in enumerate(records)
            for s in r["spans"]
        ]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO documents (external_id, title, text, text_length, sha256, lang, meta, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            document_rows,
        )
        conn.executemany(
            'INSERT INTO spans (document_id, start, "end", label, annotator_id, origin, origin_detail, status, '
            "attributes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            span_rows,
        )
        # the same tables: the full-text index the project keeps in step
        conn.execute("INSERT INTO documents_fts (rowid, title, text) SELECT id, title, text FROM documents")
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == total_spans
        conn.close()
        return elapsed

    def project() -> float:
        path = fresh_db()
        with Store(path) as store:
            started = time.perf_counter()
            result = import_paths(store, [source])
            elapsed = time.perf_counter() - started
            assert result.rejected_files == [] and result.total("spans_added") == total_spans
        return elapsed

    bare_time, project_time = median_times(rounds, bare, project)
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "import",
        project_time / bare_time,
        2.0,
        documents=documents,
        spans=total_spans,
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


# -- export -----------------------------------------------------------------------------------


def _export_project(workdir: Path) -> tuple[Path, int]:
    """A project of 20,000 documents and 500,000 accepted spans (the import benchmark's data)."""
    source = workdir / "articles.jsonl"
    total = make_import_file(source, 20_000, 25)
    path = workdir / "export.db"
    with Store(path) as store:
        report = import_paths(store, [source], annotator="ana")
        assert report.total("spans_added") == total
        with store.transaction():  # token boundaries, as pre-annotation stores them
            for document_id, text in store.document_texts(store.document_ids()).items():
                store.set_tokens(document_id, *simple_tokens(text), "bench")
    return path, total


def bench_export(rounds: int, format_name: str) -> dict:
    """CSV or JSONL export against a bare SELECT of the same rows written by csv.writer or
    json.dumps in the same run."""
    import csv

    from annotator.domain import Selection
    from annotator.exporting import export
    from annotator.store import unpack_offsets

    workdir = Path(tempfile.mkdtemp(prefix=f"bench-export-{format_name}-"))
    path, total = _export_project(workdir)
    store = Store(path)
    counter = iter(range(1000))

    def bare_csv() -> float:
        started = time.perf_counter()
        rows = store.conn.execute(
            'SELECT s.document_id, d.title, d.sha256, a.name, l.layer, s.label, s.start, s."end", '
            'substr(d.text, s.start + 1, s."end" - s.start), s.attributes, s.origin, s.status, s.note, '
            "s.created_at, s.updated_at FROM spans s JOIN labels l ON l.name = s.label "
            "JOIN annotators a ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id "
            'ORDER BY s.document_id, s.start, s."end", s.id'
        )
        with open(workdir / f"bare{next(counter)}.csv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
        return time.perf_counter() - started

    def bare_jsonl() -> float:
        """The same lines in Prodigy's shape (text, meta, tokens, spans, answer), written the
        shortest way: two SELECTs and json.dumps."""
        started = time.perf_counter()
        documents = store.conn.execute(
            "SELECT d.id, d.title, d.text, d.meta, t.offsets FROM documents d "
            "LEFT JOIN tokens t ON t.document_id = d.id ORDER BY d.id"
        )
        spans = store.conn.execute(
            'SELECT document_id, start, "end", label FROM spans ORDER BY document_id, start, "end", id'
        )
        by_document: dict[int, list] = {}
        for document_id, start, end, label in spans:
            by_document.setdefault(document_id, []).append({"start": start, "end": end, "label": label})
        with open(workdir / f"bare{next(counter)}.jsonl", "w", encoding="utf-8") as f:
            for document_id, title, text, meta, offsets in documents:
                starts, ends = unpack_offsets(offsets)
                tokens = [
                    {
                        "text": text[a:b],
                        "start": a,
                        "end": b,
                        "id": i,
                        "ws": b < len(text) and text[b].isspace(),
                    }
                    for i, (a, b) in enumerate(zip(starts, ends, strict=True))
                ]
                record = {
                    "text": text,
                    "meta": json.loads(meta) | {"title": title},
                    "tokens": tokens,
                    "spans": by_document.get(document_id, []),
                    "answer": "accept",
                }
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return time.perf_counter() - started

    def project() -> float:
        out = workdir / f"project{next(counter)}.{format_name}"
        started = time.perf_counter()
        report = export(store, format_name, out, Selection())
        elapsed = time.perf_counter() - started
        assert report.spans == total
        return elapsed

    bare = bare_csv if format_name == "csv" else bare_jsonl
    bare_time, project_time = median_times(rounds, bare, project)
    store.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        f"export_{format_name}",
        project_time / bare_time,
        2.0,
        documents=20_000,
        spans=total,
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


# -- review ---------------------------------------------------------------------------------


def _two_annotators(path: Path, documents: int = 10_000, per_document: int = 20) -> int:
    """A project where "ana" and "bea" each have ``per_document`` entities in every document,
    bea's a perturbed copy of ana's (relabelled, shifted, missing), with stored tokens."""
    rng = random.Random(5)
    source = path.with_suffix(".jsonl")
    make_import_file(source, documents, per_document)
    with Store(path) as store:
        import_paths(store, [source], annotator="ana")
        ana, bea = store.annotator_id("ana"), store.annotator_id("bea")
        rows = []
        for span in store.spans(annotator="ana"):
            roll = rng.random()
            if roll < 0.05:
                continue
            label = rng.choice(["PER", "ORG", "LOC", "MISC"]) if roll < 0.15 else span.label
            start = span.start + 1 if roll > 0.95 and span.end - span.start > 2 else span.start
            rows.append((span.document_id, start, span.end, label, bea, "manual", "", "accepted", "{}"))
        with store.transaction():
            store.insert_spans(rows)
            for document_id, text in store.document_texts(store.document_ids()).items():
                store.set_tokens(document_id, *simple_tokens(text), "bench")
        del ana
        return len(rows)


def bench_agreement(rounds: int) -> dict:
    from annotator.review import agreement

    workdir = Path(tempfile.mkdtemp(prefix="bench-agreement-"))
    path = workdir / "two.db"
    spans_b = _two_annotators(path)
    store = Store(path)

    def bare() -> float:
        started = time.perf_counter()
        rows = store.conn.execute(
            'SELECT s.document_id, a.name, s.start, s."end", s.label FROM spans s '
            "JOIN annotators a ON a.id = s.annotator_id WHERE a.name IN ('ana', 'bea') ORDER BY s.document_id"
        ).fetchall()
        assert len(rows) > 0
        return time.perf_counter() - started

    def project() -> float:
        started = time.perf_counter()
        result = agreement(store, "ana", "bea")
        elapsed = time.perf_counter() - started
        assert result.n_docs == 10_000 and 0.5 < result.exact.f1 < 1.0
        return elapsed

    bare_time, project_time = median_times(rounds, bare, project)
    store.close()
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "agreement",
        project_time / bare_time,
        3.0,
        documents=10_000,
        spans_b=spans_b,
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


def bench_merge(rounds: int) -> dict:
    from annotator.merge import merge

    workdir = Path(tempfile.mkdtemp(prefix="bench-merge-"))
    colleague = workdir / "colleague.db"
    source = workdir / "colleague.jsonl"
    total = make_import_file(source, 10_000, 20)
    with Store(colleague) as store:
        import_paths(store, [source], annotator="bea")
        store.conn.execute("UPDATE annotators SET kind = 'human' WHERE name = 'bea'")
    counter = iter(range(1000))

    def fresh() -> Path:
        path = workdir / f"ours{next(counter)}.db"
        Store(path).close()
        return path

    def bare() -> float:
        path = fresh()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        started = time.perf_counter()
        conn.execute("ATTACH DATABASE ? AS other", (str(colleague),))
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO main.annotators SELECT * FROM other.annotators")
        columns = "id, external_id, title, text, text_length, sha256, lang, source, url, published, meta, created_at, updated_at"
        conn.execute(f"INSERT INTO main.documents ({columns}) SELECT {columns} FROM other.documents")
        conn.execute(
            'INSERT INTO main.spans (document_id, start, "end", label, annotator_id, origin, origin_detail, status, '
            'attributes, note, created_at, updated_at) SELECT document_id, start, "end", label, annotator_id, '
            "origin, origin_detail, status, attributes, note, created_at, updated_at FROM other.spans"
        )
        conn.execute(
            "INSERT INTO main.documents_fts (rowid, title, text) SELECT id, title, text FROM main.documents"
        )
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - started
        assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == total
        conn.close()
        return elapsed

    def project() -> float:
        path = fresh()
        with Store(path) as store:
            started = time.perf_counter()
            result = merge(store, colleague)
            elapsed = time.perf_counter() - started
            assert result.spans_added == {"bea": total}
        return elapsed

    bare_time, project_time = median_times(rounds, bare, project)
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "merge",
        project_time / bare_time,
        3.0,
        documents=10_000,
        spans=total,
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


def bench_export_long_csv(rounds: int) -> dict:
    """CSV export of one 1,000,000-character article with 50,000 spans, against the JSON export
    of the same project (it was quadratic: SQL substr re-read the text per span, 19 of 21.5 s).
    Target: <= 1.5 times the JSON export."""
    from annotator.domain import Selection
    from annotator.exporting import export

    workdir = Path(tempfile.mkdtemp(prefix="bench-long-csv-"))
    rng = random.Random(3)
    parts, rows, position = [], [], 0
    while len(rows) < 50_000:
        filler = " ".join(rng.choices(WORDS, k=rng.randint(1, 2))) + " "
        parts.append(filler)
        position += len(filler)
        which = rng.randrange(len(NAMES))
        rows.append((position, position + len(NAMES[which]), LABELS[which]))
        parts.append(NAMES[which] + " ")
        position += len(NAMES[which]) + 1
    text = "".join(parts)
    path = workdir / "long.db"
    with Store(path) as store:
        document_id, _ = store.add_document(text, "Largo", lang="es")
        ana = store.annotator_id("ana", "human")
        store.insert_spans([(document_id, s, e, label, ana, "manual", "", "accepted", "{}") for s, e, label in rows])

    def run(format_name: str) -> Callable[[], float]:
        def timed() -> float:
            with Store(path) as store:
                started = time.perf_counter()
                export(store, format_name, workdir / f"out.{format_name}", Selection())
                return time.perf_counter() - started

        return timed

    json_time, csv_time = median_times(rounds, run("json"), run("csv"))
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "export_long_csv",
        csv_time / json_time,
        1.5,
        characters=len(text),
        spans=len(rows),
        csv_s=round(csv_time, 3),
        json_s=round(json_time, 3),
        rounds=rounds,
    )


SPACY_MEMORY_CHILD = """
import sys
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from annotator.domain import Selection
from annotator.exporting import export
from annotator.store import Store
with Store(Path(sys.argv[1])) as store:
    export(store, "spacy", Path(sys.argv[2]), Selection(annotators=("ana",)))
# VmHWM is this process image's peak; ru_maxrss would carry the forking parent's size over exec
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def bench_export_spacy_memory(rounds: int) -> dict:
    """Peak memory of a DocBin export (a process of its own) of the CoNLL-2002 articles four
    times over, 2,788 documents, as the issue measured it (919 MB then), against a process that
    only opens the project. Target: <= 300 MB."""
    import subprocess

    workdir = Path(tempfile.mkdtemp(prefix="bench-spacy-memory-"))
    path = workdir / "corpus.db"
    if SHARED_ARTICLES.exists():
        lines = SHARED_ARTICLES.read_text(encoding="utf-8").splitlines()
        source, corpus = workdir / "x4.jsonl", "conll2002 x4"
        with open(source, "w", encoding="utf-8") as f:
            for copy in range(4):
                for line in lines:
                    record = json.loads(line)
                    f.write(json.dumps({**record, "text": f"{record['text']} ({copy})"}, ensure_ascii=False) + "\n")
    else:
        source, corpus = workdir / "made.jsonl", "generated"
        make_import_file(source, 2_788, 27)
    with Store(path) as store:
        import_paths(store, [source], annotator="ana")
    peaks = []
    for _ in range(max(1, rounds)):
        child = subprocess.run(
            [sys.executable, "-c", SPACY_MEMORY_CHILD, str(path), str(workdir / "out.spacy"), str(REPO)],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks.append(int(child.stdout.split()[-1]) / 1024)
    peak = statistics.median(peaks)
    shutil.rmtree(workdir, ignore_errors=True)
    verdict = "ok" if peak <= 300 else "OVER TARGET"
    print(f"export_spacy_memory: peak {peak:.0f} MB (target <= 300 MB) {verdict} corpus={corpus}", flush=True)
    return {"peak_mb": round(peak, 1), "target": "<= 300 MB", "corpus": corpus, "rounds": rounds}


def _gui(name: str) -> Callable[[int], dict]:
    """Window benchmarks import Qt only when they run."""

    def run(rounds: int) -> dict:
        import importlib

        return getattr(importlib.import_module("bench.gui"), f"bench_{name}")(rounds)

    return run


def _training():  # noqa: ANN202 - a module
    import importlib

    return importlib.import_module("bench.training")


def _quotes(rounds: int) -> dict:
    import importlib

    return importlib.import_module("bench.quotes").bench_quotes(rounds)


def bench_preannotate_trained(rounds: int) -> dict:
    """As ``preannotate``, with a model the project trained: tok2vec, ner and a spancat (a few
    steps on the samples with their rules' quotes, claims and sources accepted: its speed is
    that of its shape, whatever its quality)."""
    from annotator.training import train

    workdir = Path(tempfile.mkdtemp(prefix="bench-trained-"))
    with Store(workdir / "samples.db") as store:
        import_paths(store, [SAMPLES])
        preannotate(store)
        for document_id in store.document_ids():
            store.accept_all_suggestions(document_id, "ana")
            store.set_document_status(document_id, "done", "ana")
        info = train(store, steps=100)
    try:
        return bench_preannotate(rounds, info.path, "preannotate_trained")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench_import_web(rounds: int) -> dict:
    """Import of saved web pages and PDFs (120 of each) against the bare extractors
    (trafilatura's extraction, pypdf's text) on the same bytes. Target: ratio <= 1.3. The
    pages are the sample articles inside what a saved news page carries (about 60 KB: menus,
    a sidebar of links, inline script and style, a footer); the PDFs, six-page reports."""
    import io

    import trafilatura
    from pypdf import PdfReader

    from tests.pdfmaker import make_pdf

    workdir = Path(tempfile.mkdtemp(prefix="bench-web-"))
    pages = workdir / "pages"
    pages.mkdir()
    samples = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))]
    for i in range(120):
        title, *paragraphs = [line for line in samples[i % len(samples)].splitlines() if line.strip()]
        body = "".join(f"<p>{line} ({i})</p>" for line in paragraphs)
        menu = "".join(f"<li><a href='/seccion/{k}'>Sección {k}</a></li>" for k in range(150))
        sidebar = "".join(f"<li><a href='/noticia/{i}-{k}'>Otro titular número {k} del día</a></li>" for k in range(200))
        script = "var config = {" + ",".join(f"'k{k}': {k}" for k in range(1500)) + "};"
        style = "".join(f".c{k} {{ margin: {k % 9}px; color: #{k:06x}; }}" for k in range(600))
        page = (
            f"<html><head><title>{title} | Diario</title><style>{style}</style><script>{script}</script></head>"
            f"<body><nav><ul>{menu}</ul></nav><main><article><h1>{title}</h1>{body}</article>"
            f"<aside><h2>Lo más leído</h2><ul>{sidebar}</ul></aside></main>"
            "<footer>© Diario · Aviso legal · Cookies</footer></body></html>"
        )
        (pages / f"{i:03d}.html").write_text(page, encoding="utf-8")
        text = "\n".join(paragraphs)
        latin = text.encode("cp1252", "replace").decode("cp1252")
        (pages / f"{i:03d}.pdf").write_bytes(make_pdf([f"{title} ({i})", *[latin] * 5], title=title))
    files = sorted(pages.iterdir())
    data = [(path.suffix, path.read_bytes()) for path in files]
    megabytes = sum(len(b) for _, b in data) / 1e6

    def bare() -> float:
        started = time.perf_counter()
        for suffix, content in data:
            if suffix == ".html":
                trafilatura.bare_extraction(trafilatura.load_html(content), with_metadata=True)
            else:
                [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]
        return time.perf_counter() - started

    counter = iter(range(1000))

    def project() -> float:
        with Store(workdir / f"p{next(counter)}.db") as store:
            started = time.perf_counter()
            report = import_paths(store, [pages])
            elapsed = time.perf_counter() - started
            assert report.total("documents_new") == len(files) and not report.rejected_files
        return elapsed

    project()  # warm-up: the extractors' first imports
    bare_time, project_time = median_times(rounds, bare, project)
    shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "import_web",
        project_time / bare_time,
        1.3,
        files=len(files),
        megabytes=round(megabytes, 2),
        bare_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        mb_per_s=round(megabytes / project_time, 2),
        rounds=rounds,
    )


def _scale(name: str) -> Callable[[int], dict]:
    def run(rounds: int) -> dict:
        import importlib

        return getattr(importlib.import_module("bench.scale"), f"bench_{name}")(rounds)

    return run


def _server(name: str) -> Callable[[int], dict]:
    """Server benchmarks start a PostgreSQL of their own (tests/postgres.py) only when they run."""

    def run(rounds: int) -> dict:
        import importlib

        return getattr(importlib.import_module("bench.server"), f"bench_{name}")(rounds)

    return run


BENCHMARKS: dict[str, Callable[[int], dict]] = {
    "preannotate": bench_preannotate,
    "preannotate_trained": bench_preannotate_trained,
    "import": bench_import,
    "import_web": bench_import_web,
    "open_document": _gui("open_document"),
    "label_keystroke": _gui("label_keystroke"),
    "accept_all": _gui("accept_all"),
    "startup": _gui("startup"),
    "export_csv": lambda rounds: bench_export(rounds, "csv"),
    "export_jsonl": lambda rounds: bench_export(rounds, "jsonl"),
    "export_long_csv": bench_export_long_csv,
    "export_spacy_memory": bench_export_spacy_memory,
    "agreement": bench_agreement,
    "merge": bench_merge,
    "train_quality": lambda rounds: _training().bench_train_quality(rounds),
    "train_time": lambda rounds: _training().bench_train_time(rounds),
    "quotes": _quotes,
    # on the generated 100,000-article project (bench/generate.py, built once into bench/.cache)
    "server_import": _server("server_import"),
    "server_export": _server("server_export"),
    "team_load": lambda rounds: __import__("bench.team_load", fromlist=["x"]).bench_team_load(rounds),
    "list_open": _scale("list_open"),
    "list_filter": _scale("list_filter"),
    "search": _scale("search"),
    "segments": _scale("segments"),
    "open_long_document": _scale("open_long_document"),
    "label_keystroke_long": _scale("label_keystroke_long"),
    "memory": _scale("memory"),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "names", nargs="*", choices=[[], *BENCHMARKS], help="benchmarks to run (default: all)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds per benchmark (median is reported)")
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in args.names or list(BENCHMARKS):
        results[name] = BENCHMARKS[name](args.rounds)
        RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
