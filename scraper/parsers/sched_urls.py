"""Sched session URLs: the /event/ID in a link, and the canonical URL of a session.

The id is the session's uid everywhere (HTML pages, the API export, all.ics URLs).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from scraper.parsers import markup

#: /event/ID with an optional slug; ids are 32 hex digits (2012) or short (today).
EVENT_PATH = re.compile(r"^(?:[a-z]+:)?(?://[^/?#]*)?[^?#]*?(?:^|/)event/([A-Za-z0-9]{3,40})(?:/|$|[?#])")
#: What urllib would rewrite or refuse in an absolute href: controls, spaces, IPv6, params.
_NOT_PLAIN = re.compile(r"[\x00-\x20\x7f\[\];]")


def event_id(href: str | None) -> str | None:
    """The session id in a Sched /event/ID URL, or None."""
    if not href:
        return None
    # fast path for the hrefs of list pages: "event/ID/slug", "/event/ID"
    if href.startswith(("event/", "/event/")):
        ident = href.split("event/", 1)[1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if 3 <= len(ident) <= 40 and ident.isascii() and ident.isalnum():
            return ident
    match = EVENT_PATH.search(href)
    return match.group(1) if match else None


def canonical(base: str, href: str) -> str | None:
    """The session URL: the site's origin + /event/ID[/slug], without fragment.

    List pages write relative hrefs ("event/ID/slug") under /list/ that belong at the
    site root, so the path is cut back to its /event/ part. None off the web (file:).
    """
    joined = markup.absolute(base, href)
    if joined is None:
        return None
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https"):
        return None  # a saved page read without --base-url: no site to place it on
    at = parts.path.find("/event/")
    return urlunsplit((parts.scheme, parts.netloc, parts.path[at:] if at >= 0 else parts.path, "", ""))


def origin(base: str) -> str:
    """ "https://NAME.sched.com" for any http(s) URL on the site; '' for other schemes."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def session_url(site: str, base: str, href: str) -> str | None:
    """:func:`canonical`, with fast paths for the hrefs of list pages and full schedules."""
    if href.startswith(("http://", "https://")):
        return _plain_absolute(href) or canonical(base, href)
    if site and not href[:6].lower().startswith(("http:", "https:", "//")):  # "HTTPS://x" too
        path = href.split("#", 1)[0].split("?", 1)[0]
        at = path.find("event/")
        return site + "/" + path[at:] if at >= 0 else canonical(base, href)
    return canonical(base, href)


def session_link(site: str, base: str, href: str) -> tuple[str, str | None] | None:
    """(:func:`event_id`, :func:`session_url`) of a session link; None for any other link.

    A full schedule writes absolute links on the page's own site ("SITE/event/ID/slug");
    those are read by slicing, where the general path costs two regex scans and a split.
    """
    at = href.find("/event/")
    # the first "/event/" right after the site's origin (which holds no '?' or '#'), in an
    # href urllib would leave as it is: where EVENT_PATH and _plain_absolute look too
    if site and at == len(site) and href.startswith(site) and href.isascii() and not _NOT_PLAIN.search(href):
        url = href.split("#", 1)[0].split("?", 1)[0]
        ident = url[at + 7 :].split("/", 1)[0]  # up to the next '/', '?', '#' or the end
        if 3 <= len(ident) <= 40 and ident.isalnum():
            return ident, url
    uid = event_id(href)
    return None if uid is None else (uid, session_url(site, base, href))


def _plain_absolute(href: str) -> str | None:
    """:func:`canonical` of a plain absolute http(s) href by string slicing; None when the
    href is anything but plain (then urllib decides: spaces, controls, IPv6, non-ASCII,
    ';' path parameters)."""
    if not href.isascii() or _NOT_PLAIN.search(href):
        return None
    scheme, rest = href.split("://", 1)
    end = len(rest)
    for mark in "/?#":
        at = rest.find(mark)
        if 0 <= at < end:
            end = at
    netloc, path = rest[:end], rest[end:].split("#", 1)[0].split("?", 1)[0]
    if not netloc:
        return None
    at = path.find("/event/")
    return f"{scheme}://{netloc}{path[at:] if at >= 0 else path}"
