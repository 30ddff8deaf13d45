"""Bytes to text: which character encoding a fetched body is in.

Order of evidence: a byte-order mark, the Content-Type header's charset, a declaration
inside the document (``<meta charset>``, ``http-equiv``, ``<?xml encoding?>``), then
detection. The BOM comes first because it cannot lie, and browsers (WHATWG "decode")
put it first too: a page served as ``charset=iso-8859-1`` that starts with EF BB BF is
UTF-8. Labels are read the way browsers read them: "iso-8859-1", "latin1" and "ascii"
mean windows-1252, since servers say Latin-1 and send curly quotes.
"""

from __future__ import annotations

import codecs
import logging
import re

log = logging.getLogger(__name__)

# Declarations past this point are ignored; browsers look at the first 1024 bytes,
# we allow a little more for pages with long <head> preambles.
PRESCAN_BYTES = 4096

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels whose browser meaning differs from Python's codec of the same name.
_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-sjis": "shift_jis",
    "gb2312": "gbk",
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}

_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml\b[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.IGNORECASE)
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?\s*([^"';\s]+)""", re.IGNORECASE)


def _c1_passthrough(error: UnicodeError) -> tuple[str, int]:
    """windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined; browsers map them to U+0081 etc."""
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("schedarc-c1", _c1_passthrough)


def codec_for(label: str | None) -> str | None:
    """The Python codec for an encoding label, or None when the label means nothing to us."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _WHATWG_ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return name


def charset_param(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header value, as written."""
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        match = _CHARSET_PARAM.search(part)
        if match:
            return match.group(1)
    return None


def bom_encoding(body: bytes) -> str | None:
    """The encoding a byte-order mark announces, or None."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def declared_encoding(body: bytes) -> str | None:
    """The encoding a document declares about itself (XML declaration or meta charset)."""
    head = body[:PRESCAN_BYTES]
    match = _XML_DECL.match(head) or _META.search(head)
    if not match:
        return None
    name = codec_for(match.group(1).decode("ascii", "replace"))
    if name is not None and name.startswith("utf-16"):
        return "utf-8"  # a document we could read the declaration of is ASCII-compatible
    return name


def detect_encoding(body: bytes) -> str:
    """Guess the encoding of undeclared bytes: UTF-8 when they are valid UTF-8, else charset-normalizer."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    import charset_normalizer  # only guessing needs it; most pages say their charset

    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return "cp1252"  # decodes every byte; mojibake beats an exception
    best = matches[0]
    # charset-normalizer often ties windows-1250/1252/1257 on Western text and then
    # lists 1250 first; on the web the Western code page is by far the likelier one.
    tied = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.05]
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return "cp1252"
    return codec_for(best.encoding) or "cp1252"


def sniff(body: bytes, content_type: str | None = None) -> str:
    """The Python codec name to decode ``body`` with (see the module docstring for the order)."""
    return (
        bom_encoding(body)
        or codec_for(charset_param(content_type))
        or declared_encoding(body)
        or detect_encoding(body)
    )


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode ``body``: returns (text, codec name). Never raises; bad bytes become U+FFFD."""
    encoding = sniff(body, content_type)
    if bom_encoding(body) == encoding:
        body = body[len(codecs.BOM_UTF8) if encoding == "utf-8" else 2 :]
    errors = "schedarc-c1" if encoding == "cp1252" else "replace"
    return body.decode(encoding, errors), encoding
