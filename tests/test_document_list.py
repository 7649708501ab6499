"""The document list reads pages from the database as the view scrolls, never the whole list."""

import random

import pytest
from PySide6.QtCore import Qt

from annotator.gui.document_list import DocumentList, DocumentTableModel

STATUSES = ["new", "in_progress", "done", "reviewed"]


@pytest.fixture
def corpus(store):
    """300 documents with shuffled titles, statuses, published dates and spans."""
    rng = random.Random(3)
    model = store.annotator_id("model", "model")
    ana = store.annotator_id("ana")
    with store.transaction():
        for number in range(300):
            title = f"{rng.choice('abcdefghij')}{rng.choice('ABCDEFGHIJ')} article {number}"
            document_id, _ = store.add_document(
                f"Texto {number} sobre Pionyang y Seúl. " + ("Misil. " if number % 7 == 0 else ""),
                title,
                published=f"2026-{number % 12 + 1:02d}-01",
            )
            store.conn.execute(
                "UPDATE documents SET status = ? WHERE id = ?", (STATUSES[number % 4], document_id)
            )
            store.insert_spans(
                [(document_id, 0, 5, "MISC", model, "model", "", "suggested", "{}")]
                + (
                    [(document_id, 9, 12, "LOC", ana, "manual", "", "accepted", "{}")]
                    if number % 3 == 0
                    else []
                )
                + (
                    [(document_id, 0, 5, "PER", ana, "manual", "", "accepted", "{}")]
                    if number % 5 == 0
                    else []
                )
            )
    return store


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(DocumentTableModel, "PAGE", 10)


def read_all(model):
    while model.canFetchMore():
        model.fetchMore()
    return [row["id"] for row in model.rows]


def _ink(image, rect, background):
    """The x range of what was drawn over ``background`` in ``rect`` (its middle line), or None."""
    y = rect.center().y()
    xs = [x for x in range(rect.left(), rect.right() + 1) if image.pixelColor(x, y).rgb() != background]
    return (min(xs), max(xs)) if xs else None


def _shown(widget, qtbot, width=420):
    widget.resize(width, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.apply_filters()
    return widget.table


def test_rows_come_a_page_at_a_time(corpus, small_pages, qtbot):
    model = DocumentTableModel(corpus)
    model.refresh()
    assert model.rowCount() == 10 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 20
    assert read_all(model) == corpus.document_ids()
    assert not model.canFetchMore() and model.rowCount() == 300


def test_counts_are_those_of_each_document(corpus, small_pages):
    model = DocumentTableModel(corpus)
    model.refresh()
    read_all(model)
    by_id = {row["id"]: row for row in model.rows}
    first = corpus.document_ids()[0]  # number 0: a suggestion, and ana's LOC and PER
    assert (by_id[first]["suggested"], by_id[first]["decided"]) == (1, 2)
    second = corpus.document_ids()[1]
    assert (by_id[second]["suggested"], by_id[second]["decided"]) == (1, 0)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "done"}, lambda n: n % 4 == 2),
        ({"label": "PER"}, lambda n: n % 5 == 0),
        ({"label": "LOC", "status": "new"}, lambda n: n % 3 == 0 and n % 4 == 0),
        ({"annotator": "ana"}, lambda n: n % 3 == 0 or n % 5 == 0),
        ({"text": "misil"}, lambda n: n % 7 == 0),
    ],
)
def test_filters_page_through_exactly_the_matching_documents(corpus, small_pages, filters, expected):
    model = DocumentTableModel(corpus)
    model.refresh(**filters)
    ids = corpus.document_ids()
    assert read_all(model) == [document_id for number, document_id in enumerate(ids) if expected(number)]


@pytest.mark.parametrize("order", ["title", "published", "status"])
@pytest.mark.parametrize("descending", [False, True])
def test_sorted_pages_join_without_gaps_or_repeats(corpus, small_pages, order, descending):
    model = DocumentTableModel(corpus)
    model.set_order(order, descending)
    rows = corpus.conn.execute(f"SELECT id, {order} FROM documents").fetchall()
    fold = str.lower if order == "title" else (lambda value: value)
    expected = sorted(rows, key=lambda r: (fold(r[1]), r[0]), reverse=descending)
    assert read_all(model) == [r[0] for r in expected]


def test_reveal_reads_down_to_a_document_and_no_further(corpus, small_pages):
    model = DocumentTableModel(corpus)
    model.set_order("title")
    target = model.store.document_rows(order="title")[137]["id"]
    assert model.row_of(target) == -1
    assert model.reveal(target) == 137
    assert model.rowCount() == 138 and model.canFetchMore()
    model.fetchMore()  # the next page follows on from there
    expected = corpus.document_rows(order="title")[:148]
    assert [r["id"] for r in model.rows] == [r["id"] for r in expected]
    # rows read on the way are keys only; what a view shows of them is read when shown
    assert "title" not in model.rows[100]
    assert model.data(model.index(100, 0)) == expected[100]["title"]
    assert model.data(model.index(100, 2)) == str(expected[100]["suggested"])


