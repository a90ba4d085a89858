"""Result files written whole: a stop (Ctrl-C, SIGTERM) or a full disk leaves the earlier file
of that name, or none, never a truncated one that reads as a smaller result.

One rule for every layer (the CLI's tables and traces, JSON, models, figures, pages): the file
is written under its own name in a folder ``.partial`` beside it and moved into place once
complete. Its own name, not a hidden variant, because gzip records the name it wrote: the
bytes are those of a file written in place, the same from run to run."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PARTIAL = ".partial"  # the folder of the files being written (``written_whole``)


@contextlib.contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A name to write ``path`` under: moved to ``path`` once the block ends, removed if it
    raises (Ctrl-C, SIGTERM, a full disk). An interrupted write leaves no file under ``path``,
    never a valid-looking but truncated one (QA: a stopped simulate left a ``trace.csv.gz`` of
    620,000 of its 3,000,000 rows, gzip intact).

    The name is ``path``'s own in a folder ``.partial`` beside it (removed once empty)."""
    folder = path.parent / PARTIAL
    folder.mkdir(exist_ok=True)
    part = folder / path.name
    try:
        yield part
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # another file is being written there
            folder.rmdir()


def write_text_whole(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole (``written_whole``)."""
    path = Path(path)
    with written_whole(path) as part:
        part.write_text(text, encoding="utf-8")
    return path
