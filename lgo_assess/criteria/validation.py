"""A small, closed-schema validator for located documents. Pure Python, no Flask.

A criteria file (YAML, or a workbook exported for Excel) is first turned into a tree of located
nodes (``MapNode``, ``SeqNode``, ``ScalarNode``), each knowing where it came from: a line of a
YAML file, or a cell of a workbook. Validators walk that tree alongside the schema and collect
every problem, never stopping at the first and never raising; what they accept becomes plain
Python data (dicts, lists, strings, numbers) for the semantic checks and the typed model.

Messages are English source strings marked with ``N_`` and formatted late, through whatever
``gettext`` the caller passes (the CLI passes the Thai catalogue; tests pass nothing).
"""
from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, NamedTuple


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the problem is formatted."""
    return message


def identity(message: str) -> str:
    return message


class Msg:
    """A message and its named parameters; parameters may themselves be ``Msg``s."""

    __slots__ = ("source", "params")

    def __init__(self, source: str, **params):
        self.source = source
        self.params = params

    def format(self, gettext: Callable[[str], str] = identity) -> str:
        params = {k: v.format(gettext) if isinstance(v, Msg) else v
                  for k, v in self.params.items()}
        text = gettext(self.source)
        try:
            return text % params if params else text
        except (KeyError, ValueError, TypeError):  # a broken translation must not hide the error
            return self.source % params if params else self.source

    def __eq__(self, other):
        return isinstance(other, Msg) and (self.source, self.params) == (other.source, other.params)

    def __repr__(self):
        return f"Msg({self.format()!r})"


def _column_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class Loc(NamedTuple):
    """Where a value came from: a line of a file, or a cell (sheet, row, column) of a workbook."""

    file: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    column: int | None = None

    @property
    def cell(self) -> str:
        column = _column_letters(self.column) if self.column else ""
        return f"{self.sheet}!{column}{self.row or ''}"

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.file}:{self.cell}"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file

    def short(self) -> Msg:
        """A reference within the same file, for messages such as 'first at line 12'."""
        if self.sheet is not None:
            return Msg(N_("cell %(cell)s"), cell=self.cell)
        return Msg(N_("line %(line)s"), line=self.line if self.line is not None else "?")


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where, at which path, and what."""

    loc: Loc
    path: str
    message: Msg

    @property
    def file(self) -> str:
        return self.loc.file

    @property
    def line(self) -> int | None:
        return self.loc.line

    def text(self, gettext: Callable[[str], str] = identity) -> str:
        return self.message.format(gettext)

    def format(self, gettext: Callable[[str], str] = identity) -> str:
        """``file:line: yaml.path: message`` (``file:sheet!B7: …`` for a workbook)."""
        if self.path:
            return f"{self.loc}: {self.path}: {self.text(gettext)}"
        return f"{self.loc}: {self.text(gettext)}"

    def __str__(self) -> str:
        return self.format()


# -- Located nodes --------------------------------------------------------------------------------

class ScalarNode:
    __slots__ = ("value", "loc", "raw")

    def __init__(self, value, loc: Loc, raw: str | None = None):
        self.value = value
        self.loc = loc
        self.raw = raw  # the text as written, for messages ("1.10" rather than 1.1)


class SeqNode:
    __slots__ = ("items", "loc")

    def __init__(self, items: list, loc: Loc):
        self.items = items
        self.loc = loc


class MapNode:
    """A mapping whose keys are unique (duplicates were reported when the tree was built).
    ``items`` maps each key to ``(key location, value node)`` in document order."""

    __slots__ = ("items", "loc")

    def __init__(self, items: dict, loc: Loc):
        self.items = items
        self.loc = loc


Node = ScalarNode | SeqNode | MapNode
Path = tuple


