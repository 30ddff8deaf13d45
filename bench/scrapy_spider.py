"""The Scrapy side of the end-to-end comparison: the same crawl, the same fields, into SQLite.

From the announcement post it follows the links the schedarc target follows (same URL
set, two links deep), extracts with parsel the fields schedarc's parsers extract (uid,
title, speakers, start, end, room, track, url, description; sessions from list views,
session pages, the post, all.ics and schedule.xml), and writes items to SQLite through
sqlite-utils in an item pipeline (batched insert_all, WAL, synchronous=NORMAL: its
fastest safe way), plus one row per page. Settings are Scrapy's best for a loopback
crawl on this machine, found by a sweep (bench/README.md): no delay, no robots, no
cookies, no retries, telnet and remote control off, logging at WARNING, the asyncio
reactor (faster here than epoll) and 8 requests in flight (4 to 32 measured the same
within noise; more only costs memory), per domain as in total since all ports of
127.0.0.1 share one download slot.

``--cache DIR`` turns on HttpCacheMiddleware with RFC2616Policy: the re-crawl path in
which Scrapy revalidates each cached page with a conditional GET (the bench server sends
``Cache-Control: max-age=0``: stale at once, so revalidated; ``no-cache`` would make
Scrapy skip the validators) and parses the cached body again on 304.

Run: ``python -m bench.scrapy_spider START_URL --allow REGEX --db out.db [--cache DIR]``;
prints one JSON line of counts.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import scrapy
import sqlite_utils
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response, TextResponse

_WHEN = re.compile(r"(?:[A-Za-z]+ )?([A-Z][a-z]+) (\d{1,2}), (\d{4}) (\d{1,2}):(\d\d)([ap]m) - (\d{1,2}):(\d\d)([ap]m)")
_EVENT_ID = re.compile(r"/event/([A-Za-z0-9]{3,40})")
BATCH = 2000


def _hour(hour: str, half: str) -> int:
    value = int(hour) % 12
    return value + 12 if half == "pm" else value


def sched_times(text: str, zone: ZoneInfo) -> tuple[str | None, str | None]:
    """'Tuesday May 12, 2026 9:00am - 9:40am CDT' -> ISO start and end in ``zone``."""
    match = _WHEN.search(text)
    if not match:
        return None, None
    month, day, year, h1, m1, a1, h2, m2, a2 = match.groups()
    date = datetime.strptime(f"{month} {day} {year}", "%B %d %Y")
    start = date.replace(hour=_hour(h1, a1), minute=int(m1), tzinfo=zone)
    end = date.replace(hour=_hour(h2, a2), minute=int(m2), tzinfo=zone)
    return start.isoformat(), end.isoformat()


def split_anchor(text: str) -> tuple[str, list[str]]:
    """'TITLE - NAME, COMPANY & NAME, COMPANY' -> (title, names)."""
    if " - " not in text:
        return text, []
    title, people = text.rsplit(" - ", 1)
    return title.strip(), [p.split(",", 1)[0].strip() for p in re.split(r" & |; ", people) if p.strip()]


def _ics_unescape(value: str) -> str:
    return value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")


class ScheduleSpider(scrapy.Spider):
    name = "schedule"

    def __init__(self, first_url: str, allow: str, timezone: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.first_url = first_url
        self.allow = re.compile(allow)
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone

    async def start(self) -> Any:  # Scrapy 2.13+: an async generator of the first requests
        yield scrapy.Request(self.first_url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield {"kind": "page", "url": response.url, "status": response.status, "bytes": len(response.body),
               "fetched_at": datetime.now(UTC).isoformat()}
        if not isinstance(response, TextResponse):
            return
        media = (response.headers.get(b"Content-Type") or b"").decode().split(";", 1)[0]
        if media == "text/calendar":
            sessions = list(self.from_ics(response))
        elif media.endswith("xml"):
            sessions = list(self.from_frab(response))
        else:
            sessions = list(self.from_html(response))
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href.strip()).split("#", 1)[0]
                if self.allow.match(url):
                    yield scrapy.Request(url, callback=self.parse)
        for session in sessions:
            yield session
            if session.get("url") and self.allow.match(session["url"]):
                yield scrapy.Request(session["url"], callback=self.parse)

    def _session(self, page: str, **fields: Any) -> dict[str, Any]:
        fields["speakers"] = json.dumps(fields.get("speakers") or [])
        return {"kind": "session", "page_url": page, "timezone": self.timezone, **fields}

    def from_html(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        single = response.css(".list-single__event a")
        if single:
            yield from self.from_event_page(response, single[0])
        elif response.css(".sched-container"):
            yield from self.from_list(response)
        else:
            yield from self.from_post(response)

    def from_event_page(self, response: TextResponse, anchor: Any) -> Iterator[dict[str, Any]]:
        url = response.urljoin(anchor.attrib.get("href", ""))
        match = _EVENT_ID.search(url)
        start, end = sched_times(" ".join(response.css(".list-single__date::text").getall()), self.zone)
        yield self._session(
            response.url, uid=match.group(1) if match else url, title=anchor.css("::text").get("").strip(),
            speakers=[s.strip() for s in response.css(".sched-person-session h2 a::text").getall()],
            start=start, end=end, room=response.css(".list-single__location a::text").get(),
            track=response.css(".sched-event-type a::text").get(), url=url,
            description="\n".join(p.strip() for p in response.css(".tip-description p::text").getall()),
            event=response.css('meta[property="og:site_name"]::attr(content)').get())

    def from_list(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        event = response.css('meta[property="og:site_name"]::attr(content)').get()
        for box in response.css(".sched-container"):
            anchor = box.css("a.name")
            href = response.urljoin(anchor.attrib.get("href", ""))
            match = _EVENT_ID.search(href)
            title, speakers = split_anchor(" ".join("".join(anchor.css("::text").getall()).split()))
            start, end = sched_times(" ".join(box.css(".sched-event-details-timeandplace::text").getall()), self.zone)
            yield self._session(
                response.url, uid=match.group(1) if match else href, title=title, speakers=speakers,
                start=start, end=end, room=box.css(".sched-event-details-timeandplace a::text").get(), track=None,
                url=href, description="\n".join(t.strip() for t in box.css(".tip-description::text").getall()),
                event=event)

    def from_post(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        for paragraph in response.css(".entry-content p"):
            anchor = paragraph.css("a")
            href = anchor.attrib.get("href", "") if anchor else ""
            if "/event/" not in href:
                continue
            title, _, who = "".join(anchor.css("::text").getall()).partition(" — ")
            when = paragraph.xpath("following-sibling::p[1]/text()").get("")
            yield self._session(response.url, uid=href, title=title.strip(),
                                speakers=[w.strip() for w in who.split(" and ") if w.strip()],
                                start=when.strip() or None, end=None, room=None, track=None,
                                url=response.urljoin(href), description=None, event=None)

    def from_ics(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        unfolded = response.text.replace("\r\n ", "").replace("\n ", "")
        name = re.search(r"^X-WR-CALNAME:(.*)$", unfolded, re.M)
        event: dict[str, str] = {}
        for line in unfolded.splitlines():
            if line == "BEGIN:VEVENT":
                event = {}
            elif line == "END:VEVENT":
                summary = _ics_unescape(event.get("SUMMARY", ""))
                title, speakers = split_anchor(summary)
                yield self._session(
                    response.url, uid=event.get("UID"), title=title, speakers=speakers,
                    start=self._utc(event.get("DTSTART")), end=self._utc(event.get("DTEND")),
                    room=_ics_unescape(event.get("LOCATION", "")), track=_ics_unescape(event.get("CATEGORIES", "")),
                    url=event.get("URL"), description=_ics_unescape(event.get("DESCRIPTION", "")),
                    event=name.group(1).strip() if name else None)
            else:
                key, _, value = line.partition(":")
                event[key.split(";", 1)[0]] = value

    def _utc(self, value: str | None) -> str | None:
        if not value:
            return None
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        return moment.astimezone(self.zone).isoformat()

    def from_frab(self, response: TextResponse) -> Iterator[dict[str, Any]]:
        event = response.xpath("//conference/title/text()").get()
        for node in response.xpath("//event"):
            yield self._session(
                response.url, uid=node.attrib.get("guid"), title=node.xpath("title/text()").get(""),
                speakers=node.xpath("persons/person/text()").getall(), start=node.xpath("date/text()").get(),
                end=None, room=node.xpath("room/text()").get(), track=node.xpath("track/text()").get(),
                url=node.xpath("url/text()").get(),
                description="\n\n".join(node.xpath("abstract/text() | description/text()").getall()), event=event)


class SqlitePipeline:
    """Items into SQLite with sqlite-utils: batched insert_all, WAL, synchronous=NORMAL."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.buffers: dict[str, list[dict[str, Any]]] = {"page": [], "session": []}
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SqlitePipeline:
        return cls(crawler.settings.get("BENCH_DB"))

    def open_spider(self, spider: Any = None) -> None:
        self.db = sqlite_utils.Database(self.path)
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        kind = item["kind"]
        self.buffers[kind].append({k: v for k, v in item.items() if k != "kind"})
        self.count += 1
        if len(self.buffers[kind]) >= BATCH:
            self._flush(kind)
        return item

    def _flush(self, kind: str) -> None:
        rows, self.buffers[kind] = self.buffers[kind], []
        if rows:
            self.db.table(f"{kind}s").insert_all(rows, batch_size=BATCH, alter=True)

    def close_spider(self, spider: Any = None) -> None:
        for kind in list(self.buffers):
            self._flush(kind)
        self.db.close()


