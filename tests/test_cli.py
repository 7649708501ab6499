import json
import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.store import Store
from tests.conftest import SAMPLES


def run(*args, db=None):
    prefix = ["--db", str(db)] if db else []
    return CliRunner().invoke(cli, [*prefix, *map(str, args)], catch_exceptions=False)


def all_commands():
    return sorted(cli.commands)


@pytest.mark.parametrize("command", all_commands())
def test_every_command_has_help_with_an_example(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"annotator {command}" in result.output or "annotator --db" in result.output


def test_top_level_help_lists_commands():
    result = run("--help")
    assert result.exit_code == 0
    for command in ("import", "preannotate", "stats", "labels", "gui"):
        assert command in result.output


def test_import_preannotate_stats_end_to_end(db_path):
    imported = run("import", SAMPLES, db=db_path)
    assert imported.exit_code == 0, imported.output
    assert "8 new document(s)" in imported.output
    pre = run("preannotate", "--batch-size", "4", db=db_path)
    assert pre.exit_code == 0, pre.output
    assert "8 of 8 document(s) pre-annotated" in pre.output
    assert "en_core_web_sm" in pre.output  # the one line that says how to get the English model
    stats = json.loads(run("stats", "--json", db=db_path).output)
    assert stats["documents"]["total"] == 8
    assert stats["spans"]["by_status"]["suggested"] == stats["spans"]["total"] > 0
    assert set(stats["spans"]["by_origin"]) == {"model", "rule"}
    assert stats["spans"]["by_label"]["SOURCE"] >= 8
    again = run("preannotate", "--all", db=db_path)
    assert "0 new suggestion(s)" in again.output
    readable = run("stats", db=db_path).output
    assert "by label:" in readable and "SOURCE" in readable


def test_import_with_rejections_exits_1_and_names_line(db_path, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Hola", "spans": [{"start": 0, "end": 99, "label": "PER"}]}\n', encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("Bien\nTexto.", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(bad), str(good)])
    assert result.exit_code == 1
    assert f"{bad}:1: span 0-99 PER: span 0-99 ends after the text (4 characters)" in result.output
    assert "1 file(s) imported, 1 new document(s)" in result.output
    assert "1 file(s) rejected" in result.output


def test_labels_show_schema(db_path):
    result = run("labels", db=db_path)
    assert "[p] PER" in result.output
    assert "agency: KCNA" in result.output
    assert "speaker: QUOTE -> PER|ORG|SOURCE" in result.output
    schema = json.loads(run("labels", "--json", db=db_path).output)
    assert schema["labels"]["SOURCE"]["layer"] == "analysis"


def test_errors_are_one_line_without_traceback_unless_debug(tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("hello " * 200)
    result = CliRunner().invoke(cli, ["--db", str(not_a_db), "stats"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "not an annotator project" in result.output
    assert "Traceback" not in result.output
    debug = CliRunner().invoke(cli, ["--db", str(not_a_db), "--debug", "stats"])
    assert debug.exit_code == 1
    assert debug.exception is not None and not isinstance(debug.exception, click.ClickException)


def test_annotator_db_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_DB", str(tmp_path / "env.db"))
    assert CliRunner().invoke(cli, ["stats"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_python_dash_m_runs_as_a_real_process(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "--db",
            str(tmp_path / "p.db"),
            "import",
            str(SAMPLES / "01-pionyang-pacto.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 new document(s)" in result.stdout


def test_export_command_with_filters(db_path, tmp_path):
    assert run("import", SAMPLES, db=db_path).exit_code == 0
    assert run("preannotate", db=db_path).exit_code == 0
    out = tmp_path / "all.csv"
    result = run(
        "export",
        "--format",
        "csv",
        "--include-suggestions",
        "--layer",
        "analysis",
        "--excel",
        "--out",
        out,
        db=db_path,
    )
    assert result.exit_code == 0, result.output
    assert "as csv to" in result.output
    content = out.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("document_id,title,text_sha256")
    assert len(rows) > 1 and all(",analysis," in row for row in rows[1:])
    assert {"SOURCE", "QUOTE"} <= {label for row in rows[1:] for label in re.findall(r",analysis,(\w+),", row)}
    brat = run("export", "--format", "brat", "--include-suggestions", "--out", tmp_path / "brat", db=db_path)
    assert brat.exit_code == 0, brat.output
    assert len(list((tmp_path / "brat").glob("doc-*.ann"))) == 8


def test_export_to_a_folder_where_a_file_is_asked_is_refused(db_path, tmp_path):
    (tmp_path / "taken").mkdir()
    result = CliRunner().invoke(
        cli, ["--db", str(db_path), "export", "--format", "json", "--out", str(tmp_path / "taken")]
    )
    assert result.exit_code == 1
    assert "is a folder; json writes a file there" in result.output


def test_gui_command_starts_the_real_window_and_draws_the_last_article(tmp_path):
    """The whole start-up path of `annotator gui` (window shown, article opened a frame later,
    icons, background pre-annotation), as a process, rendered to a picture."""
    picture = tmp_path / "window.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "annotator",
            "--db",
            str(tmp_path / "p.db"),
            "gui",
            "--screenshot",
            str(picture),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(picture))
    assert image.width() >= 1000 and image.height() >= 700
    with Store(tmp_path / "p.db") as store:
        assert store.stats()["documents"]["total"] == 8  # the samples, seeded into a new project
    # the article opened after the first frame is the one the settings remember
    settings = (tmp_path / "config" / "annotator" / "annotator.conf").read_text(encoding="utf-8")
    assert "documents" in settings and "p.db=1" in settings.replace("%2F", "/").replace("\\", "/")


def test_output_piped_into_head_ends_quietly(tmp_path):
    """`annotator … | head -1` used to print BrokenPipeError once head had gone."""
    db = tmp_path / "p.db"
    source = tmp_path / "many.jsonl"
    source.write_text(
        "".join(
            json.dumps({"text": f"Kim Jong-un habló en Pionyang, número {i}.", "spans": [{"start": 0, "end": 11, "label": "PER"}]})
            + "\n"
            for i in range(3000)
        ),
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "annotator", "--db", str(db), "import", str(source)], check=True, capture_output=True
    )
    pipeline = subprocess.run(
        f"'{sys.executable}' -m annotator --db '{db}' segments --label PER --limit 3000 | head -1",
        shell=True,
        capture_output=True,
        text=True,
    )
    assert pipeline.stdout.strip()
    assert pipeline.stderr == ""
