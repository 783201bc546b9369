"""Thai line breaking: greedy wrapping at pythainlp ``newmm`` word boundaries.

Thai is written without spaces between words, and ReportLab breaks lines only at spaces (it
chops over-long runs anywhere, even inside a syllable). So we break ourselves:

- a line may end at a space, or between two newmm tokens that are both Thai letters;
- never before ๆ or ฯ, never next to a no-break space, never inside a run of Latin letters,
  digits and punctuation (``https://…``, ``12.5%``, ``(ตรวจสอบ)`` stay whole);
- a piece wider than the line is broken: a URL after its punctuation, a Thai compound that the
  dictionary knows whole (องค์กรปกครองส่วนท้องถิ่น in a narrow cell) into the fewest shorter
  dictionary words, and only as a last resort between characters, never between a letter and
  its marks;
- ``\\n`` ends a line; an empty line is kept as ``""``.

The dictionary loads lazily on the first call (about a second); ``warm_up()`` does it early.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from lgo_assess.core.thaipdf.fonts import FONT, register_fonts
from lgo_assess.core.thaipdf.shaping import text_width

_EPS = 1e-6
_NO_BREAK_SPACES = "\u00a0\u2007\u202f"
_DROPPED = str.maketrans({"\u200b": None, "\ufeff": None, "\t": " ", "\r": "\n"})
_NO_BREAK_BEFORE = frozenset("\u0e46\u0e2f"          # ๆ ฯ
                             "\u0e30\u0e32\u0e33\u0e45")  # following vowels ะ า ำ ๅ
_LEADING_VOWELS = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44")  # เ แ โ ใ ไ
_OPENING = frozenset("([{<\"'“‘«")
_CLOSING = frozenset(")]}>,.;:!?%\"'”’»")
_THAI_RUN = re.compile(r"([\u0e01-\u0e4e]+)|[^\u0e01-\u0e4e]+")
_URL_BREAK_AFTER = re.compile(r"(?<=[/.\-_?&=#,;:~+])(?=.)")

_tokenizer_lock = threading.Lock()
_word_tokenize = None


def _tokenizer():
    global _word_tokenize
    if _word_tokenize is None:
        with _tokenizer_lock:
            if _word_tokenize is None:
                from pythainlp.tokenize import word_tokenize

                word_tokenize("ทดสอบ", engine="newmm")     # loads the dictionary (~1 s)
                _word_tokenize = word_tokenize
    return _word_tokenize


def warm_up() -> None:
    """Load the word dictionary and register the fonts now rather than on the first wrap."""
    register_fonts()
    _tokenizer()


@lru_cache(maxsize=8192)
def tokenize(text: str) -> tuple[str, ...]:
    """newmm tokens of ``text``, whitespace kept, so that ``"".join(tokens) == text``."""
    if not text:
        return ()
    tokens = tuple(_tokenizer()(text, engine="newmm", keep_whitespace=True))
    if "".join(tokens) != text:     # never expected; fall back to breaking at spaces only
        tokens = tuple(t for t in re.split(r"(\s+)", text) if t)
    return tokens


def _is_thai_letter(c: str) -> bool:
    return "\u0e01" <= c <= "\u0e4e"           # consonants, vowels, marks; not digits or ๏๚๛


def _is_break_space(s: str) -> bool:
    return s.isspace() and not any(c in _NO_BREAK_SPACES for c in s)


def _thai_break_ok(before: str, after: str) -> bool:
    return (_is_thai_letter(before) and _is_thai_letter(after)
            and after not in _NO_BREAK_BEFORE and before not in _LEADING_VOWELS
            and not unicodedata.combining(after) and unicodedata.category(after) != "Mn")


@dataclass(frozen=True)
class _Chunk:
    start: int
    end: int
    is_space: bool


def _chunks(text: str, base: int) -> list[_Chunk]:
    """Unbreakable pieces of one paragraph (no newline): tokens glued where no break is
    allowed, and runs of spaces. Offsets are relative to the whole text (``base`` added)."""
    chunks: list[_Chunk] = []
    pos = 0
    for token in tokenize(text):
        start, end, space = pos, pos + len(token), _is_break_space(token)
        pos = end
        if chunks:
            last = chunks[-1]
            if space and last.is_space or (
                    not space and not last.is_space
                    and not _thai_break_ok(text[start - 1], text[start])):
                chunks[-1] = _Chunk(last.start, end + base, space)
                continue
        chunks.append(_Chunk(start + base, end + base, space))
    return chunks


def _char_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Last resort: grapheme-ish clusters (a letter with its marks and following vowels)."""
    pieces, cur = [], start
    for i in range(start + 1, end):
        c, prev = text[i], text[i - 1]
        if (unicodedata.category(c) in ("Mn", "Mc", "Me") or c in _NO_BREAK_BEFORE
                or prev in _LEADING_VOWELS or c in _NO_BREAK_SPACES or prev in _NO_BREAK_SPACES):
            continue
        pieces.append((cur, i))
        cur = i
    pieces.append((cur, end))
    return pieces


