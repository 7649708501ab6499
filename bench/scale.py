"""Scale benchmarks on the generated 100,000-article project (bench/generate.py).

Each against the bare SQL query that returns the same first page of rows, in the same process
and run; the project's side is the real widget reading and drawing that page.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from annotator.gui.document_list import DocumentList, DocumentTableModel  # noqa: E402
from annotator.gui.find_panel import FindPanel, PagedModel  # noqa: E402
from annotator.store import Store, connect, fts_query  # noqa: E402
from bench.generate import cached_project  # noqa: E402

#: Whose list it is: the window counts the suggestions still undecided for its analyst.
VIEWER = "ana"
COUNTS = f"""
    (SELECT count(*) FROM spans s WHERE s.status = 'suggested' AND s.document_id = d.id
     AND NOT EXISTS (SELECT 1 FROM spans f WHERE f.suggestion_id = s.id
                     AND f.annotator_id = (SELECT id FROM annotators WHERE name = '{VIEWER}'))
     AND NOT EXISTS (SELECT 1 FROM spans f WHERE f.document_id = s.document_id
                     AND f.annotator_id = (SELECT id FROM annotators WHERE name = '{VIEWER}')
                     AND f.start = s.start AND f."end" = s."end" AND f.label = s.label)),
    (SELECT count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id
     WHERE s.status = 'accepted' AND s.document_id = d.id AND a.kind NOT IN ('model', 'rule'))
