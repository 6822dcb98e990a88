"""What an SMS costs: GSM 03.38 or UCS-2, and how many segments a text needs.

An SMS is sent in the GSM 03.38 alphabet (7-bit) when every character is in it, else as UCS-2
(16-bit). Danish letters (æøåÆØÅ, é) are in GSM 03.38's basic set; `€ [ ] { } \\ ^ ~ |` are in
its extension table and cost two characters each. One GSM SMS holds 160 characters; a longer
text is split into segments of 153 (the rest carries the header that joins them). UCS-2: 70,
and 67 per segment; a character outside Unicode's basic plane (most emoji) costs two. A
character that would straddle two segments (an escape pair, a surrogate pair) moves to the next
one, so counts are made by filling segments, not by dividing.

`normalise()` replaces typography that would force UCS-2 for no reason: curly quotes,
guillemets, dashes, the ellipsis, non-breaking and zero-width spaces, bullets, arrows, and
removes emoji. Only what is still outside GSM 03.38 afterwards (a name with "ł", say) makes a
message UCS-2. The GSM alphabet itself comes from the `gsm0338` codec (GatewayAPI's glossary,
"GSM 03.38", lists the same basic and extension characters).

Must not: shorten or cut texts (that is `bot.rasa_plugins.sms.formatting`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import emoji
import gsm0338

Encoding = Literal["GSM", "UCS2"]
GSM: Encoding = "GSM"
UCS2: Encoding = "UCS2"

GSM_SINGLE = 160
GSM_PER_SEGMENT = 153
UCS2_SINGLE = 70
UCS2_PER_SEGMENT = 67
# An answer is at most this many segments (longer ones are cut: bot.rasa_plugins.sms.formatting).
MAX_SEGMENTS = 3

_TYPOGRAPHY: dict[int, str] = str.maketrans(
    {
        # quotes and guillemets
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u2039": "'",
        "\u203a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        # dashes and minus
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        # ellipsis, bullets, arrows
        "\u2026": "...",
        "\u2022": "-",
        "\u2023": "-",
        "\u2043": "-",
        "\u00b7": "-",
        "\u2192": "->",
        "\u2190": "<-",
        # spaces that look like spaces
        "\t": " ",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u202f": " ",
        # invisible characters
        "\u00ad": "",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
        "\ufe0e": "",
        "\ufe0f": "",
    }
)
_SPACES = re.compile(r"[ ]{2,}")
_SPACE_BEFORE_NEWLINE = re.compile(r" +\n")
_BLANK_LINES = re.compile(r"\n{3,}")


@lru_cache(maxsize=1)
def _codec() -> gsm0338.Codec:
    return gsm0338.Codec()


def _is_control(char: str) -> bool:
    return char != "\n" and unicodedata.category(char) in ("Cc", "Cf")


def normalise(text: str) -> str:
    """`text` without the typography and emoji that would force UCS-2 (see module docstring).

    Also: NFC, Windows line ends to "\\n", no control characters, no runs of spaces.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = emoji.replace_emoji(text, replace="").translate(_TYPOGRAPHY)
    text = "".join(char for char in text if not _is_control(char))
    text = _SPACE_BEFORE_NEWLINE.sub("\n", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def gsm_cost(char: str) -> int | None:
    """Septets `char` takes in GSM 03.38 (1, or 2 from the extension table); None if absent."""
    if _is_control(char) and char != "\r":
        return None  # ESC, form feed: never send them as text
    try:
        return len(_codec().encode(char)[0])
    except UnicodeEncodeError:
        return None


def is_gsm(text: str) -> bool:
    """True when every character of `text` is in GSM 03.38 (basic or extension)."""
    return all(gsm_cost(char) is not None for char in text)


def encoding_for(text: str) -> Encoding:
    return GSM if is_gsm(text) else UCS2


def costs(text: str, encoding: Encoding) -> list[int]:
    """What each character costs in `encoding` (septets, or UTF-16 code units)."""
    if encoding == GSM:
        return [gsm_cost(char) or 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _limits(encoding: Encoding) -> tuple[int, int]:
    return (GSM_SINGLE, GSM_PER_SEGMENT) if encoding == GSM else (UCS2_SINGLE, UCS2_PER_SEGMENT)


def segments_for(char_costs: list[int], encoding: Encoding) -> int:
    """Segments needed for characters of these costs (an empty text is one SMS)."""
    single, per_segment = _limits(encoding)
    if sum(char_costs) <= single:
        return 1
    count, used = 1, 0
    for cost in char_costs:
        if used + cost > per_segment:
            count, used = count + 1, 0
        used += cost
    return count


@dataclass(frozen=True)
class SmsText:
    """A text ready to send: normalised, with its encoding, length in units and segments."""

    text: str
    encoding: Encoding
    units: int  # septets (GSM) or UTF-16 code units (UCS-2)
    segments: int


def measure(text: str, encoding: Encoding | None = None) -> SmsText:
    """Encoding (chosen, or the one given), units and segments of `text` exactly as given."""
    encoding = encoding or encoding_for(text)
    char_costs = costs(text, encoding)
    return SmsText(text, encoding, sum(char_costs), segments_for(char_costs, encoding))


def prepare(text: str) -> SmsText:
    """`text` normalised for SMS and measured."""
    return measure(normalise(text))


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    """True when `text` (as given) takes at most `max_segments` segments."""
    return measure(text).segments <= max_segments
