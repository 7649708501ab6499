"""Agreement figures computed by hand, on edge cases, and against an independent computation."""

import json

import pytest

from annotator.editing import Editor
from annotator.errors import StoreError
from annotator.review import (
    Agreement,
    cohen_kappa,
    compare_document,
    exact_counts,
    krippendorff_alpha,
    overlap_counts,
    token_labels,
)
from annotator.review import agreement as measure

# five tokens: "AAAAA BBB CCCCC DDD EEEEE"
STARTS, ENDS = [0, 6, 10, 16, 20], [5, 9, 15, 19, 25]
A = [(0, 5, "PER"), (10, 15, "LOC")]
B = [(0, 5, "PER"), (10, 14, "LOC"), (20, 25, "ORG")]


def test_exact_and_overlap_by_hand():
    exact = exact_counts(A, B)
    assert (exact.precision, exact.recall) == (1 / 3, 1 / 2)
    assert exact.f1 == pytest.approx(0.4)
    overlap = overlap_counts(A, B)
    assert (overlap.precision, overlap.recall) == (2 / 3, 1.0)
    assert overlap.f1 == pytest.approx(0.8)


def test_token_kappa_and_alpha_by_hand():
    a, b = token_labels(A, STARTS, ENDS), token_labels(B, STARTS, ENDS)
    assert a == ["PER", "O", "LOC", "O", "O"]
    assert b == ["PER", "O", "LOC", "O", "ORG"]
    # observed 4/5; expected (1*1 + 3*2 + 1*1) / 25 = 8/25
    assert cohen_kappa(a, b) == pytest.approx((0.8 - 0.32) / (1 - 0.32))
    # 10 values: PER 2, O 5, LOC 2, ORG 1; D_e = (100 - 34) / 9; D_o = 2 -> 1 - 18/66
    assert krippendorff_alpha(a, b) == pytest.approx(48 / 66)


def test_identical_sets_agree_fully():
    agreement = Agreement()
    compare_document(agreement, 1, A, list(A), STARTS, ENDS)
    figures = agreement.as_dict()
    assert figures["exact_f1"] == figures["overlap_f1"] == figures["token_kappa"] == 1.0
    assert figures["krippendorff_alpha"] == 1.0
    assert figures["by_label"]["PER"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support_a": 1,
        "support_b": 1,
    }


def test_no_spans_on_one_side_or_both():
    assert exact_counts(A, []).f1 == 0.0
    assert (exact_counts(A, []).precision, exact_counts(A, []).recall) == (0.0, 0.0)
    assert exact_counts([], []).f1 == 1.0
    assert cohen_kappa(["O", "O"], ["O", "O"]) == 1.0
    assert krippendorff_alpha([], []) == 1.0


def test_nested_spans_match_once_by_largest_overlap():
    counts = overlap_counts([(0, 10, "PER")], [(0, 4, "PER"), (5, 10, "PER")])
    assert (counts.matched_a, counts.matched_b) == (1, 1)
    assert (counts.precision, counts.recall) == (0.5, 1.0)
    # a different label never matches, however it overlaps
    assert overlap_counts([(0, 10, "PER")], [(0, 10, "ORG")]).f1 == 0.0


def test_order_of_spans_does_not_change_overlap_matching():
    a = [(0, 10, "PER"), (8, 20, "PER")]
    b = [(5, 12, "PER"), (0, 3, "PER")]
    assert (
        overlap_counts(a, b).matched_a == overlap_counts(list(reversed(a)), list(reversed(b))).matched_a == 2
    )


def test_agreement_between_two_analysts_in_a_project(store):
    text = "Kim Jong-un visitó Pionyang y Moscú con Shoigú."
    document_id, _ = store.add_document(text, "x")
    kim, pionyang = (0, len("Kim Jong-un")), (text.index("Pionyang"), text.index("Pionyang") + 8)
    moscu = (text.index("Moscú"), text.index("Moscú") + 5)
    for name, spans in (
        ("ana", [(*kim, "PER"), (*pionyang, "LOC"), (*moscu, "LOC")]),
        ("bea", [(*kim, "PER"), (*pionyang, "ORG")]),
    ):
        for start, end, label in spans:
            store.add_span(document_id, start, end, label, name)
    figures = measure(store, "ana", "bea").as_dict()
    assert figures["n_docs"] == 1
    assert figures["exact_f1"] == pytest.approx(2 * (1 / 2) * (1 / 3) / (1 / 2 + 1 / 3))
    assert figures["by_label"]["LOC"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "support_a": 2,
        "support_b": 0,
    }
    assert set(figures) >= {
        "n_docs",
        "exact_f1",
        "overlap_f1",
        "token_kappa",
        "krippendorff_alpha",
        "by_label",
    }


