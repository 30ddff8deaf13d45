"""Real pages written by others, scored by ../shared/tools/score_corpus.py --check.

The thresholds live in the scorer (titles 98%, starts 95%, ends 90%, speakers, rooms and
urls 90%, counts 98%); CI fails when the parsers fall below them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import shared_dir


def _command() -> str:
    exe = shutil.which("schedarc", path=str(Path(sys.executable).parent))
    return exe if exe else f"{sys.executable} -m scraper"


def test_corpus_score_meets_thresholds() -> None:
    corpus = shared_dir("corpus")
    scorer = shared_dir("tools") / "score_corpus.py"
    done = subprocess.run(
        [sys.executable, str(scorer), "--corpus", str(corpus), "--command", f"{_command()} parse", "--check",
         "--json"], capture_output=True, text=True, timeout=600, check=False)
    report = json.loads(done.stdout)
    errors = {row["file"]: row["error"] for row in report["files"] if row["error"]}
    assert not errors, f"parser failed on corpus files: {errors}"
    assert report["short"] == [], f"below threshold: {report['short']}; ratios {report['ratios']}"
    assert done.returncode == 0
