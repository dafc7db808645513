"""Text from outside the app drawn as text: no Markdown, HTML, links or images from a file, upload or address.

Streamlit renders Markdown in st.markdown, st.caption, st.error/warning/info/success, st.toast, st.progress's
text, headings, expander and tab labels, widget labels, radio options and st.table cells. Every string that
comes from a result file, a bank, the address, an environment variable or another visitor goes through
`plain` (or `code`) before it is put into one of those; the app's own Markdown around it stays Markdown.
"""

from __future__ import annotations

import re

# The characters that start inline Markdown or HTML anywhere on a line (emphasis, code, links and images, raw
# HTML and entities, strikethrough, math, tables), escaped with a backslash as CommonMark allows for any ASCII
# punctuation; "Hybrid: fetch, then parse" stays as it is written. An underscore between two letters or digits
# (io_wait) can neither open nor close emphasis, so it is left as written too.
_INLINE = re.compile(r"([\\`*\[\]<>&~$|]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
# Block Markdown starts a line: a heading, a quote, a list item or a rule (-, +, =, or "1." / "1)" then a space).
# CommonMark ends a line at "\n", "\r" or both.
_LINE_START = re.compile(r"(?:^|(?<=[\n\r]))([ \t]*)(#|>|-|\+|=|\d+(?=[.)](?:\s|$)))")
# GitHub-flavoured Markdown turns bare addresses in a text into links ("http://", "www.", "a@b.c") after the
# escapes are resolved, so a backslash cannot stop it: a WORD JOINER (U+2060, invisible, no width) breaks
# the pattern it looks for.
_WORD_JOINER = "\u2060"
_BARE_LINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")


def plain(text: object) -> str:
    """`text` for use inside Markdown, shown exactly as written: every Markdown and HTML character escaped."""
    escaped = _INLINE.sub(r"\\\1", _BARE_LINK.sub(_WORD_JOINER, str(text)))
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    # "1." is escaped after its digits ("1\."): a backslash before a digit would be shown.
    return f"{indent}{marker}\\" if marker[0].isdigit() else f"{indent}\\{marker}"


def code(text: object) -> str:
    """`text` as an inline code span (a path, a command): a fence longer than any run of backticks inside."""
    value = " ".join(str(text).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


_CODE_SPAN = re.compile(r"(`[^`\n]+`)")


def prose(text: object) -> str:
    """The engine's sentences that may hold a path or a file's value: `code spans` kept, all else as `plain`."""
    return "".join(part if _CODE_SPAN.fullmatch(part) else plain(part) for part in _CODE_SPAN.split(str(text)) if part)
