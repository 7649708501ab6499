"""Benchmarks of a server project, on a real PostgreSQL started for the run (tests/postgres.py).

- ``server_import``: the import benchmark's JSONL (20,000 documents, 500,000 spans) imported
  into a server project, against bare psycopg ``COPY`` of the same rows into the same tables.
- ``server_export``: the CSV export of that project, against a bare ``COPY (SELECT ...) TO
  STDOUT`` of the same columns written to a file.

Both take the project's side as its users run it: `annotator import` / `export` on the URL.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

from annotator.domain import Selection, text_sha256
from annotator.exporting import export
from annotator.importing import import_paths
from annotator.store import Store, now
from bench.run import make_import_file, median_times, report
from tests.postgres import Server

DOCUMENTS, PER_DOCUMENT = 20_000, 25


def _server() -> Server:
    """A server started for the run, with an empty project to copy each fresh one from."""
    server = Server().start()
    server.counter = iter(range(1000))
    server.admin_execute("CREATE DATABASE template_project")
    Store(server.url("template_project")).close()
    return server


def _fresh(server: Server) -> str:
    name = f"bench_{next(server.counter)}"
    server.admin_execute(f"DROP DATABASE IF EXISTS {name}")
    server.admin_execute(f"CREATE DATABASE {name} TEMPLATE template_project")
    return server.url(name)


def bench_server_import(rounds: int) -> dict:
    import psycopg

    workdir = Path(tempfile.mkdtemp(prefix="bench-server-import-"))
    source = workdir / "articles.jsonl"
    total = make_import_file(source, DOCUMENTS, PER_DOCUMENT)
    records = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
    stamp = now()
    server = _server()

    def bare() -> float:
        url = _fresh(server)
        with psycopg.connect(url) as conn:
            annotator_id = conn.execute(
                "INSERT INTO annotators (name, kind, created_at) VALUES ('import', 'import', %s) RETURNING id",
                (stamp,),
            ).fetchone()[0]
            conn.commit()
            started = time.perf_counter()
            with conn.cursor() as cursor:
                with cursor.copy(
                    "COPY documents (id, external_id, title, text, text_length, sha256, lang, meta, created_at, "
                    "updated_at) FROM STDIN"
                ) as copy:
                    for index, r in enumerate(records):
                        copy.write_row(
                            (index + 1, r["id"], r["text"][:40], r["text"], len(r["text"]), text_sha256(r["text"]),
                             "es", json.dumps(r["meta"]), stamp, stamp)
                        )  # fmt: skip
                with cursor.copy(
                    'COPY spans (document_id, start, "end", label, annotator_id, origin, origin_detail, status, '
                    "attributes, created_at, updated_at) FROM STDIN"
                ) as copy:
                    for index, r in enumerate(records):
                        for s in r["spans"]:
                            copy.write_row(
                                (index + 1, s["start"], s["end"], s["label"], annotator_id, "import", "",
                                 "accepted", "{}", stamp, stamp)
                            )  # fmt: skip
            conn.commit()
            elapsed = time.perf_counter() - started
            assert conn.execute("SELECT count(*) FROM spans").fetchone()[0] == total
        return elapsed

    def project() -> float:
        url = _fresh(server)
        with Store(url) as store:
            started = time.perf_counter()
            result = import_paths(store, [source])
            elapsed = time.perf_counter() - started
            assert result.rejected_files == [] and result.total("spans_added") == total
        return elapsed

    try:
        bare_time, project_time = median_times(rounds, bare, project)
    finally:
        server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "server_import",
        project_time / bare_time,
        2.0,
        documents=DOCUMENTS,
        spans=total,
        bare_copy_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )


def bench_server_export(rounds: int) -> dict:
    import psycopg

    workdir = Path(tempfile.mkdtemp(prefix="bench-server-export-"))
    source = workdir / "articles.jsonl"
    total = make_import_file(source, DOCUMENTS, PER_DOCUMENT)
    server = _server()
    url = _fresh(server)
    with Store(url) as store:
        import_paths(store, [source], annotator="ana")
    counter = iter(range(1000))
    store = Store(url)
    raw = psycopg.connect(url)

    def bare() -> float:
        started = time.perf_counter()
        query = (
            'SELECT s.document_id, d.title, d.sha256, a.name, l.layer, s.label, s.start, s."end", '
            'substr(d.text, s.start + 1, s."end" - s.start), s.attributes, s.origin, s.status, s.note, '
            "s.created_at, s.updated_at FROM spans s JOIN labels l ON l.name = s.label "
            "JOIN annotators a ON a.id = s.annotator_id JOIN documents d ON d.id = s.document_id "
            'ORDER BY s.document_id, s.start, s."end", s.id'
        )
        with open(workdir / f"bare{next(counter)}.csv", "wb") as f:
            with raw.cursor().copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    f.write(block)
        raw.rollback()
        return time.perf_counter() - started

    def project() -> float:
        out = workdir / f"project{next(counter)}.csv"
        started = time.perf_counter()
        result = export(store, "csv", out, Selection())
        elapsed = time.perf_counter() - started
        assert result.spans == total
        return elapsed

    try:
        bare_time, project_time = median_times(rounds, bare, project)
    finally:
        raw.close()
        store.close()
        server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    return report(
        "server_export",
        project_time / bare_time,
        2.0,
        documents=DOCUMENTS,
        spans=total,
        bare_copy_s=round(bare_time, 3),
        project_s=round(project_time, 3),
        rounds=rounds,
    )
