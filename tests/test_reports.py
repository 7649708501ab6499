"""Label reports: co-occurrence (overlap in the text, shared articles) and frequencies by a
document attribute; from the store, on the command line and in the window."""

import csv
import json

from click.testing import CliRunner

from annotator.cli import cli
from annotator.reports import cooccurrence, frequencies
from annotator.store import Store

ONE = "Kim Jong-un dijo «nada cambia» según KCNA en Pionyang."
TWO = "Shoigú visitó Moscú y Pionyang."


def project(path):
    store = Store(path)
    one, _ = store.add_document(ONE, "Uno", published="2026-03-14", source="KCNA", meta={"section": "mundo"})
    two, _ = store.add_document(TWO, "Dos", published="2026-04-02", source="TASS")
    quote = ONE.index("«")
    for document_id, text, words, label in (
        (one, ONE, "Kim Jong-un", "PER"),
        (one, ONE, "«nada cambia»", "QUOTE"),
        (one, ONE, "KCNA", "ORG"),
        (one, ONE, "Pionyang", "LOC"),
        (two, TWO, "Shoigú", "PER"),
        (two, TWO, "Moscú", "LOC"),
        (two, TWO, "Pionyang", "LOC"),
    ):
        start = text.index(words)
        store.add_span(document_id, start, start + len(words), label, "ana")
    # a CLAIM over the quote and the agency: overlaps both, in the analysis layer
    store.add_span(one, quote, ONE.index("KCNA") + 4, "CLAIM", "ana")
    store.add_span(two, 0, 6, "MISC", "bea")  # another person's: left out with --annotator ana
    return store


def test_cooccurrence_counts_overlaps_and_shared_articles(tmp_path):
    with project(tmp_path / "p.db") as store:
        table = cooccurrence(store)
        assert table.articles == 2 and table.labels == ["PER", "ORG", "LOC", "MISC", "CLAIM", "QUOTE"]
        assert table.overlap[("ORG", "CLAIM")] == 1 and table.overlap[("CLAIM", "QUOTE")] == 1
        assert table.overlap[("PER", "MISC")] == 1  # bea's MISC over Shoigú
        assert table.overlap[("PER", "LOC")] == 0
        assert table.documents[("PER", "LOC")] == 2 and table.documents[("LOC", "LOC")] == 2
        assert table.documents[("QUOTE", "CLAIM")] == 0 and table.documents[("CLAIM", "QUOTE")] == 1
        months = frequencies(store, "month")
        assert months == {
            "2026-03": {"PER": 1, "QUOTE": 1, "ORG": 1, "LOC": 1, "CLAIM": 1},
            "2026-04": {"PER": 1, "LOC": 2, "MISC": 1},
        }
        assert set(frequencies(store, "meta:section")) == {"mundo", "(none)"}


def test_report_command_table_json_and_csv(tmp_path):
    project(tmp_path / "p.db").close()
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["--db", str(tmp_path / "p.db"), "report", "cooccurrence", "--annotator", "ana"]
    )
    assert shown.exit_code == 0, shown.output
    assert "overlap:" in shown.output and "MISC" not in shown.output
    as_json = runner.invoke(
        cli, ["--db", str(tmp_path / "p.db"), "report", "frequencies", "--by", "source", "--json"]
    )
    groups = json.loads(as_json.output)["groups"]
    assert groups["KCNA"]["QUOTE"] == 1 and groups["TASS"]["LOC"] == 2
    out = tmp_path / "months.csv"
    written = runner.invoke(cli, ["--db", str(tmp_path / "p.db"), "report", "frequencies", "--out", str(out)])
    assert written.exit_code == 0, written.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert (
        rows[0][0] == "month"
        and rows[0][-1] == "total"
        and [r[0] for r in rows[1:]] == ["2026-03", "2026-04"]
    )
    bad = runner.invoke(cli, ["--db", str(tmp_path / "p.db"), "report", "frequencies", "--by", "colour"])
    assert bad.exit_code != 0 and "cannot group by 'colour'" in bad.output


def test_label_report_in_the_window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from annotator.gui.app import MainWindow

    store = project(tmp_path / "p.db")
    window = MainWindow(store, "ana", QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    window.act_report.trigger()
    dialog = window.report_dialog
    labels = [dialog.overlap.verticalHeaderItem(r).text() for r in range(dialog.overlap.rowCount())]
    org, claim = labels.index("ORG"), labels.index("CLAIM")
    assert dialog.overlap.item(org, claim).text() == "1"
    assert [row[0] for row in dialog.chart.rows] == ["2026-03", "2026-04"]
    dialog.close()
    window.close()
    store.close()
