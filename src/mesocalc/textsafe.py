"""Text from a library file or a user, made safe to show (SPEC §6: text is text).

One place decides which characters are hidden or dangerous on a terminal and in a document: control
characters (ESC starts a terminal escape sequence; a newline forges a line; CR overwrites one), the
bidirectional overrides and isolates (they reorder what is displayed: "Trojan Source"), zero-width
characters and other invisible format characters (two names that look the same but differ), and the
line and paragraph separators. `visible` shows each of them as a backslash escape (`\\x1b`, `\\u202e`,
`\\n`), so what is shown is exactly what was written and nothing more.

The renderers build on this one function: the Rich console (render/safe_console.py), the check listing
and error messages on stderr (cli.py), the Markdown and HTML worksheet, and the SVG map. `excerpt` is
the short form used wherever an error message quotes what was typed.

Pure: no Rich, no Typer.
"""

from __future__ import annotations

import unicodedata

from mesocalc.lazyre import lazy

# Shown as they are although str.isprintable() says otherwise: spaces (U+00A0, U+2009 ...) and
# private-use characters, which a font may draw and which cannot reorder or hide text.
_SHOWN_CATEGORIES = frozenset({"Zs", "Co"})
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
EXCERPT = 60  # characters of an input quoted in an error message
QUOTED = 240  # a quoted run longer than this in a message (a path may be long) is cut to an excerpt
MESSAGE = 600  # characters of one error message at most


def _shown(char: str) -> bool:
    return char.isprintable() or unicodedata.category(char) in _SHOWN_CATEGORIES


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """The text with every control, format (bidi, zero-width) and separator character as an escape."""
    if text.isprintable():
        return text
    return "".join(char if _shown(char) else _escape(char) for char in text)


def hidden_character(text: str, allow_newlines: bool = False) -> str | None:
    """The first hidden or control character of `text`, escaped (None if there is none).

    Newlines and tabs are allowed where the text may have several lines (a description or a note).
    """
    if text.isprintable():
        return None
    for char in text:
        if _shown(char) or (allow_newlines and char in "\n\t"):
            continue
        return _escape(char)
    return None


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A short, escaped excerpt of an input, for an error message: at most `limit` characters of it."""
    if len(text) <= limit:
        return visible(text)
    return f"{visible(text[:limit])}… ({len(text):,} characters)"


_QUOTED = lazy(f"'([^']{{{QUOTED + 1},}})'")
_CUT = lazy(r"… \(message cut at \d+ of [\d,]+ characters\)\Z")


def bounded_message(message: str) -> str:
    """An error message whose quoted inputs are short excerpts and which is itself of bounded length.

    Messages quote what was typed in single quotes (`unknown cocktail '...'`); a 99,000-character input
    must not come back 99,000 characters long.
    """
    if len(message) <= QUOTED or _CUT.search(message):  # short, or cut already (a Problem made again)
        return message
    shortened = _QUOTED.sub(lambda match: f"'{excerpt(match.group(1), QUOTED // 2)}'", message)
    if len(shortened) > MESSAGE:
        shortened = f"{shortened[:MESSAGE]}… (message cut at {MESSAGE} of {len(shortened):,} characters)"
    return shortened


def markdown_text(text: str) -> str:
    """Library or user text inside a Markdown line: one line, no markup, no raw HTML.

    Hidden characters (a newline first of all) are shown as escapes, so the text stays on its line;
    backslash-escaped are the characters that give Markdown or its HTML pass-through a meaning anywhere
    in a line, so a name cannot end a table cell, start a link or an image, open an HTML comment or a
    `<script>`. (CommonMark: any ASCII punctuation may be escaped; emphasis is left alone, so the
    blanks `______` of the record stay readable.)
    """
    out = visible(text).replace("\\", "\\\\")
    for char in "`[]<>|#!&":
        out = out.replace(char, "\\" + char)
    return out


_XML_INVALID = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """Text for an XML (SVG) document: escaped, with every hidden character shown as an escape.

    Control characters other than tab and newline are not allowed in XML 1.0 at all, even as
    character references, so they can only be shown escaped.
    """
    from xml.sax.saxutils import escape

    return escape(visible(text), {'"': "&quot;"})


def xml_valid(text: str) -> bool:
    """True when `text` holds no character XML 1.0 forbids (a test helper and a last check)."""
    return _XML_INVALID.search(text) is None
