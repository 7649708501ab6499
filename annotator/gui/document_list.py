"""The document list: title, status and counts, filtered by status, label, annotator and text."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from annotator.domain import DOCUMENT_STATUSES
from annotator.gui.text import plain_tooltip
from annotator.store import DOCUMENT_LABEL_CHOICE, DOCUMENT_LABEL_ORDER, Store

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenu


def refill_combo(combo: QComboBox, everything: str, values: list[str]) -> None:
    """A filter's choices listed again (first ``everything``, meaning no filter), keeping the
    current choice when it is still there, without signalling a change."""
    if combo.count() == len(values) + 1 and all(combo.itemData(i + 1) == v for i, v in enumerate(values)):
        return  # the same choices (another project with the same schema and people)
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(everything, None)
    for value in values:
        combo.addItem(value, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)


class DocumentTableModel(QAbstractTableModel):
    """The documents of a project as a Qt table that reads only what is shown.

    Rows come from ``Store.document_rows()`` a page at a time (Qt asks for more with
    ``canFetchMore``/``fetchMore`` as the view scrolls down), each page one indexed query
    keyed on the last row read, so a list of 100,000 documents opens as fast as one of ten.
    In review mode the order is the agreement score (worst first), known for every document:
    the ids are sorted in memory and their rows still read a page at a time.
    """

    #: The counts' headers are the marks of the span list (? undecided, ✓ decided), to leave
    #: the titles room; their tooltips say them in words.
    COLUMNS = (
        ("title", "Title"),
        ("status", "Status"),
        ("suggested", "?"),
        ("decided", "✓"),
        ("published", "Published"),
    )
    EXPLAINED = {
        "published": "Date of publication",
        "suggested": "Undecided suggestions",
        "decided": "Decisions of people (accepted spans)",
        "agreement": "Agreement of the two annotators (exact F1), worst first",
    }
    #: Columns a person may hide or show (the header's context menu); title and status stay.
    OPTIONAL = ("published", "suggested", "decided")
    #: Columns a click on the header sorts by (indexed orders of the store).
    SORTABLE = {"title": "title", "status": "status", "published": "published"}
    NUMERIC = frozenset(("suggested", "decided", "agreement"))
    PAGE = 64

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[dict[str, Any]] = []
        self._row_of: dict[int, int] = {}
        self._more = False
        self.filters: dict[str, str | None] = {}
        self.order: tuple[str, bool] = ("id", False)
        self._label_columns()
        self.columns = list(self.COLUMNS)
        #: Document labels whose columns are shown: only their values are read with the rows.
        self.shown_labels: list[str] = []
        #: Review mode: agreement (exact F1) per document; the list then starts with the worst.
        self.scores: dict[int, float] | None = None
        self._scored_ids: list[int] = []
        #: Whose undecided suggestions the counts are (the window's analyst; None: everybody's).
        self.viewer: Callable[[], str | None] = lambda: None

    def _label_columns(self) -> None:
        """The schema's document labels as optional, sortable columns (this list's own copies
        of the class's tables)."""
        labels = [(f"{DOCUMENT_LABEL_ORDER}{name}", name) for name in self.store.schema.document_labels]
        self.COLUMNS = (*type(self).COLUMNS, *labels)
        self.OPTIONAL = (*type(self).OPTIONAL, *(key for key, _ in labels))
        self.SORTABLE = {**type(self).SORTABLE, **{key: key for key, _ in labels}}
        self.EXPLAINED = {**type(self).EXPLAINED, **{key: f"Document label: {name}" for key, name in labels}}

    def set_store(self, store: Store) -> None:
        """Another project: its document labels' columns; a label order it lacks goes back to
        import order."""
        self.beginResetModel()
        self.store = store
        self._label_columns()
        self.columns = list(self.COLUMNS) + ([("agreement", "Agreement")] if self.scores is not None else [])
        if self.order[0] not in ("id", *self.DOCUMENT_ORDERS_KNOWN) and self.order[0] not in self.SORTABLE:
            self.order = ("id", False)
        self.rows, self._row_of, self._more = [], {}, False
        self.endResetModel()

    #: Orders every project has.
    DOCUMENT_ORDERS_KNOWN = ("title", "status", "published")

    def set_scores(self, scores: dict[int, float] | None) -> None:
        self.scores = scores
        self.columns = list(self.COLUMNS) + ([("agreement", "Agreement")] if scores is not None else [])
        self.refresh()

    def set_order(self, order: str, descending: bool = False) -> None:
        self.order = (order, descending)
        self.refresh()

    def refresh(self, **filters: str | None) -> None:
        """Read the list again from its first page (with new ``filters`` if given)."""
        if filters:
            self.filters = filters
        self.beginResetModel()
        self.rows, self._row_of, self._more = [], {}, True
        if self.scores is not None:
            scores = self.scores
            ids = self.store.document_ids_where(**self.filters)
            ids.sort(key=lambda i: (i not in scores, scores.get(i, 0.0), i))
            self._scored_ids = ids
        self._append(self._read(self.PAGE))
        self.endResetModel()

    def _read(self, limit: int | None, through: int | None = None) -> list[dict[str, Any]]:
        """The next rows after those already read: ``limit`` of them, or all up to ``through``."""
        if self.scores is not None:
            ids = self._scored_ids
            begin = len(self.rows)
            if through is not None:
                stop = ids.index(through) + 1 if through in ids[begin:] else begin
            else:
                stop = begin + (limit or len(ids))
            wanted = ids[begin:stop]
            self._more = stop < len(ids)
            if through is not None:
                return [{"id": i, "key": (None, i), "agreement": self.scores.get(i)} for i in wanted]
            found = {row["id"]: row for row in self.store.document_rows(ids=wanted, labels=self.shown_labels, viewer=self.viewer())} if wanted else {}
            rows = [found[i] for i in wanted if i in found]
            for row in rows:
                row["agreement"] = self.scores.get(row["id"])
            return rows
        order, descending = self.order
        after = self.rows[-1]["key"] if self.rows else None
        # Rows read down to a document are keys only (from the indexes); their titles and
        # counts are read when a view shows them (see _details).
        rows = self.store.document_rows(
            **self.filters,
            order=order,
            descending=descending,
            after=after,
            limit=limit,
            through=through,
            keys_only=through is not None,
            labels=self.shown_labels, viewer=self.viewer(),
        )
        if through is None:
            self._more = limit is not None and len(rows) == limit
        return rows

    def _append(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self._row_of[row["id"]] = len(self.rows)
            self.rows.append(row)

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802 - Qt's signature
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._more:
            return
        self._insert(self._read(self.PAGE))

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(rows) - 1)
            self._append(rows)
            self.endInsertRows()

    def reveal(self, document_id: int) -> int:
        """The row of a document, reading the list down to it if it is not read yet; -1 when
        the document is not in the list as filtered."""
        row = self._row_of.get(document_id, -1)
        if row < 0 and self._more:
            self._insert(self._read(None, through=document_id))
            row = self._row_of.get(document_id, -1)
        return row

    def refresh_document(self, document_id: int) -> None:
        """Update one row's counts and status after an action (the others are unchanged)."""
        row = self._row_of.get(document_id, -1)
        if row < 0:
            return
        fresh = self.store.document_rows(document_id=document_id, labels=self.shown_labels, viewer=self.viewer())
        if fresh:
            fresh[0]["agreement"] = self.rows[row].get("agreement")
            fresh[0]["key"] = self.rows[row]["key"]  # where it sorts in this list, for the next page
            self.rows[row] = fresh[0]
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))

    def _details(self, row: int) -> dict[str, Any]:
        """Read titles and counts of the key-only rows around ``row`` (a screen or two)."""
        begin, end = max(0, row - self.PAGE), min(len(self.rows), row + self.PAGE)
        wanted = {self.rows[r]["id"]: r for r in range(begin, end) if "title" not in self.rows[r]}
        for fresh in self.store.document_rows(ids=list(wanted), labels=self.shown_labels, viewer=self.viewer()):
            old = self.rows[wanted[fresh["id"]]]
            fresh["key"] = old["key"]
            if "agreement" in old:
                fresh["agreement"] = old["agreement"]
            self.rows[wanted[fresh["id"]]] = fresh
        return self.rows[row]

    def row_of(self, document_id: int) -> int:
        """The row of a document among the rows read so far, or -1."""
        return self._row_of.get(document_id, -1)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    _DISPLAY = int(Qt.ItemDataRole.DisplayRole)
    _USER = int(Qt.ItemDataRole.UserRole)
    _TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
    _ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
    _ROLES = frozenset((_DISPLAY, _USER, _TOOLTIP, _ALIGN))
    _RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def row_at(self, row: int) -> dict[str, Any]:
        """A row's values (reading titles and counts first if it was read as a key only)."""
        values = self.rows[row]
        return values if "title" in values else self._details(row)

    def text(self, values: dict[str, Any], key: str) -> str:
        """What a cell shows: the one place that formats the list's values."""
        value = values.get(key)
        if key == "agreement":
            return "—" if value is None else f"{value:.2f}"
        if value is None:
            return ""
        if key == "published":
            return value[:10]  # the date; a time, when given, is in the tooltip
        return value.replace("_", " ") if key == "status" else str(value)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view draws rows with RowPainter, which reads rows directly; data() serves
        # tooltips, tests, copying and accessibility. Roles it does not answer leave first.
        if role not in self._ROLES or not index.isValid():
            return None
        row = self.row_at(index.row())
        key = self.columns[index.column()][0]
        if role == self._DISPLAY:
            return self.text(row, key)
        if role == self._USER:
            return row["id"]
        if role == self._TOOLTIP:
            published = f" · published {row['published']}" if row.get("published") else ""
            return plain_tooltip(
                f"{row['title']}\n{row['text_length']:,} characters · {row['lang'] or '?'}{published}"
            )
        if key in self.NUMERIC:  # alignment
            return self.RIGHT
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        key, title = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            choose = "; right-click: choose the columns"
            if key in self.SORTABLE:
                return f"Sort by {title.lower()} (click again: reversed, a third time: import order){choose}"
            return f"{self.EXPLAINED.get(key, title)} (the list sorts by title, status, date or a document label){choose}"
        return None


