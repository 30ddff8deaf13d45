"""Speakers as their own rows, so that "all talks by X" is one join.

A speaker is identified by the casefolded, NFKC, single-spaced form of the name, so
"Eric  Windisch" and "eric windisch" are one person; the first spelling seen is kept.
"""

from __future__ import annotations

from archive.db import Db
from archive.diff import person_key

#: The identity of a speaker's name (``diff.person_key``, remembered per name).
speaker_key = person_key


def link_speakers(db: Db, session_id: int, names: list[str]) -> None:
    """Make ``session_speakers`` list exactly ``names`` (in order) for one session."""
    db.execute("DELETE FROM session_speakers WHERE session_id = ?", [session_id])
    for position, name in enumerate(names):
        key = speaker_key(name)
        if not key:
            continue
        db.execute("INSERT OR IGNORE INTO speakers (name, key) VALUES (?, ?)", [name, key])
        db.execute(
            "INSERT OR IGNORE INTO session_speakers (session_id, speaker_id, position)"
            " SELECT ?, id, ? FROM speakers WHERE key = ?",
            [session_id, position, key],
        )


def prune_speakers(db: Db) -> int:
    """Drop speakers no session lists any more (after a reparse); return how many."""
    cursor = db.execute(
        "DELETE FROM speakers WHERE id NOT IN (SELECT speaker_id FROM session_speakers)"
    )
    return int(cursor.rowcount)
