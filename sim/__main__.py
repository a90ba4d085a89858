"""``python -m sim``: the command line (see ``sim.cli``)."""

import os
import signal
import sys


class _TerminatedWhileLoading(KeyboardInterrupt):
    """SIGTERM while the command line loads, before ``main`` handles it from its start."""


def _terminated(signum: int, frame: object) -> None:
    raise _TerminatedWhileLoading


if __name__ == "__main__":  # not where a launcher's process imports this module (__mp_main__)
    signal.signal(signal.SIGTERM, _terminated)  # its default action said nothing (QA signals20)
try:
    from sim.cli.main import main
except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM as the command line loads: nothing started
    terminated = isinstance(exc, _TerminatedWhileLoading)
    stopped = "terminated (SIGTERM)" if terminated else "interrupted"
    print(f"{stopped} before any run started; nothing was written", file=sys.stderr)
    sys.exit(143 if terminated else 130)


def _output_reader_gone() -> None:
    """Exit quietly when the reader of this process's output stopped (``sim --help | head -1``):
    Python's own report was a traceback (BrokenPipeError), and its flush at exit another one."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # nothing more to flush into the closed pipe
    sys.exit(1)


def _ignore_further_stops() -> None:
    """Ignore Ctrl-C and SIGTERM from here on. As the interpreter shuts down it gives back their
    default action to signals a Python handler took, and a second Ctrl-C there ended the
    process by SIGINT (status -2 to a script) instead of 130 (QA retest22: 14 of 36 second
    Ctrl-Cs 20-50 ms after the first)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    try:
        try:
            main()
        finally:
            sys.stdout.flush()  # here, where a closed pipe can still be answered
    except BrokenPipeError:
        _output_reader_gone()
    except SystemExit as stopped:
        if stopped.code in (130, 143):  # a stop, said and recorded: the process only exits now
            _ignore_further_stops()
        raise
    finally:
        # The exit status main chose stands. A Ctrl-C that landed in code Python ran from a
        # string (a dataclass's generated methods, as scipy or pandas is imported), even when
        # handled (exit status 130, one line), left CPython's "unhandled KeyboardInterrupt"
        # flag set, and ``python -m`` then ended by SIGINT (status -2 to a script: QA
        # signals20). Running a string clears the flag; a Ctrl-C main lets through sets it
        # again as it leaves ``runpy``, so that one still ends by SIGINT.
        exec("")  # noqa: S102 - an empty string, run only for the side effect above
