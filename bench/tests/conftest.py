"""Make `benchlib` and the bench apps importable when pytest runs from the repo root."""

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
for path in (BENCH, BENCH / "apps"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
