"""Running ``schedarc`` in real subprocesses: wall time, peak RSS, kill -9 at a chosen moment.

Peak RSS is the child's ``ru_maxrss`` from ``os.wait4``. Linux carries the memory of the
process that exec'd into that figure, so a child started straight from pytest (hundreds
of MB) would report pytest's size; measured children are therefore started by a tiny
launcher (``python -S``, about 10 MB) that spawns the real one and reports its figure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def schedarc(*args: str) -> list[str]:
    """The argv that runs the CLI with this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "scraper", *args]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDARC_")}
    env["PYTHONPATH"] = str(REPO)
    env["NO_COLOR"] = "1"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)  # loopback servers must be reached directly
    return env


# argv: report file, then the command. Writes {"returncode", "maxrss_kb"} to the report file.
LAUNCHER = (
    "import json, os, sys\n"
    "pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "code = os.waitstatus_to_exitcode(status)\n"
    "open(sys.argv[1], 'w').write(json.dumps({'returncode': code, 'maxrss_kb': usage.ru_maxrss}))\n"
    "sys.exit(code if code >= 0 else 128 - code)\n"
)


@dataclass
class Finished:
    """A child that ran to its end (or was killed)."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    wall: float  # seconds
    peak_rss_mb: float  # the child's own maximum resident set size
    killed: bool = False

    def json(self) -> Any:
        return json.loads(self.stdout)


class Child:
    """A started subprocess whose output goes to files (no pipe can fill up and stall it)."""

    def __init__(self, argv: list[str], workdir: Path, *, name: str = "child",
                 env: dict[str, str] | None = None, measure: bool = False, logs: Path | None = None) -> None:
        """Run ``argv`` in ``workdir``; its output goes to files in ``logs`` (default: ``workdir``).

        ``measure``: start through LAUNCHER, for a true peak RSS.
        """
        self.argv = argv
        self._out = (logs or workdir) / f"{name}.{time.monotonic_ns()}.out"
        self._err = self._out.with_suffix(".err")
        self._report = self._out.with_suffix(".rss") if measure else None
        command = [sys.executable, "-S", "-c", LAUNCHER, str(self._report), *argv] if self._report else argv
        with self._out.open("wb") as out, self._err.open("wb") as err:
            # A session of its own: kill() reaches the launcher and what it started alike.
            self.proc = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         env={**child_env(), **(env or {})}, cwd=workdir, start_new_session=True)
        self.started = time.monotonic()
        self._result: Finished | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self) -> Finished | None:
        """The result if the child has ended, else None (never blocks)."""
        if self._result is None:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self._finish(status, usage)
        return self._result

    def wait(self, timeout: float = 120.0) -> Finished:
        """Wait for the end; kill -9 and fail if it outlives ``timeout`` (a hang, not a speed test)."""
        deadline = time.monotonic() + timeout
        while (result := self.poll()) is None:
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"{' '.join(self.argv[2:])} still running after {timeout:g} s: "
                                     f"{self._err.read_text(errors='replace')[-2000:]}")
            time.sleep(0.01)
        return result

    def kill(self) -> Finished:
        """SIGKILL now (no cleanup handlers, no atexit, no finally blocks) and reap."""
        if self._result is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status, usage = os.wait4(self.proc.pid, 0)
            self._finish(status, usage, killed=True)
        assert self._result is not None
        return self._result

    def _finish(self, status: int, usage: Any, *, killed: bool = False) -> None:
        self.proc.returncode = code = os.waitstatus_to_exitcode(status)
        maxrss_kb = usage.ru_maxrss
        if self._report is not None and self._report.exists():
            report = json.loads(self._report.read_text())
            code, maxrss_kb = report["returncode"], report["maxrss_kb"]
        self._result = Finished(
            argv=self.argv, returncode=code,
            stdout=self._out.read_text(encoding="utf-8", errors="replace"),
            stderr=self._err.read_text(encoding="utf-8", errors="replace"),
            wall=time.monotonic() - self.started, peak_rss_mb=maxrss_kb / 1024, killed=killed)


def run(argv: list[str], workdir: Path, *, timeout: float = 120.0, logs: Path | None = None) -> Finished:
    """Run ``argv`` to its end in ``workdir``, measuring its peak RSS."""
    return Child(argv, workdir, measure=True, logs=logs).wait(timeout)


def wait_until(condition: Callable[[], bool], *, timeout: float = 60.0, every: float = 0.005,
               what: str = "condition") -> None:
    """Poll ``condition`` until true; fail (not hang) after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout:g} s")
        time.sleep(every)
