"""Text from files, uploads, the address or other visitors, made safe for Streamlit's Markdown elements.

`escape_markdown` backslash-escapes every character Markdown, GitHub's extensions and Streamlit's own syntax
(`:material/...:` icons, `:red[...]` colours, `$` maths) read, so a crafted `![i](http://...)` is drawn as
those characters and nothing is fetched. Used where an element has no plain-text form (st.warning, st.subheader).
"""

from __future__ import annotations

import re

# What Markdown, GitHub's extensions and Streamlit read as markup: emphasis, code, links and images ([ ] !),
# HTML and autolinks (< >), maths ($), tables (|), headings (#), entities (&), e-mail autolinks (@), a colon
# that opens a shortcode or a URL (":material/", "http://"), "www." and a line that opens a list or a rule.
# Ordinary sentences ("threads (GIL): 0.98x, 100%") pass unchanged; each escape is drawn as the character.
_MARKUP = re.compile(r"[\\`*_\[\]<>~$|#&!@]|:(?=[A-Za-z/])|(?<=www)\.|^[-+=]", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """`text` drawn as itself by st.markdown and every element that renders Markdown: no link, image or markup."""
    return _MARKUP.sub(lambda match: "\\" + match.group(0), text)