"""
BARE_FILTERS = {
    "none": ("", []),
    "status=done": ("WHERE d.status = ?", ["done"]),
    "label=SOURCE": (
        "WHERE EXISTS (SELECT 1 FROM spans x WHERE x.label = ? AND x.status IN ('suggested', 'accepted') "
        "AND x.document_id = d.id)",
        ["SOURCE"],
    ),
    "annotator=bea": (
        "WHERE EXISTS (SELECT 1 FROM spans x WHERE x.document_id = d.id AND x.annotator_id = "
        "(SELECT id FROM annotators WHERE name = ?))",
        ["bea"],
    ),
    "text=gobierno": (
        "WHERE d.id IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)",
        ['"gobierno"'],
    ),
}


def _pairs(rounds: int, bare: Callable[[], float], project: Callable[[], float]) -> tuple[float, float]:
    # What earlier benchmarks left in this process (gigabytes of objects) is frozen out of the
    # garbage collector, whose passes over it would otherwise land in the few milliseconds
    # timed here: the window's process does not carry that heap.
    gc.collect()
    gc.freeze()
    project()
    bare()  # warm: the same pages in SQLite's and the OS's caches for both
    b, p = [], []
    for _ in range(rounds):
        b.append(bare())
        p.append(project())
    gc.unfreeze()
    return statistics.median(b), statistics.median(p)


def _bare_list(conn, where: str, params: list) -> list:
    return conn.execute(
        f"SELECT d.id, d.title, d.published, d.status, d.lang, d.text_length, {COUNTS} FROM documents d {where} "
        f"ORDER BY d.id LIMIT {DocumentTableModel.PAGE}",
        params,
    ).fetchall()


def _shown_list(app: QApplication, store: Store) -> DocumentList:
    """The document list as the window shows it (its size there), filled and on screen."""
    widget = DocumentList(store)
    widget.model.viewer = lambda: VIEWER
    widget.resize(330, 800)
    widget.show()
    widget.apply_filters()
    app.processEvents()  # exposed: a repaint really paints
    return widget


def bench_list_open(rounds: int) -> dict:
    """Opening the project in the window (File > Open: the store opened, the list's filters and
    first page read, the screen of rows painted) against connecting and the bare SQL query."""
    from bench.run import report

    app = QApplication.instance() or QApplication([])
    path = cached_project()
    first = Store(path)
    widget = _shown_list(app, first)
    stores = [first]

    def project() -> float:
        started = time.perf_counter()
        store = Store(path)
        widget.model.store = store  # what MainWindow.switch_project does
        widget.fill_filters()
        widget.apply_filters()
        widget.table.viewport().repaint()
        elapsed = time.perf_counter() - started
        assert widget.model.rowCount() == DocumentTableModel.PAGE
        stores.append(store)
        return elapsed

    def bare() -> float:
        started = time.perf_counter()
        conn = connect(path)
        rows = _bare_list(conn, "", [])
        elapsed = time.perf_counter() - started
        assert len(rows) == DocumentTableModel.PAGE
        conn.close()
        return elapsed

    rounds = max(rounds, 5)
    bare_time, project_time = _pairs(rounds, bare, project)
    widget.close()
    for store in stores:
        store.close()
    app.processEvents()
    return report(
        "list_open",
        project_time / bare_time,
        3.0,
        documents=100_000,
        rows=DocumentTableModel.PAGE,
        bare_ms=round(bare_time * 1000, 2),
        project_ms=round(project_time * 1000, 2),
        under_100_ms=project_time < 0.1,
        rounds=rounds,
    )


def bench_list_filter(rounds: int) -> dict:
    from bench.run import report

    app = QApplication.instance() or QApplication([])
    path = cached_project()
    store = Store(path)
    widget = _shown_list(app, store)
    conn = connect(path)
    figures = {}
    for name, (where, params) in BARE_FILTERS.items():
        if name == "none":
            continue
        key, value = name.split("=")

        def project(key: str = key, value: str = value) -> float:
            widget.model.refresh()  # back to the whole list, untimed
            started = time.perf_counter()
            widget.model.refresh(**{key: value})
            widget.table.viewport().repaint()
            return time.perf_counter() - started

        def bare(where: str = where, params: list = params) -> float:
            started = time.perf_counter()
            rows = _bare_list(conn, where, params)
            elapsed = time.perf_counter() - started
            assert rows
            return elapsed

        bare_time, project_time = _pairs(max(rounds, 5), bare, project)
        expected = [r[0] for r in _bare_list(conn, where, params)]
        assert [r["id"] for r in widget.model.rows] == expected, name
        figures[name] = {
            "ratio": round(project_time / bare_time, 2),
            "bare_ms": round(bare_time * 1000, 2),
            "project_ms": round(project_time * 1000, 2),
        }
    widget.close()
    store.close()
    conn.close()
    worst = max(figures.values(), key=lambda f: f["ratio"])
    slowest = max(f["project_ms"] for f in figures.values())
    return report(
        "list_filter",
        worst["ratio"],
        3.0,
        documents=100_000,
        filters=figures,
        slowest_ms=slowest,
        under_100_ms=slowest < 100,
    )


def _panel(store: Store) -> FindPanel:
    panel = FindPanel(store, lambda: {})
    panel.resize(1400, 300)
    panel.show()
    return panel


def bench_search(rounds: int, query: str = "ministro") -> dict:
    from bench.run import report

    app = QApplication.instance() or QApplication([])
    path = cached_project()
    store = Store(path)
    panel = _panel(store)
    app.processEvents()
    conn = connect(path)

    def project() -> float:
        started = time.perf_counter()
        panel.query.setText(query)
        panel.run_search()
        panel.search_table.viewport().repaint()
        return time.perf_counter() - started

    def bare() -> float:
        started = time.perf_counter()
        rows = conn.execute(
            "SELECT f.rowid, d.title, d.published, snippet(documents_fts, 1, '[', ']', '…', 12) "
            "FROM documents_fts f JOIN documents d ON d.id = f.rowid WHERE documents_fts MATCH ? "
            f"ORDER BY bm25(documents_fts) LIMIT {PagedModel.PAGE}",
            (fts_query(query),),
        ).fetchall()
        elapsed = time.perf_counter() - started
        assert len(rows) == PagedModel.PAGE
        return elapsed

    bare_time, project_time = _pairs(max(rounds, 5), bare, project)
    matching = conn.execute(
        "SELECT count(*) FROM documents_fts WHERE documents_fts MATCH ?", (fts_query(query),)
    ).fetchone()[0]
    panel.close()
    store.close()
    conn.close()
    return report(
        "search",
        project_time / bare_time,
        2.0,
        query=query,
        matching_documents=matching,
        rows=PagedModel.PAGE,
        bare_ms=round(bare_time * 1000, 2),
        project_ms=round(project_time * 1000, 2),
    )


def bench_segments(rounds: int) -> dict:
    from bench.run import report

    app = QApplication.instance() or QApplication([])
    path = cached_project()
    store = Store(path)
    panel = _panel(store)
    panel.label.setCurrentIndex(panel.label.findData("SOURCE"))
    panel.attributes.setText("agency=KCNA")
    app.processEvents()
    conn = connect(path)

    def project() -> float:
        started = time.perf_counter()
        panel.run_segments()
        panel.segment_table.viewport().repaint()
        return time.perf_counter() - started

    def bare() -> float:
        started = time.perf_counter()
        rows = conn.execute(
            """SELECT s.document_id, d.title, s.id, s.start, s."end", a.name, s.attributes,
                   substr(d.text, max(1, s.start + 1 - 60), min(s.start, 60)),
                   substr(d.text, s.start + 1, s."end" - s.start), substr(d.text, s."end" + 1, 60)
            FROM spans s JOIN documents d ON d.id = s.document_id JOIN annotators a ON a.id = s.annotator_id
            WHERE s.label = 'SOURCE' AND json_extract(s.attributes, '$.agency') = 'KCNA'
              AND s.status = 'accepted' AND a.kind NOT IN ('model', 'rule')
            ORDER BY s.document_id, s.start LIMIT ?""",
            (PagedModel.PAGE,),
        ).fetchall()
        elapsed = time.perf_counter() - started
        assert len(rows) == PagedModel.PAGE
        return elapsed

    bare_time, project_time = _pairs(max(rounds, 5), bare, project)
    assert [r["span_id"] for r in panel.segment_model.rows[:3]]
    panel.close()
    store.close()
    conn.close()
    return report(
        "segments",
        project_time / bare_time,
        2.0,
        query="SOURCE with agency = KCNA",
        rows=PagedModel.PAGE,
        bare_ms=round(bare_time * 1000, 2),
        project_ms=round(project_time * 1000, 2),
    )


MEMORY_CHILD = """
import json, random, resource, statistics, sys, time
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from annotator.gui.app import MainWindow
from annotator.store import Store
app = QApplication([])
store = Store(sys.argv[1])
window = MainWindow(store, "ana", QSettings(sys.argv[3], QSettings.Format.IniFormat))
window.resize(1440, 900)
window.show()
app.processEvents()
table, model = window.documents.table, window.documents.model
pages = []
while model.canFetchMore():
    started = time.perf_counter()
    table.scrollToBottom()
    app.processEvents()
    pages.append(time.perf_counter() - started)
