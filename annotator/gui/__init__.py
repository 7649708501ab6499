"""Everything Qt. Imports the core; the core never imports this package."""

import PySide6

if PySide6.__version__ == "6.12.0":  # pragma: no cover - depends on the installed wheel
    raise ImportError(
        "PySide6 6.12.0 corrupts the reference count of None and crashes the window after a few "
        "thousand calls; install 6.11.x: pip install 'PySide6-Essentials<6.12'"
    )
