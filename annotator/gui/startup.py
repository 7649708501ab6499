"""Starting the window: the checks that come before Qt can show anything (a display, the xcb
plugin's libraries), the analyst's name, the project opened (updated if older, a daily backup
in the background), the samples on a first start, and a screenshot mode for the README."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from annotator.gui.app import MainWindow
from annotator.gui.project import open_store, seed_samples


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0, libEGL.so.1 -> libegl1."""
    name, _, version = soname.partition(".so")
    major = version.strip(".").split(".")[0]
    return name.lower() + ("-" if name[-1:].isdigit() and major else "") + major


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` could not find, each once, in its order."""
    missing = [line.split()[0] for line in ldd_output.splitlines() if "=> not found" in line]
    return list(dict.fromkeys(missing))


def xcb_plugin_problem() -> str | None:
    """Every library Qt's xcb platform plugin needs and this system lacks, as one line (Qt would
    abort with its own message, naming only xcb-cursor)."""
    import subprocess

    import PySide6

    plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists():
        return None
    import ctypes

    try:  # the common case, on the way to the window: the plugin loads, no process is started
        ctypes.CDLL(str(plugin), mode=os.RTLD_LAZY)
        return None
    except OSError:
        pass  # a library is missing: ldd names every one
    try:
        output = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    missing = missing_libraries(output)
    if not missing:
        return None
    packages = " ".join(dict.fromkeys(debian_package(name) for name in missing))
    return (
        f"Qt's xcb platform cannot start: {', '.join(missing)} not found. On Debian/Ubuntu: "
        f"apt-get install {packages} (or set QT_QPA_PLATFORM=offscreen for no window)"
    )


def display_problem() -> str | None:
    """A one-line hint when Qt would abort for lack of a display or of xcb's libraries."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if sys.platform != "linux" or (platform and not platform.startswith("xcb")):
        return None
    if not platform and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display: run inside a desktop session, or set QT_QPA_PLATFORM=offscreen"
    if os.environ.get("DISPLAY") or platform.startswith("xcb"):
        return xcb_plugin_problem()
    return None


def login_name() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name (containers)
        return "analyst"


def run(db_path: Path | str, annotator: str | None, samples: bool = True, screenshot: Path | None = None) -> int:
    """Open the window; with ``screenshot``, wait for suggestions, save the window as PNG, quit.

    ``annotator`` None means: the name kept from last time, else asked (default: login name).
    """
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    problem = display_problem()
    if problem:
        print(f"annotator: {problem}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("annotator")
    app.setOrganizationName("annotator")
    settings = QSettings("annotator", "annotator")
    ask_name = False
    if annotator is None:
        annotator = settings.value("annotator/name")
        if not annotator:  # asked once, over the window (which is there first), login name proposed
            annotator, ask_name = login_name(), screenshot is None
            settings.setValue("annotator/name", annotator)
    store = open_store(db_path)
    if store.server:  # decisions are under the name one connects as: nothing to ask
        annotator, ask_name = store.server_user, False
    elif samples and store.created:
        seed_samples(store)
    window = MainWindow(store, str(annotator), settings, defer_icons=True, defer_open=True)
    window._remember_recent(db_path)
    window.show()
    QTimer.singleShot(0, window.open_last_document)
    QTimer.singleShot(0, window.apply_icons)
    if ask_name:
        QTimer.singleShot(50, window.change_annotator)
    if screenshot is not None:
        window.resize(1440, 860)

        def save(_summary: str = "") -> None:
            QTimer.singleShot(0, lambda: _finish_screenshot(window, screenshot, app))

        window.preannotation_done.connect(save)
        if not window.start_preannotation():
            save()
    else:
        # Background work starts once the window is drawn: its imports and queries (the NLP
        # module, the importers, the count of documents to do) must not delay the first paint.
        QTimer.singleShot(100, window.start_preannotation)
        if not store.server:  # a server project's backups are its admin's (annotator backup)
            QTimer.singleShot(3000, lambda: _daily_backup_in_background(Path(db_path)))
    code = app.exec()
    window.stop_background_work()
    return code


def _daily_backup_in_background(path: Path) -> None:
    """Once a day, a backup of the project, off the GUI thread (SQLite's online backup copes
    with the window writing meanwhile)."""
    import threading

    from annotator.store.backups import daily_backup

    threading.Thread(target=daily_backup, args=(path,), name="daily-backup", daemon=True).start()


def _finish_screenshot(window: MainWindow, path: Path, app: QApplication) -> None:
    """Show a worked example (decisions, a quote linked to its speaker, a source with its
    agency) and save the PNG."""
    if window.document_id is not None:
        text = window.view.text
        editor, document_id = window.editor, window.document_id
        speaker = None
        for span in window.session.order:
            if text[span.start : span.end] == "Kim Jong-un" and span.status == "suggested":
                window.select_span(span.id)
                speaker = window.view.selected_id
                window.accept()
                speaker = next((s.id for s in window.view.spans.values() if s.suggestion_id == speaker), None)
                break
        source = text.find("según recogió")
        if source >= 0:
            end = text.index("KCNA", source) + 4
            span = window.perform(lambda: editor.create_span(document_id, source, end, "SOURCE"))
            if span is not None:
                window.perform(lambda: editor.set_attributes(span.id, {"agency": "KCNA"}))
        quote_start = text.find("«un escudo para la paz en")
        if quote_start >= 0:
            quote_end = text.index("»", quote_start) + 1
            # the rules' quote is taken with its speaker; linked by hand where it has none
            quote = window.perform(lambda: editor.create_span(document_id, quote_start, quote_end, "QUOTE"))
            if quote is not None and speaker is not None:
                if not any(k.label == "speaker" for k in window.store.links_of(quote.id)):
                    window.link(quote.id, speaker, "speaker")
                window.select_span(quote.id)
    window._list_timer.stop()
    window._refresh_list_rows()  # the list's counts, without waiting for the keys to pause
    app.processEvents()  # widgets added to the side panel are shown by a queued call
    window.grab().save(str(path))
    print(f"saved {path}")
    app.quit()