ids = [row["id"] for row in model.rows]
opened = []
for document_id in random.Random(5).sample(ids, 20) + [max(ids)]:
    started = time.perf_counter()
    window.documents.select(document_id)
    window.view.viewport().repaint()
    app.processEvents()
    opened.append(time.perf_counter() - started)
assert "numpy" not in sys.modules and "spacy" not in sys.modules
def peak_mb():
    # VmHWM: this process's own peak. ru_maxrss would carry the parent's resident size over
    # fork and exec (Linux keeps it), i.e. the benchmark runner's, not the window's.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
print(json.dumps({
    "rows": len(ids), "pages": len(pages),
    "scroll_page_median_ms": round(statistics.median(pages) * 1000, 2),
    "scroll_page_p95_ms": round(statistics.quantiles(pages, n=20)[18] * 1000, 2),
    "open_article_median_ms": round(statistics.median(opened[:-1]) * 1000, 1),
    "open_long_article_ms": round(opened[-1] * 1000, 1),
    "peak_rss_mb": peak_mb(),
}))
"""


def bench_memory(rounds: int) -> dict:
    """Peak resident memory of the window on the project, the list scrolled end to end and
    21 articles opened (the last the 1,000,000-character one); without the spaCy model."""
    from bench.run import REPO

    path = cached_project()
    settings = tempfile.mktemp(suffix=".ini")
    output = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD, str(path), str(REPO), settings],
        capture_output=True,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
        check=True,
        timeout=1200,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    verdict = "ok" if figures["peak_rss_mb"] <= 400 else "OVER TARGET"
    print(f"memory: peak {figures['peak_rss_mb']} MB (target <= 400 MB) {verdict} {figures}", flush=True)
    return {"ratio": None, "target": "peak RSS <= 400 MB", **figures}


def bench_open_long_document(rounds: int) -> dict:
    from bench.gui import bench_open_document

    return bench_open_document(rounds, 1_000_000, 50_000, "open_long_document", 3.0)


def bench_label_keystroke_long(rounds: int) -> dict:
    from bench.gui import bench_label_keystroke

    return bench_label_keystroke(rounds, 1_000_000, 50_000, "label_keystroke_long")