def format_path(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# -- The validation context -----------------------------------------------------------------------

INVALID = type("Invalid", (), {"__repr__": lambda self: "INVALID",
                               "__bool__": lambda self: False})()


class Context:
    """Collects problems, and the location of every value by path (for the semantic checks)."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self.locs: dict[Path, Loc] = {}

    def report(self, loc: Loc, path: Path, message: str, **params) -> None:
        self.problems.append(Problem(loc, format_path(path), Msg(message, **params)))

    def loc_of(self, path: Path) -> Loc:
        path = tuple(path)
        while path:
            loc = self.locs.get(path)
            if loc is not None:
                return loc
            path = path[:-1]
        return self.locs.get((), Loc(self.file, line=1))

    def report_at(self, path: Path, message: str, **params) -> None:
        self.report(self.loc_of(path), path, message, **params)

    def has_problem_under(self, path: Path) -> bool:
        """Whether a problem was already reported at ``path`` or inside it."""
        prefix = format_path(path)
        if not prefix:
            return bool(self.problems)
        return any(p.path == prefix or p.path.startswith((prefix + ".", prefix + "["))
                   for p in self.problems)


# Words used to describe what was found where something else was expected.
KINDS = {
    "text": N_("text"),
    "whole number": N_("a whole number"),
    "number": N_("a number"),
    "true/false": N_("true or false"),
    "list": N_("a list"),
    "mapping": N_("a mapping (key: value)"),
    "nothing": N_("nothing (null)"),
    "date": N_("a date"),
    "other": N_("another kind of value"),
}


def kind_of(node: Node) -> str:
    if isinstance(node, MapNode):
        return "mapping"
    if isinstance(node, SeqNode):
        return "list"
    value = node.value
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "whole number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    if hasattr(value, "isoformat"):
        return "date"
    return "other"


def _wrong_kind(ctx: Context, node: Node, path: Path, expected: str) -> object:
    ctx.report(node.loc, path, N_("must be %(expected)s, not %(found)s"),
               expected=Msg(KINDS[expected]), found=Msg(KINDS[kind_of(node)]))
    return INVALID


class Validator:
    """Checks one node; returns the plain value, or ``INVALID`` after reporting why."""

    def __call__(self, node: Node, path: Path, ctx: Context):
        ctx.locs[path] = node.loc
        if isinstance(node, ScalarNode) and node.value is INVALID:
            return INVALID  # the tree builder has already reported it
        return self.check(node, path, ctx)

    def check(self, node: Node, path: Path, ctx: Context):  # pragma: no cover - abstract
        raise NotImplementedError

    def is_empty(self, value) -> bool:
        return value is None or value == [] or value == {}


class Str(Validator):
    """Text. ``pattern`` (with a plain-language ``hint``) or ``choices`` narrow it."""

    def __init__(self, pattern: str | None = None, hint: str | None = None,
                 choices: Iterable[str] | None = None, max_length: int = 200):
        self.pattern = re.compile(pattern) if pattern else None
        self.hint = hint
        self.choices = tuple(choices) if choices is not None else None
        self.max_length = max_length

    def check(self, node, path, ctx):
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
            if isinstance(node, ScalarNode) and isinstance(node.value, (int, float)) \
                    and not isinstance(node.value, bool):
                ctx.report(node.loc, path, N_('must be text: write it in quotes, "%(value)s"'),
                           value=node.raw if node.raw is not None else node.value)
                return INVALID
            return _wrong_kind(ctx, node, path, "text")
        value = node.value
        if self.choices is not None:
            if value not in self.choices:
                suggestion = difflib.get_close_matches(value, self.choices, n=1)
                if suggestion:
                    ctx.report(node.loc, path, N_("%(value)s is not one of: %(choices)s "
                                                  "(did you mean %(suggestion)s?)"),
                               value=value, choices=", ".join(self.choices),
                               suggestion=suggestion[0])
                else:
                    ctx.report(node.loc, path, N_("%(value)s is not one of: %(choices)s"),
                               value=value, choices=", ".join(self.choices))
                return INVALID
            return value
        if len(value) > self.max_length:
            ctx.report(node.loc, path, N_("must be at most %(n)s characters long"),
                       n=self.max_length)
            return INVALID
        if _CONTROL.search(value) or "\n" in value:
            ctx.report(node.loc, path, N_("must be one line without control characters"))
            return INVALID
        if self.pattern is not None and not self.pattern.fullmatch(value):
            ctx.report(node.loc, path, self.hint or N_("%(value)s is not allowed here"),
                       value=value)
            return INVALID
        return value


class Int(Validator):
    def __init__(self, minimum: int | None = None, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum

    def check(self, node, path, ctx):
        if not isinstance(node, ScalarNode) or isinstance(node.value, bool) \
                or not isinstance(node.value, int):
            return _wrong_kind(ctx, node, path, "whole number")
        return _in_range(node, path, ctx, node.value, self.minimum, self.maximum)


class Number(Validator):
    def __init__(self, minimum: float | None = None, maximum: float | None = None,
                 above: float | None = None):
        self.minimum, self.maximum, self.above = minimum, maximum, above

    def check(self, node, path, ctx):
        if not isinstance(node, ScalarNode) or isinstance(node.value, bool) \
                or not isinstance(node.value, (int, float)):
            return _wrong_kind(ctx, node, path, "number")
        value = node.value
        if not math.isfinite(value):
            return _wrong_kind(ctx, node, path, "number")
        if self.above is not None and value <= self.above:
            ctx.report(node.loc, path, N_("must be more than %(n)s"), n=self.above)
            return INVALID
        return _in_range(node, path, ctx, value, self.minimum, self.maximum)


def _in_range(node, path, ctx, value, minimum, maximum):
    if minimum is not None and value < minimum:
        ctx.report(node.loc, path, N_("must be at least %(n)s"), n=minimum)
        return INVALID
    if maximum is not None and value > maximum:
        ctx.report(node.loc, path, N_("must be at most %(n)s"), n=maximum)
        return INVALID
    return value


class Bool(Validator):
    def check(self, node, path, ctx):
        if not isinstance(node, ScalarNode) or not isinstance(node.value, bool):
            return _wrong_kind(ctx, node, path, "true/false")
        return node.value


class Const(Validator):
    def __init__(self, expected: str):
        self.expected = expected

    def check(self, node, path, ctx):
        if not isinstance(node, ScalarNode) or node.value != self.expected:
            ctx.report(node.loc, path, N_("must be exactly %(expected)s"), expected=self.expected)
            return INVALID
        return node.value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class Text(Validator):
    """Bilingual text ``{th: …, en: …}``: Thai always; English unless ``en_optional``.
    Leading and trailing blanks (such as a block scalar's final newline) are dropped."""

    def __init__(self, en_optional: bool = False, max_length: int = 5000):
        self.en_optional = en_optional
        self.max_length = max_length

    def check(self, node, path, ctx):
        if not isinstance(node, MapNode):
            if isinstance(node, ScalarNode) and isinstance(node.value, str):
                ctx.report(node.loc, path, N_("must give the text in Thai and English: "
                                              "{th: …, en: …}"))
                return INVALID
            return _wrong_kind(ctx, node, path, "mapping")
        out = {}
        ok = True
        for key, (key_loc, value_node) in node.items.items():
            sub = path + (key,)
            ctx.locs[sub] = value_node.loc
            if key not in ("th", "en"):
                _unknown_key(ctx, key_loc, sub, key, ("th", "en"))
                ok = False
                continue
            if not isinstance(value_node, ScalarNode) or not isinstance(value_node.value, str):
                if not (isinstance(value_node, ScalarNode) and value_node.value is INVALID):
                    _wrong_kind(ctx, value_node, sub, "text")
                ok = False
                continue
            value = value_node.value.strip()
            if not value:
                ctx.report(value_node.loc, sub, N_("must not be empty"))
                ok = False
            elif len(value) > self.max_length:
                ctx.report(value_node.loc, sub, N_("must be at most %(n)s characters long"),
                           n=self.max_length)
                ok = False
            elif _CONTROL.search(value):
                ctx.report(value_node.loc, sub, N_("contains a control character; "
                                                   "remove it"))
                ok = False
            else:
                out[key] = value
        if "th" not in node.items:
            ctx.report(node.loc, path + ("th",), N_("Thai text (th) is required"))
            ok = False
        if "en" not in node.items and not self.en_optional:
            ctx.report(node.loc, path + ("en",), N_("English text (en) is required"))
            ok = False
        return out if ok else INVALID


def _unknown_key(ctx: Context, loc: Loc, path: Path, key, known: Iterable[str]) -> None:
    suggestion = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.7)
    if suggestion:
        ctx.report(loc, path, N_("unknown key %(key)s (did you mean %(suggestion)s?)"),
                   key=key, suggestion=suggestion[0])
    else:
        ctx.report(loc, path, N_("unknown key %(key)s; allowed here: %(known)s"),
                   key=key, known=", ".join(str(k) for k in known))


class List(Validator):
    """A list of ``item``s. Invalid items stay as ``None`` so that indexes keep their paths."""

    def __init__(self, item: Validator, min_items: int = 0, max_items: int | None = None,
                 unique: bool = False):
        self.item = item
        self.min_items, self.max_items = min_items, max_items
        self.unique = unique

    def check(self, node, path, ctx):
        if not isinstance(node, SeqNode):
            return _wrong_kind(ctx, node, path, "list")
        out = []
        seen: dict = {}
        for index, item_node in enumerate(node.items):
            value = self.item(item_node, path + (index,), ctx)
            if value is INVALID:
                out.append(None)
                continue
            if self.unique:
                key = repr(value)
                if key in seen:
                    ctx.report(item_node.loc, path + (index,),
                               N_("%(value)s is listed twice"), value=value)
                    out.append(None)
                    continue
                seen[key] = index
            out.append(value)
        if len(node.items) < self.min_items:
            ctx.report(node.loc, path, N_("must have at least %(n)s items, not %(count)s"),
                       n=self.min_items, count=len(node.items))
        if self.max_items is not None and len(node.items) > self.max_items:
            ctx.report(node.loc, path, N_("must have at most %(n)s items, not %(count)s"),
                       n=self.max_items, count=len(node.items))
        return out


@dataclass
class Field:
    validator: Validator
    required: bool = True
    # Optional fields given as null or as an empty list/mapping count as left out, so that
    # ``supersedes: null`` and no ``supersedes`` parse alike (and survive an Excel round trip).
    nullable: bool = False


class Record(Validator):
    """A closed mapping: every key must be known, every required key present."""

    def __init__(self, fields: dict[str, Field]):
        self.fields = fields

    def check(self, node, path, ctx):
        if not isinstance(node, MapNode):
            return _wrong_kind(ctx, node, path, "mapping")
        return self.check_items(node, path, ctx)

    def check_items(self, node: MapNode, path: Path, ctx: Context, skip: Iterable[str] = ()):
        out = {}
        for key, (key_loc, value_node) in node.items.items():
            sub = path + (key,)
            spec = self.fields.get(key) if isinstance(key, str) else None
            if spec is None:
                if key not in skip:
                    _unknown_key(ctx, key_loc, sub, key, self.fields)
                continue
            if not spec.required and isinstance(value_node, ScalarNode) \
                    and value_node.value is None and spec.nullable:
                ctx.locs[sub] = value_node.loc
                continue
            value = spec.validator(value_node, sub, ctx)
            if value is INVALID:
                continue
            if not spec.required and spec.validator.is_empty(value):
                continue
            out[key] = value
        for key, spec in self.fields.items():
            if spec.required and key not in node.items:
                ctx.report(node.loc, path + (key,), N_("is required but missing"))
        return out


class MapOf(Validator):
    """A mapping from keys checked by ``key_check`` (returns an error message or None)."""

    def __init__(self, value: Validator, key_check: Callable[[Any], str | None],
                 min_items: int = 0):
        self.value = value
        self.key_check = key_check
        self.min_items = min_items

    def check(self, node, path, ctx):
        if not isinstance(node, MapNode):
            return _wrong_kind(ctx, node, path, "mapping")
        out = {}
        for key, (key_loc, value_node) in node.items.items():
            sub = path + (key if isinstance(key, str) else str(key),)
            problem = self.key_check(key)
            if problem:
                ctx.locs[sub] = value_node.loc
                ctx.report(key_loc, sub, problem, key=key)
                continue
            value = self.value(value_node, sub, ctx)
            if value is not INVALID:
                out[key] = value
        if len(node.items) < self.min_items:
            ctx.report(node.loc, path, N_("must have at least %(n)s items, not %(count)s"),
                       n=self.min_items, count=len(node.items))
        return out


class Tagged(Validator):
    """A mapping whose record depends on one key: ``method`` of a scoring, for instance."""

    def __init__(self, key: str, records: dict[str, Record]):
        self.key = key
        self.records = records

    def check(self, node, path, ctx):
        if not isinstance(node, MapNode):
            return _wrong_kind(ctx, node, path, "mapping")
        entry = node.items.get(self.key)
        if entry is None:
            ctx.report(node.loc, path + (self.key,), N_("is required but missing"))
            return INVALID
        tag = Str(choices=self.records)(entry[1], path + (self.key,), ctx)
        if tag is INVALID:
            return INVALID
        value = self.records[tag].check_items(node, path, ctx, skip=(self.key,))
        return {self.key: tag, **value}


class Either(Validator):
    """The first alternative whose ``accepts(node)`` holds checks the node."""

    def __init__(self, *alternatives: tuple[Callable[[Node], bool], Validator],
                 otherwise: Callable[[Node, Path, Context], object]):
        self.alternatives = alternatives
        self.otherwise = otherwise

    def check(self, node, path, ctx):
        for accepts, validator in self.alternatives:
            if accepts(node):
                return validator.check(node, path, ctx)
        return self.otherwise(node, path, ctx)
