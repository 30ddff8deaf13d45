"""The floor of a re-crawl through requests: only conditional GETs, nothing else, one process.

``python -m bench.requests_floor URLS_FILE THREADS`` reads ``url<TAB>etag<TAB>last_modified``
lines and sends each as a conditional GET through one ``requests.Session`` per thread
(trust_env off, as schedarc runs when the environment sets no proxy), reading no body
and storing nothing. Its wall time, start-up included, is what schedarc's re-crawl would
take if the archive, the crawl logic and the CLI cost nothing: the distance to it is ours.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

_local = threading.local()


def _session() -> requests.Session:
    session: requests.Session | None = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False
        _local.session = session
    return session


def revalidate(line: str) -> int:
    url, etag, modified = [*line.split("\t"), "", ""][:3]
    headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}
    response = _session().get(url, headers=headers, allow_redirects=False, stream=True, timeout=30)
    response.close()
    return response.status_code


def main() -> None:
    lines = [line for line in Path(sys.argv[1]).read_text().splitlines() if line]
    with ThreadPoolExecutor(int(sys.argv[2])) as pool:
        statuses = list(pool.map(revalidate, lines))
    print(statuses.count(304), len(statuses))


if __name__ == "__main__":
    main()
