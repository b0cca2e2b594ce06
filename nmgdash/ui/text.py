"""User text shown as text: :func:`plain` for anything a user typed or uploaded (file names, notes,
user names, sheet names, reasons, cell text echoed in importer messages) before it goes into a
Streamlit element that renders Markdown (st.markdown, st.caption, st.success/info/warning/error,
st.table cells, widget labels and help).

Streamlit's Markdown is GitHub-flavoured CommonMark plus its own extensions: ``:material/home:``
icons, ``:smile:`` emoji shortcodes, ``:red[…]`` colour directives and ``$…$`` LaTeX; bare
``http://`` and ``www.`` addresses become links. :func:`plain` backslash-escapes the characters that
start Markdown syntax (CommonMark allows a backslash before any ASCII punctuation) and puts an
invisible word joiner (U+2060) after every ``:`` and between ``www`` and ``.``, because icons,
shortcodes and bare addresses are found in the parsed text, after escapes are gone. Ordinary text
is left alone: ``s01_clean.xlsx`` and ``wang@tw.nmg.cn`` come out unchanged. Plotly figures take
HTML instead: see :func:`nmgdash.core.labels.html_text`.
"""

from __future__ import annotations

import re

#: Invisible, non-breaking: keeps ``:material/x:``, ``:smile:``, ``http://`` and ``www.`` from being recognised.
WORD_JOINER = "\u2060"
#: Always escaped: links and images ([ ]), HTML and autolinks (< >), entities (&), emphasis (*),
#: code (`), strikethrough (~), LaTeX ($), table cells (|) and the backslash itself.
_ALWAYS = re.compile(r"([\\`*\[\]<>&~$|])")
#: "_" only where it could open or close emphasis (not between two letters or digits).
_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
#: Block syntax at the start of the text: headings, quotes, list items, ordered lists.
_BLOCK_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def plain(value: object) -> str:
    """``value`` (any object; None → "") as Markdown source that Streamlit shows as exactly this
    text: no link, image, HTML, icon, emoji shortcode, colour directive, formula or emphasis.
    Line breaks become spaces (the text is one line inside a message)."""
    if value is None:
        return ""
    s = re.sub(r"[\r\n\v\f\u2028\u2029]+", " ", str(value))
    s = _ALWAYS.sub(r"\\\1", s)
    s = _UNDERSCORE.sub(r"\\_", s)
    s = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if len(m.group(2)) == 1
                         else m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], s)
    s = s.replace(":", ":" + WORD_JOINER)
    return re.sub(r"(?i)\b(www)(?=\.)", r"\1" + WORD_JOINER, s)
