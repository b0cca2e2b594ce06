"""Every string a user reads, in one catalogue per language: ``strings/zh.toml`` and ``strings/en.toml``.

``t(key, lang, **values)`` is the one look-up: the text for ``key`` in ``lang`` ('zh' or 'en'),
with ``{name}`` placeholders filled from ``values``. Both files hold the same keys
(tests/test_registries.py), so an English user never meets a missing string.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

STRINGS_DIR = Path(__file__).resolve().parent / "strings"
LANGS = ("zh", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The strings of ``lang`` ('zh' or 'en') from ``strings/<lang>.toml`` (read once per process)."""
    if lang not in LANGS:
        raise KeyError(lang)
    return tomllib.loads((STRINGS_DIR / f"{lang}.toml").read_text(encoding="utf-8"))


def has(key: str) -> bool:
    """Whether ``key`` is in the catalogues."""
    return key in catalogue("zh")


def t(key: str, lang: str = "zh", **kwargs: object) -> str:
    """The UI string for ``key`` in ``lang`` ('zh' or 'en'), formatted with kwargs.

    Raises KeyError for an unknown key (so a typo fails a test, not silently).
    """
    text = catalogue("en" if lang == "en" else "zh")[key]
    return text.format(**kwargs) if kwargs else text


#: key → (zh, en) over both catalogues (a view for tests and side-by-side tables; the files are the source).
TEXT: dict[str, tuple[str, str]] = {k: (v, catalogue("en").get(k, "")) for k, v in catalogue("zh").items()}
