"""How analysts work, from the history: active time with pauses cut, actions per hour; on the
command line (stats, history CSV) and in the window (Review > Time spent)."""

import csv
import io
import json

from click.testing import CliRunner

from annotator.cli import cli
from annotator.editing import Editor
from annotator.store import Store
from annotator.worktime import FIRST_ACTION_SECONDS, IDLE_SECONDS, work_time


def at(seconds: float) -> str:
    whole, part = divmod(seconds, 60)
    hours_, minutes = divmod(int(whole), 60)
    return f"2026-12-01T{9 + hours_:02d}:{minutes:02d}:{part:06.3f}+00:00"


def test_pauses_are_cut_and_changes_of_one_action_count_once():
    rows = [
        (at(0), "ana", 1, 1),
        (at(0.2), "ana", 1, 2),  # the same action (a suggestion's fate and the decision)
        (at(30), "ana", 1, 3),
        (at(90), "ana", 2, 4),
        (at(90 + IDLE_SECONDS + 1), "ana", 2, 5),  # after a pause: a new stretch
        (at(20), "bea", 1, 6),
    ]
    credits: dict[int, float] = {}
    work = work_time(rows, credits=credits)
    ana = work["ana"]
    assert ana.actions == 4
    expected = FIRST_ACTION_SECONDS + 0.2 + 29.8 + 60 + FIRST_ACTION_SECONDS
    assert abs(ana.seconds - expected) < 1e-6
    assert abs(ana.documents[1] - (FIRST_ACTION_SECONDS + 30)) < 1e-6
    assert abs(ana.documents[2] - (60 + FIRST_ACTION_SECONDS)) < 1e-6
    assert abs(ana.per_hour - 4 / (expected / 3600)) < 1e-6
    assert credits[5] == FIRST_ACTION_SECONDS and abs(credits[4] - 60) < 1e-6
    assert work["bea"].actions == 1 and list(work) == ["ana", "bea"]


def test_the_history_of_real_actions_gives_stats_and_a_csv(tmp_path):
    path = tmp_path / "p.db"
    with Store(path) as store:
        document_id, _ = store.add_document("Kim Jong-un visitó Pionyang con Shoigú.", "Kim")
        editor = Editor(store, "ana")
        editor.create_span(document_id, 0, 11, "PER")
        editor.create_span(document_id, 19, 27, "LOC")
        editor.undo()
        assert len(store.activity("ana")) >= 3 and store.activity("nobody") == []
    runner = CliRunner()
    stats = runner.invoke(cli, ["--db", str(path), "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    work = json.loads(stats.output)["work"]
    assert list(work) == ["ana"] and work["ana"]["actions"] >= 1 and work["ana"]["seconds"] > 0
    assert list(work["ana"]["documents"]) == [str(document_id)]
    shown = runner.invoke(cli, ["--db", str(path), "stats"])
    assert "Work (from the history" in shown.output and "ana" in shown.output
    out = tmp_path / "history.csv"
    exported = runner.invoke(cli, ["--db", str(path), "history", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["action"] for r in rows} >= {"add span", "undo span"} and all(r["annotator"] == "ana" for r in rows)
    # the same credits: the total is given to a tenth of a second, each row to a thousandth (a
    # tolerance of 0.01 failed on a slow machine, where the actions were 12 ms apart)
    assert abs(sum(float(r["active_seconds"]) for r in rows) - work["ana"]["seconds"]) <= 0.05 + 0.0005 * len(rows)
    assert json.loads(rows[0]["after"])["label"] == "PER"


def test_time_spent_in_the_window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from annotator.gui.app import MainWindow

    store = Store(tmp_path / "p.db")
    document_id, _ = store.add_document("Kim Jong-un visitó Pionyang.", "Kim")
    Editor(store, "ana").create_span(document_id, 0, 11, "PER")
    window = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.open_document(document_id)
    window.act_work.trigger()
    dialog = window.work_dialog
    assert [row[0] for row in dialog.people.rows] == ["ana"]
    assert dialog.article is not None and dialog.article.rows[0][0] == "ana"
    image = dialog.grab().toImage()
    assert not image.isNull() and image.width() > 300
    dialog.close()
    window.close()
    store.close()
