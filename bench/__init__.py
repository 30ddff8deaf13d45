"""schedarc benchmarks: schedarc against Scrapy and this machine's floors, side by side.

``python -m bench`` runs everything and prints one table; ``python -m bench --quick``
runs a smaller end-to-end comparison. See bench/README.md. Nothing here is collected
by pytest: speed is measured here, never asserted in tests.
"""

from __future__ import annotations
