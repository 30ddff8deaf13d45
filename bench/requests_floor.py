"""The floor of a re-crawl: conditional GETs alone, nothing else, one process.

``python -m bench.requests_floor URLS_FILE THREADS [requests|urllib3]`` reads
``url<TAB>etag<TAB>last_modified`` lines and sends each as a conditional GET, reading no
body and storing nothing, over kept-alive connections (the connection goes back to the
pool after each 304, as schedarc's Fetcher does; closing the response instead would open
a new connection per request and understate the client).

- ``requests``: one ``requests.Session`` per thread, ``trust_env`` off, as schedarc runs
  when the environment sets no proxy. Its wall time, start-up included, is what schedarc's
  re-crawl would take if the archive, the crawl logic and the CLI cost nothing.
- ``urllib3``: one ``PoolManager`` shared by the threads, the pools requests itself sits
  on, without requests' layer: what the same GETs cost below the design card's client.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

_local = threading.local()

Revalidate = Callable[[str], int]


def _validators(line: str) -> tuple[str, dict[str, str]]:
    url, etag, modified = [*line.split("\t"), "", ""][:3]
    return url, {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}


def through_requests(threads: int) -> Revalidate:
    import requests

    def session() -> requests.Session:
        found: requests.Session | None = getattr(_local, "session", None)
        if found is None:
            found = requests.Session()
            found.trust_env = False
            _local.session = found
        return found

    def revalidate(line: str) -> int:
        url, headers = _validators(line)
        response = session().get(url, headers=headers, allow_redirects=False, stream=True, timeout=30)
        response.raw.release_conn()  # keep-alive (nothing to read after a 304)
        return response.status_code

    return revalidate


def through_urllib3(threads: int) -> Revalidate:
    import urllib3

    pool = urllib3.PoolManager(maxsize=max(10, threads))

    def revalidate(line: str) -> int:
        url, headers = _validators(line)
        response = pool.request("GET", url, headers=headers, redirect=False, retries=False,
                                preload_content=False, timeout=30)
        response.release_conn()
        return response.status

    return revalidate


CLIENTS: dict[str, Callable[[int], Revalidate]] = {"requests": through_requests, "urllib3": through_urllib3}


def main() -> None:
    lines = [line for line in Path(sys.argv[1]).read_text().splitlines() if line]
    threads = int(sys.argv[2])
    revalidate = CLIENTS[sys.argv[3] if len(sys.argv) > 3 else "requests"](threads)
    with ThreadPoolExecutor(threads) as pool:
        statuses = list(pool.map(revalidate, lines))
    print(statuses.count(304), len(statuses))


if __name__ == "__main__":
    main()