def _thai_subwords(word: str) -> list[str]:
    """Split a Thai word that is itself in the dictionary (องค์กรปกครองส่วนท้องถิ่น) into the
    fewest shorter dictionary words, cutting only between Thai character clusters; stretches no
    dictionary word covers go cluster by cluster."""
    from pythainlp.tokenize import word_dict_trie
    from pythainlp.tokenize.tcc import tcc_pos

    _tokenizer()                                  # the dictionary is loaded
    n = len(word)
    stops = tcc_pos(word) | {n}
    trie = word_dict_trie()
    best: dict[int, tuple[int, int]] = {0: (0, -1)}   # position → (cost, previous position)
    for i in range(n):
        if i not in best:
            continue
        cost = best[i][0]
        steps = {i + len(p): 1 for p in trie.prefixes(word[i:]) if 0 < len(p) < n}
        nxt = min((s for s in stops if s > i), default=n)
        steps.setdefault(nxt, 4)                     # one cluster, not a word: discouraged
        for j, step in steps.items():
            if j in stops and (j not in best or cost + step < best[j][0]):
                best[j] = (cost + step, i)
    cuts, j = [], n
    while j > 0:
        cuts.append(j)
        j = best[j][1]
    cuts.append(0)
    cuts.reverse()
    return [word[a:b] for a, b in zip(cuts, cuts[1:])]


def _fit_pieces(text: str, start: int, end: int, font: str, size: float,
                width: float) -> list[tuple[int, int]]:
    """Cut text[start:end] into pieces no wider than ``width`` where possible: Thai runs into
    shorter words, everything else between characters."""
    if end - start <= 1 or text_width(text[start:end], font, size) <= width + _EPS:
        return [(start, end)]
    out = []
    for m in _THAI_RUN.finditer(text, start, end):
        a, b = m.span()
        if text_width(text[a:b], font, size) <= width + _EPS:
            out.append((a, b))
            continue
        subwords = _thai_subwords(text[a:b]) if m.group(1) else []
        if len(subwords) > 1:
            for sub in subwords:
                out.extend(_fit_pieces(text, a, a + len(sub), font, size, width))
                a += len(sub)
        else:
            out.extend(_char_pieces(text, a, b))
    return out


def _split_long(text: str, chunk: _Chunk, font: str, size: float, width: float) -> list[_Chunk]:
    """Break a chunk wider than ``width``: after URL punctuation, then Thai into shorter words,
    then, only if still too wide, between characters. Opening brackets stay with what follows;
    closing ones, no-break spaces, ๆ and ฯ with what precedes."""
    segment = text[chunk.start:chunk.end]
    cuts = [0] + [m.start() for m in _URL_BREAK_AFTER.finditer(segment)] + [len(segment)]
    pieces = [list(p) for a, b in zip(cuts, cuts[1:])
              for p in _fit_pieces(text, a + chunk.start, b + chunk.start, font, size, width)]
    merged: list[list[int]] = []
    for piece in pieces:
        if merged and (text[piece[0]] in _NO_BREAK_BEFORE or text[piece[0]] in _CLOSING
                                  or text[piece[0]:piece[1]].isspace() or text[piece[0] - 1] in _OPENING):
            merged[-1][1] = piece[1]
        else:
            merged.append(piece)
    return [_Chunk(a, b, False) for a, b in merged]


