"""``python -m scraper`` runs the schedarc CLI."""

from __future__ import annotations

from scraper.cli import main

main()