def test_model_against_analyst_outcomes(store):
    from annotator.review import model_report

    text = "Kim Jong-un y Shoigú en Pionyang, según KCNA."
    document_id, _ = store.add_document(text, "x")
    model = store.annotator_id("m", "model")
    spans = {"Kim Jong-un": "PER", "Shoigú": "MISC", "Pionyang": "PER", "KCNA": "ORG"}
    store.insert_spans(
        [
            (document_id, text.index(t), text.index(t) + len(t), label, model, "model", "", "suggested", "{}")
            for t, label in spans.items()
        ]
    )
    editor = Editor(store, "ana")
    by_text = {text[s.start : s.end]: s for s in store.spans(document_id)}
    editor.accept(by_text["Kim Jong-un"].id)
    editor.relabel(by_text["Shoigú"].id, "PER")
    editor.reject(by_text["Pionyang"].id)
    editor.create_span(document_id, text.index("según"), text.index("según") + 5, "MISC")
    outcomes = store.suggestion_outcomes("ana", "m")
    assert outcomes == {
        "accepted": 1,
        "relabelled": 1,
        "resized": 0,
        "rejected": 1,
        "undecided": 1,
        "missed": 1,
    }
    report = model_report(outcomes)
    assert report["precision"] == pytest.approx(1 / 3)  # 1 taken as it was of 3 decided
    assert report["recall"] == pytest.approx(1 / 3)  # 1 of the analyst's 3 decisions


