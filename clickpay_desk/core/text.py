"""Characters people cannot see, which Arabic text and copied cells carry.

Excel and Word put bidirectional marks around Arabic and mixed text (RLM U+200F, LRM U+200E,
ALM U+061C, embeddings U+202A–U+202E, isolates U+2066–U+2069); web pages and PDFs add zero-width
spaces (U+200B) and byte-order marks (U+FEFF). In an IBAN, a code, a number or an address they
are invisible in the cell yet make it "not a valid IBAN": codes and numbers are read without
them. Free text (names, addresses) keeps what the user typed.
"""

from __future__ import annotations

INVISIBLE = "\u200b\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_DROP_INVISIBLE = str.maketrans("", "", INVISIBLE)


def visible(text: str) -> str:
    """``text`` without its invisible marks."""
    return text.translate(_DROP_INVISIBLE)
