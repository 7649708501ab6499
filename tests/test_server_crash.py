"""A server project when things go wrong: the server restarted under working clients, and a
client killed with -9 in the middle of its actions. Nothing a client was told is saved may be
missing afterwards, no action may be half there, and the clients carry on by themselves."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from annotator.errors import ConnectionLost
from annotator.store import Store
from tests.conftest import REPO
from tests.test_server import TEXT

#: A client that accepts suggestions one by one, printing each id once its action is committed
#: (acknowledged), then accepts a whole article's in one action, forever.
CLIENT = """
import sys
sys.path.insert(0, {repo!r})
from annotator.store import Store
store = Store({url!r})
for suggestion in store.conn.execute(
    "SELECT id FROM spans WHERE status = 'suggested' ORDER BY id"
).fetchall():
    store.accept_suggestion(suggestion[0], "ana")
    print(suggestion[0], flush=True)
"""


def suggestions(store, documents: int = 40, per_document: int = 25) -> None:
    model = store.annotator_id("es_core_news_sm", "model")
    with store.transaction():
        for n in range(documents):
            document_id, _ = store.add_document(f"{TEXT} ({n})" + " palabra" * 200, f"A{n}")
            store.insert_spans(
                [(document_id, 80 + 9 * k, 87 + 9 * k, "MISC", model, "model", "", "suggested", "{}") for k in range(per_document)]
            )


def decided(store) -> set[int]:
    """The suggestions ana has accepted (her decisions name them)."""
    return {
        r[0]
        for r in store.conn.execute(
            "SELECT suggestion_id FROM spans WHERE suggestion_id IS NOT NULL AND status = 'accepted' "
            "AND annotator_id = (SELECT id FROM annotators WHERE name = 'ana')"
        )
    }


def consistent(store) -> None:
    """No action half there: each decision names a suggestion that is still undecided for the
    team (the model's row untouched), and no suggestion was decided twice by ana."""
    rows = store.conn.execute(
        "SELECT d.suggestion_id, s.status, s.origin FROM spans d JOIN spans s ON s.id = d.suggestion_id "
        "WHERE d.annotator_id = (SELECT id FROM annotators WHERE name = 'ana')"
    ).fetchall()
    assert rows and {(status, origin) for _, status, origin in rows} == {("suggested", "model")}
    assert len({r[0] for r in rows}) == len(rows)


def test_a_client_killed_mid_action_loses_nothing_acknowledged(server_url, tmp_path):
    with Store(server_url) as store:
        suggestions(store)
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT.format(repo=str(REPO), url=server_url)],
        stdout=subprocess.PIPE,
        text=True,
    )
    acknowledged = []
    deadline = time.monotonic() + 60
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        line = client.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    os.kill(client.pid, signal.SIGKILL)  # in the middle of its next action
    client.wait()
    acknowledged += [int(line) for line in client.stdout.read().split()]
    assert len(acknowledged) >= 150
    with Store(server_url) as store:
        accepted = decided(store)
        assert set(acknowledged) <= accepted
        assert len(accepted - set(acknowledged)) <= 1  # at most the action committed as it was killed
        consistent(store)
        # the server let the dead client's locks go: another client writes at once
        store.accept_all_suggestions(store.document_ids()[-1], "ana")
        consistent(store)


def test_a_server_restart_under_a_client(pg_server, server_url):
    store = Store(server_url)
    document_id, _ = store.add_document(TEXT, "Kim")
    first = store.add_span(document_id, 0, 11, "PER", "ana")  # acknowledged
    pg_server.restart()
    # between two actions: the store connects again by itself, the action goes through
    second = store.add_span(document_id, 35, 39, "ORG", "ana")
    assert store.conn.reconnections == 1
    assert {s.id for s in store.spans(document_id)} >= {first.id, second.id}
    # the server stopped for good: the action is refused with a plain message, nothing kept
    pg_server.stop()
    try:
        with pytest.raises(ConnectionLost, match="cannot be reached|connection to the server lost"):
            store.add_span(document_id, 46, 51, "MISC", "ana")
    finally:
        pg_server.resume()
    with Store(server_url) as again:
        assert [s.start for s in again.spans(document_id)] == [0, 35]
    store.close()


def test_an_export_cut_midway_by_the_server_says_so_and_leaves_no_file(pg_server, server_url, tmp_path):
    """An export's rows come from a cursor of the server's, a few thousand at a time: a
    connection cut between two fetches is said as every lost connection is (no traceback of
    the driver's), the export leaves nothing under its name, and the next one goes through."""
    from annotator.domain import Selection
    from annotator.exporting import export

    store = Store(server_url)
    suggestions(store, documents=60, per_document=100)  # 6,000 rows: more than one fetch
    cut: list[int] = []

    def progress(done: int, total: int) -> None:
        if not cut:
            cut.append(store.conn.raw.info.backend_pid)
            pg_server.admin_execute(f"SELECT pg_terminate_backend({cut[0]})")

    out = tmp_path / "out.csv"
    with pytest.raises(ConnectionLost, match="connection to the server lost"):
        export(store, "csv", out, Selection(include_suggestions=True), progress)
    assert cut and list(tmp_path.iterdir()) == []
    report = export(store, "csv", out, Selection(include_suggestions=True))
    assert report.spans == 6000 and store.conn.reconnections == 1
    store.close()