def test_cli_agreement_json(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.store import Store

    db = tmp_path / "p.db"
    with Store(db) as store:
        document_id, _ = store.add_document("Kim habló.", "x")
        store.add_span(document_id, 0, 3, "PER", "ana")
        store.add_span(document_id, 0, 3, "PER", "bea")
    result = CliRunner().invoke(cli, ["--db", str(db), "agreement", "--a", "ana", "--b", "bea", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["exact_f1"] == 1.0
    missing = CliRunner().invoke(cli, ["--db", str(db), "agreement", "--a", "ana", "--b", "nobody"])
    assert missing.exit_code == 1 and "no annotator named 'nobody'" in missing.output


@pytest.mark.slow
def test_against_an_independent_computation_on_the_real_corpus(
    shared_data, store, spanish_pipeline, tmp_path
):
    """Gold CoNLL-2002 entities against the model's suggestions on 60 articles: micro exact F1
    and token kappa recomputed here by a different route (global sets, a confusion table)."""
    from annotator.importing import import_paths
    from annotator.nlp import preannotate

    source = shared_data / "conll2002" / "esp.train.articles.jsonl"
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(source.read_text(encoding="utf-8").splitlines()[:60]) + "\n", encoding="utf-8")
    import_paths(
        store, [part]
    )  # gold spans under "import": not a person's, so the model still suggests there
    preannotate(store, pipelines={"es": spanish_pipeline})
    model = next(a["name"] for a in store.annotators() if a["kind"] == "model")
    ours = measure(store, "import", model, "entities")

    gold = {(s.document_id, s.start, s.end, s.label) for s in store.spans(annotator="import")}
    predicted = {
        (s.document_id, s.start, s.end, s.label) for s in store.spans(annotator=model, layer="entities")
    }
    hits = len(gold & predicted)
    precision, recall = hits / len(predicted), hits / len(gold)
    assert ours.exact.f1 == pytest.approx(2 * precision * recall / (precision + recall))

    table: dict[tuple[str, str], int] = {}
    for document_id in sorted({d for d, *_ in gold | predicted}):
        starts, ends = store.tokens(document_id)
        labels = {}
        for side, spans in (("a", gold), ("b", predicted)):
            labels[side] = ["O"] * len(starts)
            for d, start, end, label in sorted(spans, key=lambda s: (s[1], -s[2])):
                if d != document_id:
                    continue
                for index, (token_start, token_end) in enumerate(zip(starts, ends, strict=True)):
                    if token_start < end and start < token_end and labels[side][index] == "O":
                        labels[side][index] = label
        for pair in zip(labels["a"], labels["b"], strict=True):
            table[pair] = table.get(pair, 0) + 1
    total = sum(table.values())
    observed = sum(n for (x, y), n in table.items() if x == y) / total
    row = {}
    col = {}
    for (x, y), n in table.items():
        row[x] = row.get(x, 0) + n
        col[y] = col.get(y, 0) + n
    expected = sum(row[k] * col.get(k, 0) for k in row) / total**2
    assert ours.token_kappa == pytest.approx((observed - expected) / (1 - expected))
    assert 0.3 < ours.exact.f1 < 0.95  # a small model on newswire: neither perfect nor broken


REVIEW_TEXT = "Kim Jong-un y el Consejo de Seguridad ruso, según KCNA, en Pionyang."


def span_at(store, document_id, name, text, label, extra=""):
    start = REVIEW_TEXT.index(text)
    return store.add_span(document_id, start, start + len(text) + len(extra), label, name)


@pytest.fixture
def two_analysts(store):
    document_id, _ = store.add_document(REVIEW_TEXT, "Kim", lang="es")
    span_at(store, document_id, "ana", "Kim Jong-un", "PER")  # agreed
    span_at(store, document_id, "bea", "Kim Jong-un", "PER")
    span_at(store, document_id, "ana", "Consejo de Seguridad", "ORG")  # boundary
    span_at(store, document_id, "bea", "Consejo de Seguridad ruso", "ORG")
    source_a = span_at(store, document_id, "ana", "KCNA", "SOURCE")  # attributes
    source_b = span_at(store, document_id, "bea", "KCNA", "SOURCE")
    store.update_span(source_a.id, "ana", attributes={"agency": "KCNA"})
    store.update_span(source_b.id, "bea", attributes={"agency": "other"})
    span_at(store, document_id, "ana", "Pionyang", "LOC")  # label
    span_at(store, document_id, "bea", "Pionyang", "ORG")
    span_at(store, document_id, "bea", "según", "MISC")  # only B
    return document_id


def test_differences_name_each_kind_in_plain_words(store, two_analysts):
    from annotator.review import differences

    found = differences(store.review_spans(two_analysts, "ana"), store.review_spans(two_analysts, "bea"))
    assert [d.kind for d in found] == ["agreed", "boundary", "only_b", "attributes", "label"]
    lines = [d.explain(REVIEW_TEXT) for d in found]
    assert lines == [
        "Both tagged «Kim Jong-un» PER",
        "Boundaries differ: A «Consejo de Seguridad», B «Consejo de Seguridad ruso» (ORG)",
        "B tagged «según» MISC; A did not",
        "Same SOURCE «KCNA»; attributes differ: agency A=KCNA B=other",
        "Both tagged «Pionyang»: A says LOC, B says ORG",
    ]


def test_adjudication_into_gold_with_undo(store, two_analysts):
    from annotator.review import differences, settled

    editor = Editor(store, "reviewer")
    found = differences(store.review_spans(two_analysts, "ana"), store.review_spans(two_analysts, "bea"))
    agreed = editor.accept_agreed(two_analysts, "ana", "bea")
    assert [(s.label, s.annotator, s.status) for s in agreed] == [("PER", "gold", "accepted")]
    boundary, only_b, attributes, label = found[1:]
    editor.resolve(boundary, "b")
    editor.resolve(only_b, "neither")
    editor.resolve(attributes, "a")
    editor.resolve(label, "a")
    gold = store.spans(two_analysts, annotator="gold")
    assert all(settled(d, gold) for d in found)
    kept = [(REVIEW_TEXT[s.start : s.end], s.label, s.attributes) for s in gold if s.status == "accepted"]
    assert kept == [
        ("Kim Jong-un", "PER", {}),
        ("Consejo de Seguridad ruso", "ORG", {}),
        ("KCNA", "SOURCE", {"agency": "KCNA"}),
        ("Pionyang", "LOC", {}),
    ]
    assert [s.status for s in gold if REVIEW_TEXT[s.start : s.end] == "según"] == ["rejected"]
    assert {a["name"]: a["kind"] for a in store.annotators()}["gold"] == "gold"
    editor.undo()
    editor.undo()
    assert not settled(label, store.spans(two_analysts, annotator="gold"))
    assert sum(h["action"] == "add span" for h in store.history(two_analysts)) >= 6
    # who did it: the reviewer, not the gold set
    assert {
        h["annotator"] for h in store.history(two_analysts) if (h["after"] or {}).get("annotator") == "gold"
    } == {"reviewer"}
    # the gold set is what `export --gold` takes
    from annotator.domain import Selection

    assert {s.annotator for s in store.selected_spans(Selection(gold=True))} == {"gold"}


def test_review_command_lists_differences(tmp_path):
    from click.testing import CliRunner

    from annotator.cli import cli
    from annotator.store import Store

    db = tmp_path / "r.db"
    with Store(db) as project:
        document_id, _ = project.add_document(REVIEW_TEXT, "Kim", lang="es")
        span_at(project, document_id, "ana", "Kim Jong-un", "PER")
        span_at(project, document_id, "bea", "Kim Jong-un", "ORG")
    result = CliRunner().invoke(cli, ["--db", str(db), "review", "--a", "ana", "--b", "bea"])
    assert result.exit_code == 0, result.output
    assert "label      Both tagged «Kim Jong-un»: A says PER, B says ORG" in result.output
    assert result.output.strip().endswith("1 difference(s), 1 not settled by gold")


def test_review_comment_goes_on_gold_and_travels_by_merge(tmp_path):
    from annotator.merge import merge
    from annotator.review import differences
    from annotator.store import Store

    reviewer_db, colleague_db = tmp_path / "reviewer.db", tmp_path / "colleague.db"
    with Store(reviewer_db) as reviewer:
        document_id, _ = reviewer.add_document(REVIEW_TEXT, "Kim", lang="es")
        span_at(reviewer, document_id, "ana", "Kim Jong-un", "PER")
        span_at(reviewer, document_id, "bea", "Kim Jong-un", "ORG")
        editor = Editor(reviewer, "rosa")
        (difference,) = differences(
            reviewer.review_spans(document_id, "ana"), reviewer.review_spans(document_id, "bea")
        )
        with pytest.raises(StoreError, match="settle this difference first"):
            editor.comment(difference, "¿persona u organización?")
        editor.resolve(difference, "a")
        editor.comment(difference, "Es una persona: PER.")
        (gold,) = reviewer.spans(document_id, annotator="gold")
        assert gold.note == "Es una persona: PER."
    with Store(colleague_db) as colleague:
        colleague.add_document(REVIEW_TEXT, "Kim", lang="es")
        merge(colleague, reviewer_db)
        (seen,) = colleague.spans(annotator="gold")
        assert (seen.label, seen.note) == ("PER", "Es una persona: PER.")


def test_taking_a_quote_and_its_speaker_carries_the_link_into_gold(store):
    from annotator.review import differences

    document_id, _ = store.add_document(REVIEW_TEXT, "Kim", lang="es")
    kim = span_at(store, document_id, "ana", "Kim Jong-un", "PER")
    quote = span_at(store, document_id, "ana", "el Consejo de Seguridad ruso", "QUOTE")
    store.add_link(quote.id, kim.id, "speaker", "ana")
    editor = Editor(store, "rosa")
    found = differences(store.review_spans(document_id, "ana"), store.review_spans(document_id, "bea"))
    editor.resolve(found[0], "a")
    assert store.links(document_id)[-1].annotator == "ana"  # one end alone: no gold link yet
    editor.resolve(found[1], "a")
    gold_links = [k for k in store.links(document_id) if k.annotator == "gold"]
    assert [(store.span(k.head_id).label, store.span(k.tail_id).label, k.label) for k in gold_links] == [
        ("QUOTE", "PER", "speaker")
    ]
    editor.undo()
    assert [k for k in store.links(document_id) if k.annotator == "gold"] == []


def test_gold_spans_can_be_edited_by_the_reviewer(store, two_analysts):
    from annotator.review import differences

    editor = Editor(store, "rosa")
    found = differences(store.review_spans(two_analysts, "ana"), store.review_spans(two_analysts, "bea"))
    (gold,) = editor.resolve(found[1], "a")  # the shorter "Consejo de Seguridad"
    edited = editor.nudge(gold.id, "end", True)
    assert REVIEW_TEXT[edited.start : edited.end] == "Consejo de Seguridad ruso"
    with pytest.raises(StoreError, match="belongs to ana"):
        editor.relabel(store.review_spans(two_analysts, "ana")[0].id, "ORG")


def test_agreement_reports_progress_by_document_and_stops_when_asked(store, monkeypatch):
    import annotator.review as review
    from annotator.errors import Cancelled

    monkeypatch.setattr(review, "PROGRESS_STEP", 2)
    ids = [store.add_document(f"Texto {n} sobre Pionyang.", f"T{n}")[0] for n in range(5)]
    for document_id in ids:
        store.add_span(document_id, 0, 5, "MISC", "ana")
        store.add_span(document_id, 0, 5, "MISC" if document_id % 2 else "ORG", "bea")
    seen = []
    result = measure(store, "ana", "bea", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(ids[0], ids[-1]), (ids[2], ids[-1]), (ids[4], ids[-1])]
    assert result.by_document == measure(store, "ana", "bea").by_document  # the same measure
    calls = []
    with pytest.raises(Cancelled):
        measure(store, "ana", "bea", should_stop=lambda: calls.append(1) or len(calls) > 1)
    assert len(calls) == 2  # asked at the first document and at the third, where it stopped
