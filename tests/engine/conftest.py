"""Engine test setup: the model strategies of tests/model are shared with the property tests."""

from __future__ import annotations

import sys
from pathlib import Path

_MODEL_TESTS = str(Path(__file__).resolve().parents[1] / "model")
if _MODEL_TESTS not in sys.path:
    sys.path.append(_MODEL_TESTS)