def line_width(line: str, font: str = FONT, size: float = 16) -> float:
    """The width a line needs both on a canvas (shaped in one piece) and in a Paragraph (words
    shaped one by one, joined by single spaces)."""
    words = line.split()
    space = text_width(" ", font, size)
    in_paragraph = sum(text_width(w, font, size) for w in words) + space * max(len(words) - 1, 0)
    return max(text_width(line, font, size), in_paragraph)


@dataclass(frozen=True)
class Line:
    """One wrapped line: its text and where it starts and ends in the normalised input."""
    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    """What wrapping works on: ``\\r\\n`` → ``\\n``, tabs → spaces, zero-width spaces dropped
    (Sarabun has no glyph for U+200B and would draw a gap), trailing blank lines dropped."""
    return (text or "").replace("\r\n", "\n").translate(_DROPPED).rstrip()


def wrap(text: str, font: str, size: float, width: float, *,
         first_width: float | None = None) -> list[Line]:
    """Greedy wrap of ``normalise(text)``; see ``wrap_lines``. Offsets index the normalised
    text, so ``normalise(text)[line.start:]`` is what is left from a line on."""
    register_fonts()
    text = normalise(text)
    if not text:
        return []
    first = width if first_width is None else first_width
    narrowest = min(width, first)
    lines: list[Line] = []
    base = 0
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            lines.append(Line("", base, base + len(paragraph)))
            base += len(paragraph) + 1
            continue
        chunks = []
        for chunk in _chunks(paragraph, base):
            if (not chunk.is_space
                    and text_width(text[chunk.start:chunk.end], font, size) > narrowest + _EPS):
                chunks.extend(_split_long(text, chunk, font, size, narrowest))
            else:
                chunks.append(chunk)
        i = 0
        while i < len(chunks):
            limit = first if not lines else width
            while i < len(chunks) and chunks[i].is_space:      # no line starts with a space
                i += 1
            if i == len(chunks):
                break
            taken = [chunks[i]]
            used = text_width(text[chunks[i].start:chunks[i].end], font, size)
            j = i + 1
            while j < len(chunks):
                c = chunks[j]
                w = text_width(text[c.start:c.end], font, size)
                if not c.is_space and used + w > limit + _EPS:
                    break
                used += w
                taken.append(c)
                j += 1
            while taken and taken[-1].is_space:                 # nor ends with one
                taken.pop()
            # The sum of pieces is an estimate (kerning, shaping across pieces): check the
            # real line and give pieces back until it fits.
            while len(taken) > 1 and line_width(
                    text[taken[0].start:taken[-1].end], font, size) > limit + _EPS:
                taken.pop()
                while taken[-1].is_space:
                    taken.pop()
            start, end = taken[0].start, taken[-1].end
            while end > start + 1 and text[end - 1].isspace():    # a no-break space cut off
                end -= 1
            lines.append(Line(text[start:end], start, end))
            i += len(taken)
        base += len(paragraph) + 1
    return lines


def wrap_lines(text: str, font: str = FONT, size: float = 16, width: float = 400, *,
               first_width: float | None = None) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points in ``font`` at ``size``, at Thai
    word boundaries and spaces (greedy). ``first_width`` narrows the first line (an indent).
    Only a piece that fits no line on its own is broken inside (URLs first after ``/`` etc.)."""
    return [line.text for line in wrap(text, font, size, width, first_width=first_width)]


def min_width(text: str, font: str = FONT, size: float = 16) -> float:
    """Width of the widest piece that wrapping will not break (if the line allows it)."""
    register_fonts()
    text = normalise(text)
    widest = 0.0
    base = 0
    for paragraph in text.split("\n"):
        for chunk in _chunks(paragraph, base):
            if not chunk.is_space:
                widest = max(widest, text_width(text[chunk.start:chunk.end], font, size))
        base += len(paragraph) + 1
    return widest
