"""Measured figures for RELIABILITY.md: appended as JSON lines to the file named by
$SCHEDARC_RELIABILITY_FIGURES (nothing is written when it is unset)."""

from __future__ import annotations

import json
import os
from typing import Any


def record(scenario: str, **values: Any) -> None:
    path = os.environ.get("SCHEDARC_RELIABILITY_FIGURES")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps({"scenario": scenario, **values}, sort_keys=True) + "\n")
