"""A child process for the crash tests: it edits a project as fast as it can and says, on
stdout, what it is about to do ("DO ...") and what is committed ("ACK ..."), until it is killed.

    python tests/crash_child.py edits PROJECT SEED
    python tests/crash_child.py import PROJECT FOLDER
    python tests/crash_child.py preannotate PROJECT
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotator.editing import Editor  # noqa: E402
from annotator.errors import AnnotatorError  # noqa: E402
from annotator.store import Store  # noqa: E402

LABELS = ["PER", "ORG", "LOC", "MISC"]


def say(*parts: object) -> None:
    print(" ".join(json.dumps(p) if not isinstance(p, str) else p for p in parts), flush=True)


def state(span) -> list:  # noqa: ANN001
    return [span.start, span.end, span.label, span.attributes, span.status]


def edits(project: Path, seed: int, seconds: float | None = None) -> None:
    """Edit until killed, or for ``seconds`` and then say "DONE"."""
    import time

    rng = random.Random(seed)
    stop = time.monotonic() + seconds if seconds else None
    with Store(project) as store:
        editor = Editor(store, "ana")
        document_id = store.document_ids()[0]
        length = len(store.document(document_id).text)
        while stop is None or time.monotonic() < stop:
            spans = store.spans(document_id, annotator="ana")
            action = rng.choice(
                ["create", "create", "relabel", "resize", "attributes", "delete", "link", "status"]
            )
            try:
                if action == "create" or not spans:
                    start = rng.randrange(0, length - 12)
                    end = start + rng.randint(1, 10)
                    label = rng.choice(LABELS + ["QUOTE"])
                    say("DO", "create", [start, end, label, {}, "accepted"])
                    span = editor.create_span(document_id, start, end, label, snap=False)
                    say("ACK", "span", span.id, state(span))
                    continue
                span = rng.choice(spans)
                if action == "relabel":
                    label = (
                        rng.choice([x for x in LABELS if x != span.label])
                        if span.layer == "entities"
                        else "CLAIM"
                    )
                    say("DO", "span", span.id, [span.start, span.end, label, span.attributes, span.status])
                    after = editor.relabel(span.id, label)
                    say("ACK", "span", after.id, state(after))
                elif action == "resize":
                    end = min(length, span.end + rng.randint(1, 3))
                    say("DO", "span", span.id, [span.start, end, span.label, span.attributes, span.status])
                    after = editor.resize(span.id, span.start, end)
                    say("ACK", "span", after.id, state(after))
                elif action == "attributes":
                    attributes = {"checked": str(rng.randint(0, 9))}
                    say("DO", "span", span.id, [span.start, span.end, span.label, attributes, span.status])
                    after = editor.set_attributes(span.id, attributes)
                    say("ACK", "span", after.id, state(after))
                elif action == "delete":
                    say("DO", "span", span.id, None)
                    editor.delete(span.id)
                    say("ACK", "span", span.id, None)
                elif action == "link":
                    quotes = [s for s in spans if s.label == "QUOTE"]
                    people = [s for s in spans if s.label in ("PER", "ORG")]
                    if quotes and people:
                        head, tail = rng.choice(quotes), rng.choice(people)
                        say("DO", "link", [head.id, tail.id])
                        editor.link(head.id, tail.id, "speaker")
                        say("ACK", "link", [head.id, tail.id])
                else:
                    status = rng.choice(["in_progress", "done", "reviewed"])
                    say("DO", "status", [status])
                    editor.set_status(document_id, status)
                    say("ACK", "status", [status])
            except AnnotatorError as e:
                if "locked" in str(e):
                    raise
                say("REFUSED")  # an overlap or a duplicate: the store said no, nothing changed
    say("DONE")


def import_folder(project: Path, folder: Path) -> None:
    from annotator.importing import import_paths

    with Store(project) as store:

        def progress(done: int, total: int, path: str) -> None:
            say("FILE", done)

        import_paths(store, [folder], progress=progress)
        say("DONE")


def preannotate(project: Path) -> None:
    from annotator.nlp import preannotate as run

    with Store(project) as store:
        run(store, batch_size=2, progress=lambda done, total: say("BATCH", done))
        say("DONE")


if __name__ == "__main__":
    kind, project = sys.argv[1], Path(sys.argv[2])
    if kind == "edits":
        edits(project, int(sys.argv[3]), float(sys.argv[4]) if len(sys.argv) > 4 else None)
    elif kind == "import":
        import_folder(project, Path(sys.argv[3]))
    else:
        preannotate(project)
