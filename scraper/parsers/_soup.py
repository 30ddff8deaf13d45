"""BeautifulSoup, loaded without its CSS-selector engine until something selects with it.

bs4 imports soupsieve as it loads, and soupsieve compiles its selector grammar on import:
about 95 ms, a twentieth of a whole 500-page crawl. Our parsers walk trees and never
select, so bs4 is loaded with soupsieve held back, and bs4's handle on soupsieve becomes a
stand-in that imports the real module on first use. ``Tag.select()`` keeps working for
any code in the process (a plugin parser, say); it just pays for soupsieve when it does.
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from typing import Any


class _LoadedOnFirstUse(types.ModuleType):
    """Stands for soupsieve inside bs4.css; the first attribute read imports the real one."""

    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("soupsieve"), name)


def _load_bs4() -> None:
    if "bs4" in sys.modules or "soupsieve" in sys.modules:
        return  # already loaded the ordinary way: nothing left to save
    sys.modules["soupsieve"] = None  # type: ignore[assignment]  # makes bs4's `import soupsieve` fail
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bs4 warns that soupsieve is missing; it is not
            import bs4.css
    finally:
        del sys.modules["soupsieve"]
    if getattr(bs4.css, "soupsieve", "absent") is None:
        bs4.css.soupsieve = _LoadedOnFirstUse("soupsieve")


_load_bs4()

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning  # noqa: E402  (after _load_bs4)
from bs4.element import (  # noqa: E402
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

__all__ = [
    "BeautifulSoup", "Comment", "Declaration", "Doctype", "MarkupResemblesLocatorWarning", "NavigableString",
    "ProcessingInstruction", "Tag", "XMLParsedAsHTMLWarning",
]
