"""Shared by the tests of stops Python drops: a ``KeyboardInterrupt`` Python only reports."""

from __future__ import annotations

import weakref


def stop_python_only_reports() -> None:
    """Raise KeyboardInterrupt where Python only reports it (``sys.unraisablehook``), as a
    signal handler does when Ctrl-C lands in a weakref callback."""

    class Box:
        pass

    def callback(_ref: object) -> None:
        raise KeyboardInterrupt

    box = Box()
    ref = weakref.ref(box, callback)
    del box  # the callback runs now; what it raises does not propagate
    assert ref() is None
