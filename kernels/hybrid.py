"""The hybrid kernel: the lesson's scraper in small, fetch (latency) then parse (CPU).

Standard library only. The split forms (fetch_page_async, parse_page) let asyncio executors wait
in the event loop and hand only the parsing to a pool.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from html.parser import HTMLParser

DEFAULT_LATENCY_MS = 20


def make_page(links: int) -> str:
    """A deterministic HTML page with `links` anchors (what a fetch would bring back)."""
    rows = "".join(f'<li><a href="/item/{i}">item {i}</a> <em>{i * 7 % 13}</em></li>' for i in range(links))
    return f"<html><body><ul>{rows}</ul></body></html>"


class _LinkCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.crc = 0
        self.links = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.links += 1
                    self.crc = zlib.crc32(value.encode(), self.crc)


def parse_page(page: str) -> int:
    """Parse the page with html.parser (pure Python, holds the GIL): link count and CRC-32 of the hrefs."""
    parser = _LinkCounter()
    parser.feed(page)
    parser.close()
    return parser.links << 32 | parser.crc  # the link count above the 32-bit CRC


def fetch_page(links: int, latency_ms: int = DEFAULT_LATENCY_MS) -> str:
    """The blocking fetch: wait `latency_ms`, as a remote server would, and return the page."""
    time.sleep(latency_ms / 1000)
    return make_page(links)


async def fetch_page_async(links: int, latency_ms: int = DEFAULT_LATENCY_MS) -> str:
    """The asyncio fetch."""
    await asyncio.sleep(latency_ms / 1000)
    return make_page(links)


def fetch_and_parse(links: int, latency_ms: int = DEFAULT_LATENCY_MS) -> int:
    """One scraper task, blocking: fetch a page of `links` links, then parse it."""
    return parse_page(fetch_page(links, latency_ms))


async def fetch_and_parse_async(links: int, latency_ms: int = DEFAULT_LATENCY_MS) -> int:
    """One scraper task in a coroutine: the wait yields to the loop; the parsing runs inline."""
    return parse_page(await fetch_page_async(links, latency_ms))