REACTORS = {"epoll": "twisted.internet.epollreactor.EPollReactor",
            "asyncio": "twisted.internet.asyncioreactor.AsyncioSelectorReactor"}


def settings(db: str, cache: str | None, concurrency: int, reactor: str = "asyncio") -> dict[str, Any]:
    values: dict[str, Any] = {
        "BENCH_DB": db,
        "ITEM_PIPELINES": {"bench.scrapy_spider.SqlitePipeline": 300},
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "CONCURRENT_ITEMS": 200,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
        "AUTOTHROTTLE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "DEPTH_LIMIT": 2,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "scrapy-bench (+https://github.com/schedarc/schedarc)",
        "TWISTED_REACTOR": REACTORS[reactor],
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    }
    if cache:
        values.update({"HTTPCACHE_ENABLED": True, "HTTPCACHE_DIR": cache,
                       "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.RFC2616Policy"})
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description="Scrapy crawl of the benchmark site into SQLite.")
    parser.add_argument("start")
    parser.add_argument("--allow", required=True, help="regular expression of URLs to follow")
    parser.add_argument("--db", required=True)
    parser.add_argument("--timezone", default="America/Chicago")
    parser.add_argument("--cache", help="HTTP cache directory (RFC2616Policy): the re-crawl path")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--reactor", choices=sorted(REACTORS), default="asyncio")
    args = parser.parse_args()
    process = CrawlerProcess(settings(args.db, args.cache, args.concurrency, args.reactor))
    crawler = process.create_crawler(ScheduleSpider)
    process.crawl(crawler, first_url=args.start, allow=args.allow, timezone=args.timezone)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    print(json.dumps({
        "pages": stats.get("response_received_count", 0),
        # the cache middleware turns a 304 into the cached response before the downloader stats see it
        "not_modified": stats.get("httpcache/revalidate", 0) or stats.get("downloader/response_status_count/304", 0),
        "cache": {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("httpcache/")},
        "items": stats.get("item_scraped_count", 0),
        "errors": stats.get("log_count/ERROR", 0),
    }))


if __name__ == "__main__":
    main()
