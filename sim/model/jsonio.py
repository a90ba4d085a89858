"""JSON that result files can rely on: NaN and infinities as null, numpy scalars as numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sim.model.whole_files import write_text_whole


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN/inf as None, numpy scalars and arrays as Python values, paths as text."""
    if hasattr(obj, "tolist") and not isinstance(obj, str | bytes):  # numpy scalars and arrays
        obj = obj.tolist()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set):
        return [json_safe(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def json_text(data: Any) -> str:
    """``data`` as the indented JSON every result file holds (see ``json_safe``)."""
    return json.dumps(json_safe(data), indent=2, default=str)


def write_json(path: str | Path, data: Any) -> Path:
    """Write ``data`` as indented JSON (``json_text``), whole (``write_text_whole``)."""
    text = json_text(data)  # a data error writes nothing
    return write_text_whole(Path(path), text)