def test_reveal_of_a_filtered_out_document_is_minus_one(corpus, small_pages):
    model = DocumentTableModel(corpus)
    model.refresh(status="done")
    not_done = corpus.document_ids()[0]
    assert model.reveal(not_done) == -1


def test_a_row_follows_edits_and_new_documents_appear(corpus, small_pages):
    model = DocumentTableModel(corpus)
    model.refresh()
    document_id = model.rows[1]["id"]
    corpus.add_span(document_id, 9, 12, "LOC", "bea")
    model.refresh_document(document_id)
    assert model.rows[1]["decided"] == 1
    new_id, _ = corpus.add_document("Un artículo nuevo sobre misiles.", "zz new")
    model.set_order("title", True)
    assert model.rows[0]["id"] == new_id


def test_review_scores_order_worst_first_in_pages(corpus, small_pages):
    model = DocumentTableModel(corpus)
    ids = corpus.document_ids()
    scores = {document_id: (index * 37 % 101) / 100 for index, document_id in enumerate(ids)}
    model.set_scores(scores)
    assert model.rowCount() == 10
    assert read_all(model) == sorted(ids, key=lambda i: (scores[i], i))
    assert model.data(model.index(0, len(model.columns) - 1)) == f"{min(scores.values()):.2f}"


def test_widget_sorts_from_the_header_and_keeps_the_selection(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    widget.apply_filters()
    chosen = corpus.document_ids()[250]
    assert widget.select(chosen, emit=False)  # read down to it
    assert widget.current_id() == chosen
    header = widget.table.horizontalHeader()
    header.sectionClicked.emit(0)  # Title
    assert widget.model.order == ("title", False) and widget.current_id() == chosen
    header.sectionClicked.emit(0)
    assert widget.model.order == ("title", True)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    header.sectionClicked.emit(0)
    assert widget.model.order == ("id", False) and not header.isSortIndicatorShown()
    header.sectionClicked.emit(2)  # undecided count: not an indexed order, nothing changes
    assert widget.model.order == ("id", False)


def test_next_document_reads_the_next_page(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    widget.apply_filters()
    last_read = widget.model.rows[-1]["id"]
    assert widget.neighbour(last_read, +1) == corpus.document_ids()[10]
    assert widget.model.rowCount() == 20


def test_scrolling_the_view_reads_more(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    _shown(widget, qtbot, width=400)
    before = widget.model.rowCount()
    widget.table.scrollToBottom()
    qtbot.waitUntil(lambda: widget.model.rowCount() > before, timeout=2000)


def test_the_list_draws_its_rows_and_the_selection(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot)
    widget.select(corpus.document_ids()[1], emit=False)
    image = table.viewport().grab().toImage()
    selected = table.visualRect(widget.model.index(1, 0))
    other = table.visualRect(widget.model.index(2, 0))
    highlight = table.palette().highlight().color().rgb()
    assert image.pixelColor(selected.left() + 2, selected.center().y()).rgb() == highlight
    assert image.pixelColor(other.left() + 2, other.center().y()).rgb() != highlight
    # some text was drawn in the title cell of an unselected row (not all background)
    colours = {image.pixelColor(x, other.center().y()).rgb() for x in range(other.left(), other.right())}
    assert len(colours) > 2


def test_review_mode_shows_agreement_instead_of_the_counts(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    widget.apply_filters()
    assert not widget.table.isColumnHidden(2)
    widget.model.set_scores({document_id: 0.5 for document_id in corpus.document_ids()})
    keys = [key for key, _title in widget.model.columns]
    assert keys[-1] == "agreement"
    assert widget.table.isColumnHidden(keys.index("suggested")) and widget.table.isColumnHidden(
        keys.index("decided")
    )
    assert not widget.table.isColumnHidden(keys.index("agreement"))
    widget.model.set_scores(None)
    assert not widget.table.isColumnHidden(2)


def test_counts_are_drawn_right_aligned_in_their_own_columns(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot)
    image = table.viewport().grab().toImage()
    metrics = table.fontMetrics()
    for row in (2, 3):  # a plain row and an alternate one
        background = image.pixelColor(1, table.rowViewportPosition(row) + 2).rgb()
        for column, key in ((2, "suggested"), (3, "decided")):
            rect = table.visualRect(widget.model.index(row, column))
            text = str(widget.model.rows[row][key])
            left, right = _ink(image, rect, background)
            assert right > rect.center().x(), "right-aligned"
            assert rect.right() - right >= 2, "inside its cell"
            assert right - left <= metrics.horizontalAdvance(text), "its own count only"


def test_review_mode_draws_agreement_and_not_the_hidden_counts(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot)
    widget.model.set_scores({document_id: 0.25 for document_id in corpus.document_ids()})
    column = len(widget.model.columns) - 1
    image = table.viewport().grab().toImage()
    rect = table.visualRect(widget.model.index(2, column))
    background = image.pixelColor(1, table.rowViewportPosition(2) + 2).rgb()
    left, right = _ink(image, rect, background)
    assert right - left <= table.fontMetrics().horizontalAdvance("0.25")  # no count drawn over it
    assert left > rect.center().x() - table.fontMetrics().horizontalAdvance("0.25")


def test_a_long_title_is_elided_inside_its_column(store, qtbot):
    store.add_document("Texto largo.", "Palabra " * 80)
    widget = DocumentList(store)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot, width=300)
    image = table.viewport().grab().toImage()
    title = table.visualRect(widget.model.index(0, 0))
    status = table.visualRect(widget.model.index(0, 1))
    background = image.pixelColor(1, 2).rgb()
    left, right = _ink(image, title, background)
    assert right <= title.right() - 3  # ends inside the title's cell, the padding kept
    assert right - left > title.width() // 2  # and fills it: cut where it no longer fits
    status_ink = _ink(image, status, background)
    assert status_ink[0] >= status.left() + 3  # the status begins at its own column


def test_scrolled_view_draws_the_rows_it_shows(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot)
    while widget.model.rowCount() < 60:
        widget.model.fetchMore()
    drawn = []
    draw_rows = table.painter.draw_rows

    def spy(painter, model, rows, top, *args):
        drawn.append((rows, top))
        draw_rows(painter, model, rows, top, *args)

    table.painter.draw_rows = spy
    qtbot.waitUntil(lambda: table.verticalScrollBar().maximum() >= 40)  # laid out
    table.verticalScrollBar().setValue(40)  # row 40 at the top
    table.viewport().grab()
    rows, top = drawn[-1]
    assert rows.start == table.rowAt(0) == 40 and top == table.rowViewportPosition(40)
    assert rows.stop - 1 == min(widget.model.rowCount() - 1, table.rowAt(table.viewport().height() - 1))


def test_published_column_is_chosen_from_the_header_and_sorts_by_date(corpus, small_pages, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    table = _shown(widget, qtbot)
    keys = [key for key, _title in widget.model.columns]
    published = keys.index("published")
    assert table.isColumnHidden(published) and not table.isColumnHidden(keys.index("suggested"))
    widget.show_columns(["published"])  # what the header's context menu does
    assert not table.isColumnHidden(published)
    assert table.isColumnHidden(keys.index("suggested")) and table.isColumnHidden(keys.index("decided"))
    table.horizontalHeader().sectionClicked.emit(published)
    assert widget.model.order == ("published", False)
    dates = [row["published"] for row in widget.model.rows]
    assert dates == sorted(dates) and widget.model.data(widget.model.index(0, published)) == dates[0][:10]
    table.horizontalHeader().sectionClicked.emit(published)
    first_page = [row["published"] for row in widget.model.rows]
    assert first_page == sorted(first_page, reverse=True) and first_page[0] == "2026-12-01"
    # drawn: the date's text in its column, where the hidden counts would have been
    image = table.viewport().grab().toImage()
    rect = table.visualRect(widget.model.index(2, published))
    assert _ink(image, rect, image.pixelColor(1, table.rowViewportPosition(2) + 2).rgb()) is not None
    # review mode still hides the counts, and keeps the choice
    widget.model.set_scores({document_id: 0.5 for document_id in corpus.document_ids()})
    widget.model.set_scores(None)
    assert not table.isColumnHidden(published) and table.isColumnHidden(keys.index("suggested"))


def test_the_header_menu_lists_the_optional_columns(corpus, qtbot):
    widget = DocumentList(corpus)
    qtbot.addWidget(widget)
    _shown(widget, qtbot)
    header = widget.table.horizontalHeader()
    assert header.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu = widget.column_menu()  # what a right-click on the header opens
    assert [(action.text(), action.isChecked()) for action in menu.actions()] == [
        ("Date of publication", False),
        ("Undecided suggestions (?)", True),
        ("Decisions of people (accepted spans) (✓)", True),
        # the schema's document labels, hidden until chosen
        ("Document label: stance", False),
        ("Document label: reliability", False),
        ("Document label: topic", False),
    ]
    menu.actions()[0].setChecked(True)  # the person ticks the date
    menu.actions()[1].setChecked(False)  # and unticks the undecided count
    assert widget.shown == ["published", "decided"]
