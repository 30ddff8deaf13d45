"""The one table every bench section adds rows to, rendered as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One measured number: where it comes from, its value, and the target it is held to (if any)."""

    section: str
    name: str
    value: str
    target: str = ""
    ok: bool | None = None  # None: no target

    @property
    def status(self) -> str:
        return "" if self.ok is None else ("met" if self.ok else "MISSED")


def fmt(value: float, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals."""
    return f"{value:,.{digits}f}"


def render(rows: Sequence[Row]) -> str:
    """A Markdown table; columns padded so it also reads well in a terminal."""
    header = ("section", "measure", "value", "target", "status")
    cells = [header] + [(r.section, r.name, r.value, r.target, r.status) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


def misses(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.ok is False]