class RowPainter:
    """Draws the list's rows straight from the model's rows, each column at its header
    section, in the view's palette (light or dark theme), with as few calls into Qt as can be.

    DocumentView paints a screen of rows in one call of ``draw_rows``. A table view calls its
    delegate once per cell (from C++ into Python each time, with a style panel and a grid
    drawn for each, and seven roles asked of the model): one call per screen draws the list
    in about half the time."""

    def __init__(self, view: QTableView) -> None:
        self.view = view
        self.restyle()

    def restyle(self) -> None:
        """Colours and font measures, read again when the theme or the font changes."""
        metrics = self._metrics = self.view.fontMetrics()
        self.height = metrics.height() + 12
        self._baseline = (self.height + metrics.ascent() - metrics.descent()) // 2
        #: Every glyph is at least this wide: a title is cut to what could fit before it is
        #: measured for eliding (titles may be 200 characters; shaping them all is the cost).
        self._narrowest = max(1, min(metrics.horizontalAdvance(c) for c in "il.,' |"))
        self._advances: dict[str, int] = {}  # widths of counts, which repeat
        palette = self.view.palette()
        self._highlight = palette.highlight()
        self._alternate = palette.alternateBase()
        self._highlighted_text = palette.highlightedText().color()
        self._text = palette.text().color()

    def draw_rows(
        self,
        painter: QPainter,
        model: DocumentTableModel,
        rows: range,
        top: int,
        width: int,
        sections: list[tuple[str, int, int, bool]],
        selected: set[int],
    ) -> None:
        """``rows`` from ``top`` down; ``sections`` are (key, x, width, right-aligned?) of the
        columns shown. Only titles are elided: the other columns are as wide as their values."""
        height, baseline, metrics, advances = self.height, self._baseline, self._metrics, self._advances
        text, elide, narrowest = model.text, Qt.TextElideMode.ElideRight, self._narrowest
        alternate = self.view.alternatingRowColors()
        y = top
        for row in rows:
            values = model.row_at(row)
            if row in selected:
                painter.fillRect(0, y, width, height, self._highlight)
                painter.setPen(self._highlighted_text)
            else:
                if alternate and row % 2:
                    painter.fillRect(0, y, width, height, self._alternate)
                painter.setPen(self._text)
            for key, left, size, right in sections:
                shown = text(values, key)
                room = size - 8
                if right:
                    advance = advances.get(shown)
                    if advance is None:
                        advance = advances[shown] = metrics.horizontalAdvance(shown)
                    painter.drawText(left + 4 + room - advance, y + baseline, shown)
                else:
                    if key == "title":
                        shown = metrics.elidedText(shown[: room // narrowest + 1], elide, room)
                    painter.drawText(left + 4, y + baseline, shown)
            y += height


class DocumentView(QTableView):
    """The list's view: QTableView's header (click to sort, drag to resize), selection, keys,
    scrolling, reading more as it scrolls and accessibility, with rows of one fixed height
    (so that 100,000 rows cost nothing to lay out) drawn by RowPainter."""

    def __init__(self, model: DocumentTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.documents = model
        self.setModel(model)
        self.painter = RowPainter(self)
        self.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.painter.height)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        # Fixed widths: ResizeToContents would measure every row read so far at each page.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionsClickable(True)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        changes = (QEvent.Type.PaletteChange, QEvent.Type.StyleChange, QEvent.Type.FontChange)
        if event.type() in changes and hasattr(self, "painter"):  # (not while it is built)
            self.painter.restyle()
            self.verticalHeader().setDefaultSectionSize(self.painter.height)
        super().changeEvent(event)

    def empty_text(self) -> str:
        filters = self.documents.filters
        if any(filters.get(key) for key in ("status", "label", "annotator", "text")):
            return "No article matches the filters (Ctrl+F, Escape: back to the article)"
        return "No articles yet: File > Import, or drop files here"

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """The rows in the event's area, drawn in one call."""
        model, height, area = self.documents, self.painter.height, event.rect()
        first = self.rowAt(area.top())
        if not model.rows:  # an empty list says why
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(
                self.viewport().rect().adjusted(8, 8, -8, -8),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                self.empty_text(),
            )
            painter.end()
            return
        if first < 0:
            return
        top = self.rowViewportPosition(first)
        last = min(len(model.rows) - 1, first + (area.bottom() - top) // height)
        header = self.horizontalHeader()
        numeric = model.NUMERIC
        sections = [
            (key, header.sectionViewportPosition(column), header.sectionSize(column), key in numeric)
            for column, (key, _title) in enumerate(model.columns)
            if not header.isSectionHidden(column)
        ]
        selected = {index.row() for index in self.selectionModel().selectedIndexes()}
        painter = QPainter(self.viewport())
        self.painter.draw_rows(
            painter, model, range(first, last + 1), top, self.viewport().width(), sections, selected
        )
        painter.end()


class DocumentList(QWidget):
    document_selected = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = DocumentTableModel(store, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find in titles and texts (Ctrl+F)")
        self.find.setClearButtonEnabled(True)
        layout.addWidget(self.find)
        filters = QHBoxLayout()
        filters.setSpacing(2)
        self.status_filter = QComboBox()
        # short "any" entries (the three share the list's width): the filter's name when unset
        self.status_filter.addItem("Status", None)
        for status in DOCUMENT_STATUSES:
            self.status_filter.addItem(status.replace("_", " "), status)
        self.label_filter = QComboBox()
        self.annotator_filter = QComboBox()
        for combo in (self.status_filter, self.label_filter, self.annotator_filter):
            # sized by a few characters, not by the longest name (a model's is long): the
            # list keeps a narrow minimum; the open list of choices shows names whole
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            filters.addWidget(combo)
        # each wide enough for its unset name, whole ("Any annotator" was clipped)
        for combo, characters in ((self.status_filter, 5), (self.label_filter, 4), (self.annotator_filter, 5)):
            combo.setMinimumContentsLength(characters)
        for combo, what in (
            (self.status_filter, "status"),
            (self.label_filter, "label"),
            (self.annotator_filter, "annotator"),
        ):
            combo.setToolTip(f"Show only the articles of this {what}")
            combo.currentIndexChanged.connect(self.apply_filters)
        layout.addLayout(filters)
        self.table = DocumentView(self.model)
        header = self.table.horizontalHeader()
        header.sectionClicked.connect(self._on_header)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        #: The optional columns shown (the counts, until a person chooses otherwise).
        self.shown: list[str] = ["suggested", "decided"]
        self._sized: tuple[str, ...] = ()  # the columns whose widths are set
        self._size_columns()
        self.model.modelReset.connect(self._size_columns)  # review mode adds a column
        layout.addWidget(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self._find_timer = QTimer(self, singleShot=True, interval=250)
        self._find_timer.timeout.connect(self.apply_filters)
        self.find.textChanged.connect(self._find_timer.start)
        self.fill_filters()

    def stop_timers(self) -> None:
        """The window closes: a find typed a moment ago is not applied to a closed project."""
        self._find_timer.stop()

    def fill_filters(self) -> None:
        """(Re)list labels and annotators in the filters, keeping the current choices."""
        store = self.model.store
        choices = [
            f"{name}{DOCUMENT_LABEL_CHOICE}{value}"
            for name, label in store.schema.document_labels.items()
            for value in label.values
        ]
        for combo, everything, values in (
            (self.label_filter, "Label", [*store.schema.labels, *choices]),
            (self.annotator_filter, "Annotator", [a["name"] for a in store.annotators()]),
        ):
            refill_combo(combo, everything, values)

    def _size_columns(self) -> None:
        """Widths of the narrow columns, from their header and longest value (once per set of
        columns). In review mode the agreement replaces the two counts, so that titles keep
        room beside the review panel."""
        keys = tuple(key for key, _title in self.model.columns)
        if keys == self._sized:
            return
        self._sized = keys
        metrics = self.table.fontMetrics()
        longest = {
            "status": "in progress",
            "suggested": "000",
            "decided": "000",
            "agreement": "0.00",
            "published": "0000-00-00",
        }
        for column, (key, title) in enumerate(self.model.columns):
            if column:
                width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance(longest.get(key, "")))
                self.table.setColumnWidth(column, width + 20)
        self._hide_columns()

    def _hide_columns(self) -> None:
        keys = [key for key, _title in self.model.columns]
        reviewing = "agreement" in keys
        for column, key in enumerate(keys):
            hidden = key in self.model.OPTIONAL and key not in self.shown
            self.table.setColumnHidden(column, hidden or (reviewing and key in ("suggested", "decided")))

    def show_columns(self, keys: list[str]) -> None:
        """Show these optional columns (of DocumentTableModel.OPTIONAL), hide the others; a
        document label's column shown is read from then on (the list is read again)."""
        self.shown = [key for key in self.model.OPTIONAL if key in keys]
        labels = [key[len(DOCUMENT_LABEL_ORDER) :] for key in self.shown if key.startswith(DOCUMENT_LABEL_ORDER)]
        if labels != self.model.shown_labels:
            self.model.shown_labels = labels
            self.apply_filters()
        self._hide_columns()

    def _column_menu(self, position: QPoint) -> None:
        self.column_menu().exec(self.table.horizontalHeader().mapToGlobal(position))

    def column_menu(self) -> QMenu:
        """The header's context menu: which optional columns are shown."""
        from PySide6.QtWidgets import QMenu

        menu = QMenu(self)
        for key in self.model.OPTIONAL:
            title, explained = dict(self.model.COLUMNS)[key], self.model.EXPLAINED[key]
            action = menu.addAction(f"{explained} ({title})" if len(title) == 1 else explained)
            action.setCheckable(True)
            action.setChecked(key in self.shown)
            action.toggled.connect(
                lambda on, key=key: self.show_columns(
                    [k for k in self.shown if k != key] + ([key] if on else [])
                )
            )
        return menu

    def _on_header(self, section: int) -> None:
        """Title, Status, Published: sorted, then reversed, then back to import order."""
        key = self.model.columns[section][0]
        header = self.table.horizontalHeader()
        if key not in self.model.SORTABLE or self.model.scores is not None:
            header.setSortIndicatorShown(self.model.order[0] != "id")
            return
        order, descending = self.model.order
        current = self.current_id()
        if order != self.model.SORTABLE[key]:
            self.model.set_order(self.model.SORTABLE[key])
        elif not descending:
            self.model.set_order(order, True)
        else:
            self.model.set_order("id")
        order, descending = self.model.order
        header.setSortIndicatorShown(order != "id")
        header.setSortIndicator(
            section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        if current is not None:
            self.select(current, emit=False)

    def apply_filters(self) -> None:
        current = self.current_id()
        self.model.refresh(
            status=self.status_filter.currentData(),
            label=self.label_filter.currentData(),
            annotator=self.annotator_filter.currentData(),
            text=self.find.text().strip() or None,
        )
        if current is not None:
            self.select(current, emit=False)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(Qt.ItemDataRole.UserRole) if index.isValid() else None

    def select(self, document_id: int, emit: bool = True) -> bool:
        """Select a document's row (reading the list down to it if needed); False when the
        document is not in the list as filtered."""
        row = self.model.reveal(document_id)
        if row < 0:  # not in the list as filtered: no row may look like the open article
            self.table.selectionModel().blockSignals(True)
            self.table.selectionModel().clearCurrentIndex()
            self.table.clearSelection()
            self.table.selectionModel().blockSignals(False)
            return False
        self.table.blockSignals(not emit)
        self.table.selectionModel().blockSignals(not emit)
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self.table.selectionModel().blockSignals(False)
        self.table.blockSignals(False)
        return True

    def neighbour(self, document_id: int | None, step: int) -> int | None:
        """The document ``step`` rows away in the list as filtered, or None at the ends."""
        row = self.model.row_of(document_id) if document_id is not None else -1
        target = row + step
        if target >= self.model.rowCount() and self.model.canFetchMore():
            self.model.fetchMore()
        if 0 <= target < self.model.rowCount():
            return self.model.rows[target]["id"]
        return None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.document_selected.emit(current.data(Qt.ItemDataRole.UserRole))
