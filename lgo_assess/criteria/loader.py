"""Load criteria files: read, validate, check cross-references, build typed objects. Pure Python.

``load_library(paths, context=…)`` is the one entry point the CLI, the import service and the
tests use. It loads every edition file and KPI catalogue under ``paths`` and reports **every**
problem, each as ``file:line: yaml.path: message``; ``context`` names further files (usually
the whole ``criteria/`` folder) that cross-references may point to without being reported on.

Line numbers come from composing the YAML to nodes (libyaml's C composer when available) and
walking the nodes alongside the schema; duplicate keys, which YAML would silently accept, are
reported too. Nothing here raises on bad input: every failure is a ``Problem``.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import yaml

from lgo_assess.criteria import schema
from lgo_assess.criteria.catalogue import KpiCatalogue
from lgo_assess.criteria.edition import Edition
from lgo_assess.criteria.validation import (INVALID, Context, Loc, MapNode, N_, Problem,
                                            ScalarNode, SeqNode)

YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000      # an alias bomb expands past this; real editions stay far below
MAX_DEPTH = 60

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {"tag:yaml.org,2002:" + t for t in
                ("str", "int", "float", "bool", "null", "timestamp")}


# -- YAML to located nodes ------------------------------------------------------------------------

def parse_yaml(text: str, file: str, ctx: Context):
    """Compose ``text`` into located nodes; problems go to ``ctx``. None if nothing usable."""
    loader = YamlLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = str(error.problem or error.context or error)
            if error.context and error.context_mark is not None and error.problem:
                ctx.report(Loc(file, line=line), (),
                           N_("YAML syntax error: %(problem)s (%(context)s that starts at line "
                              "%(line)s)"), problem=problem, context=error.context,
                           line=error.context_mark.line + 1)
            else:
                ctx.report(Loc(file, line=line), (), N_("YAML syntax error: %(problem)s"),
                           problem=problem)
            return None
        except yaml.YAMLError as error:
            ctx.report(Loc(file, line=1), (), N_("YAML syntax error: %(problem)s"),
                       problem=str(error))
            return None
        if root is None:
            ctx.report(Loc(file, line=1), (), N_("the file is empty"))
            return None
        return _Converter(loader, file, ctx).convert(root, (), 0)
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader, file: str, ctx: Context):
        self.loader, self.file, self.ctx = loader, file, ctx
        self.count = 0
        self.active: set[int] = set()
        self.too_big = False

    def loc(self, node) -> Loc:
        return Loc(self.file, node.start_mark.line + 1)

    def convert(self, node, path, depth):
        loc = self.loc(node)
        self.count += 1
        if self.count > MAX_NODES or depth > MAX_DEPTH:
            if not self.too_big:
                self.too_big = True
                message = (N_("the document is nested too deeply") if depth > MAX_DEPTH
                           else N_("the document is too large (too many values or aliases)"))
                self.ctx.report(loc, path, message)
            return ScalarNode(INVALID, loc)
        if id(node) in self.active:
            self.ctx.report(loc, path, N_("an alias refers to itself"))
            return ScalarNode(INVALID, loc)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path, loc)
        if node.tag not in (_MAP_TAG, _SEQ_TAG):
            self.ctx.report(loc, path, N_("unsupported YAML tag %(tag)s"), tag=node.tag)
            return ScalarNode(INVALID, loc)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return SeqNode([self.convert(item, path + (i,), depth + 1)
                                for i, item in enumerate(node.value)], loc)
            return self.mapping(node, path, loc, depth)
        finally:
            self.active.discard(id(node))

    def scalar(self, node, path, loc):
        if node.tag == _STR_TAG:
            return ScalarNode(node.value, loc, node.value)
        if node.tag not in _SCALAR_TAGS:
            self.ctx.report(loc, path, N_("unsupported YAML tag %(tag)s"), tag=node.tag)
            return ScalarNode(INVALID, loc)
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
            self.ctx.report(loc, path, N_("unreadable value %(value)s: %(problem)s"),
                            value=node.value, problem=getattr(error, "problem", None) or error)
            return ScalarNode(INVALID, loc)
        return ScalarNode(value, loc, node.value)

    def mapping(self, node, path, loc, depth):
        items: dict = {}
        for key_node, value_node in node.value:
            key_loc = Loc(self.file, key_node.start_mark.line + 1)
            if key_node.tag == _STR_TAG and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in items:
                    self.duplicate(key_loc, path + (key,), key, items)
                else:
                    items[key] = (key_loc, self.convert(value_node, path + (key,), depth + 1))
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.ctx.report(key_loc, path, N_("merge keys (<<) are not supported; "
                                                      "write the keys out"))
                else:
                    self.ctx.report(key_loc, path, N_("a key must be a plain word or number"))
                continue
            key = self.scalar(key_node, path, key_loc).value
            if key is INVALID:
                continue
            if key is None or isinstance(key, (bool, float)) or not isinstance(key, (str, int)):
                self.ctx.report(key_loc, path, N_("a key must be a plain word or number, "
                                                  "not %(key)s"), key=key_node.value)
                continue
            sub = path + (key if isinstance(key, str) else str(key),)
            if key in items:
                self.duplicate(key_loc, sub, key, items)
                continue
            items[key] = (key_loc, self.convert(value_node, sub, depth + 1))
        return MapNode(items, loc)

    def duplicate(self, key_loc, path, key, items):
        self.ctx.report(key_loc, path, N_("duplicate key %(key)s (first at %(where)s); YAML "
                                          "would silently keep only the last"),
                        key=key, where=items[key][0].short())


# -- Files ----------------------------------------------------------------------------------------

EDITION, CATALOGUE, UNKNOWN = "edition", "catalogue", "unknown"


@dataclass
class LoadedFile:
    """One file, loaded: its document as accepted, its problems, and the typed object."""

    path: str
    kind: str
    document: dict
    problems: list[Problem]
    content_hash: str | None = None
    edition: Edition | None = None
    catalogue: KpiCatalogue | None = None
    ctx: Context | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def standard_code(self) -> str | None:
        return self.document.get("standard", {}).get("code") if self.kind == EDITION else None

    @property
    def edition_code(self) -> str | None:
        return self.document.get("edition", {}).get("code") if self.kind == EDITION else None


def content_hash(document: dict) -> str:
    """SHA-256 of the document's canonical JSON: the same content hashes alike whatever the
    file's comments, layout or format (YAML or workbook)."""
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _kind_of(root, path: Path) -> str:
    if isinstance(root, MapNode) and "format" in root.items:
        tag = root.items["format"][1]
        if isinstance(tag, ScalarNode):
            if tag.value == schema.CATALOGUE_FORMAT:
                return CATALOGUE
            if tag.value == schema.EDITION_FORMAT:
                return EDITION
    return CATALOGUE if path.parent.name == "kpis" else EDITION


def load_file(path: str | Path, *, area_tags: Iterable[str] = schema.AREA_TAGS,
              label: str | None = None) -> LoadedFile:
    """Load and check one YAML file (or workbook, by its ``.xlsx`` suffix) on its own."""
    path = Path(path)
    label = label or str(path)
    ctx = Context(label)
    if path.suffix.lower() == ".xlsx":
        from lgo_assess.criteria import xlsx
        root = xlsx.read_workbook(path, label, ctx)
        return _check(root, path, label, ctx, EDITION, area_tags, check_names=False)
    try:
        data = path.read_bytes()
    except OSError as error:
        ctx.report(Loc(label), (), N_("cannot read the file: %(problem)s"),
                   problem=error.strerror or error)
        return LoadedFile(label, UNKNOWN, {}, ctx.problems, ctx=ctx)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        ctx.report(Loc(label, line=line), (), N_("the file is not UTF-8 text"))
        return LoadedFile(label, UNKNOWN, {}, ctx.problems, ctx=ctx)
    return load_text(text, label, path=path, area_tags=area_tags, ctx=ctx)


def load_text(text: str, label: str, *, path: Path | None = None,
              area_tags: Iterable[str] = schema.AREA_TAGS,
              ctx: Context | None = None) -> LoadedFile:
    """Load and check YAML text; ``path`` (if given) is checked against the codes."""
    ctx = ctx or Context(label)
    root = parse_yaml(text, label, ctx)
    if root is None:
        return LoadedFile(label, UNKNOWN, {}, ctx.problems, ctx=ctx)
    ctx.locs[()] = root.loc
    kind = _kind_of(root, path or Path(label))
    return _check(root, path, label, ctx, kind, area_tags, check_names=path is not None)


def _check(root, path, label, ctx, kind, area_tags, *, check_names) -> LoadedFile:
    if root is None:
        return LoadedFile(label, UNKNOWN, {}, ctx.problems, ctx=ctx)
    if kind == CATALOGUE:
        document = schema.check_catalogue(root, ctx)
        loaded = LoadedFile(label, CATALOGUE, document, ctx.problems, ctx=ctx)
        if not ctx.problems:
            loaded.catalogue = KpiCatalogue.from_document(document)
    else:
        document = schema.check_edition(root, ctx, area_tags=area_tags)
        if check_names and path is not None:
            _check_names(document, path, ctx)
        loaded = LoadedFile(label, EDITION, document, ctx.problems, ctx=ctx)
        if not ctx.problems:
            loaded.edition = Edition.from_document(document)
    if not ctx.problems:
        loaded.content_hash = content_hash(document)
    return loaded


def _check_names(document: dict, path: Path, ctx: Context) -> None:
    code = document.get("standard", {}).get("code")
    if code is not None and path.parent.name != code:
        ctx.report_at(("standard", "code"), N_("the file is in folder %(folder)s, but "
                                               "standard.code is %(code)s: they must be equal"),
                      folder=path.parent.name, code=code)
    edition = document.get("edition", {}).get("code")
    if edition is not None and path.stem != edition:
        ctx.report_at(("edition", "code"), N_("the file is named %(name)s, but edition.code "
                                              "is %(code)s: they must be equal"),
                      name=path.name, code=edition)


# -- A set of files and their cross-references ----------------------------------------------------

def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and every ``*.yaml``/``*.yml`` under folders named, in a stable order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml")
                          and p.is_file() and not any(part.startswith(".") for part in p.parts))
        else:
            out.append(path)
    seen, unique = set(), []
    for path in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


@dataclass
class Library:
    """The files asked for (``files``), those loaded only for reference (``context``), and every
    problem of the files asked for, cross-references included."""

    files: list[LoadedFile]
    context: list[LoadedFile]
    extra_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        problems = [p for f in self.files for p in f.problems] + self.extra_problems
        return sorted(problems, key=lambda p: (p.loc.file, p.loc.sheet or "",
                                               p.loc.line or p.loc.row or 0))

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def editions(self) -> list[LoadedFile]:
        return [f for f in self.files if f.kind == EDITION]

    @property
    def catalogues(self) -> list[LoadedFile]:
        return [f for f in self.files if f.kind == CATALOGUE]


def load_library(paths: Iterable[str | Path], *, context: Iterable[str | Path] = (),
                 area_tags: Iterable[str] = schema.AREA_TAGS) -> Library:
    area_tags = tuple(area_tags)
    requested = expand(paths)
    wanted = {p.resolve() for p in requested}
    files = [load_file(p, area_tags=area_tags) for p in requested]
    others = [load_file(p, area_tags=area_tags) for p in expand(context)
              if p.resolve() not in wanted]
    library = Library(files, others)
    _cross_check(library)
    return library


def _cross_check(library: Library) -> None:
    everything = library.files + library.context
    kpi_ids: set[str] = set()
    for loaded in (f for f in everything if f.kind == CATALOGUE):
        kpi_ids |= {k["id"] for k in loaded.document.get("kpis") or () if k and "id" in k}
    criteria: dict[str, set[str]] = {}
    result_levels: dict[str, set[str]] = {}
    editions_seen: dict[tuple, LoadedFile] = {}
    for loaded in (f for f in everything if f.kind == EDITION):
        code = loaded.standard_code
        if code is None:
            continue
        criteria.setdefault(code, set()).update(
            c["code"] for s in loaded.document.get("sections") or () if s
            for c in s.get("criteria") or () if c and "code" in c)
        result_levels.setdefault(code, set()).update(
            lv["code"] for lv in loaded.document.get("result", {}).get("levels") or ()
            if lv and "code" in lv)

    for loaded in library.files:
        ctx = loaded.ctx
        before = len(ctx.problems)
        if loaded.kind == EDITION:
            key = (loaded.standard_code, loaded.edition_code)
            if None not in key:
                if key in editions_seen:
                    ctx.report_at(("edition", "code"), N_("edition %(edition)s of %(standard)s "
                                                          "is also in %(other)s"),
                                  edition=key[1], standard=key[0],
                                  other=editions_seen[key].path)
                else:
                    editions_seen[key] = loaded
            _check_edition_refs(loaded, ctx, kpi_ids, criteria)
        elif loaded.kind == CATALOGUE:
            _check_catalogue_refs(loaded, ctx, criteria, result_levels)
        if len(ctx.problems) != before:
            loaded.problems = ctx.problems
            loaded.edition = loaded.catalogue = None
            loaded.content_hash = None


def _check_edition_refs(loaded, ctx, kpi_ids, criteria):
    doc = loaded.document

    def check_kpis(path, ids):
        for index, kpi in enumerate(ids or ()):
            if kpi is not None and kpi not in kpi_ids:
                ctx.report_at(path + (index,), N_("unknown KPI %(kpi)s: it is not in the KPI "
                                                  "catalogue (criteria/kpis/)"), kpi=kpi)

    check_kpis(("edition", "kpis"), doc.get("edition", {}).get("kpis"))
    for s_index, section in enumerate(doc.get("sections") or ()):
        for c_index, criterion in enumerate((section or {}).get("criteria") or ()):
            if not criterion:
                continue
            path = ("sections", s_index, "criteria", c_index)
            check_kpis(path + ("kpis",), criterion.get("kpis"))
            for x_index, link in enumerate(criterion.get("crosswalk") or ()):
                if not link or "standard" not in link:
                    continue
                x_path = path + ("crosswalk", x_index)
                standard = link["standard"]
                if standard not in criteria:
                    ctx.report_at(x_path + ("standard",),
                                  N_("unknown standard %(code)s: no edition of it is on the "
                                     "platform (criteria/%(code)s/)"), code=standard)
                elif link.get("criterion") not in criteria[standard]:
                    ctx.report_at(x_path + ("criterion",),
                                  N_("no edition of %(standard)s has a criterion %(code)s"),
                                  standard=standard, code=link.get("criterion"))


def _check_catalogue_refs(loaded, ctx, criteria, result_levels):
    for index, kpi in enumerate(loaded.document.get("kpis") or ()):
        formula = (kpi or {}).get("formula")
        if not formula or "standard" not in formula:
            continue
        path = ("kpis", index, "formula")
        standard = formula["standard"]
        if standard not in criteria:
            ctx.report_at(path + ("standard",),
                          N_("unknown standard %(code)s: no edition of it is on the platform "
                             "(criteria/%(code)s/)"), code=standard)
        elif "min_result_level" in formula \
                and formula["min_result_level"] not in result_levels.get(standard, ()):
            ctx.report_at(path + ("min_result_level",),
                          N_("no edition of %(standard)s has a result level %(code)s "
                             "(levels: %(levels)s)"), standard=standard,
                          code=formula["min_result_level"],
                          levels=", ".join(sorted(result_levels.get(standard, ()))) or "-")


__all__ = ["Library", "LoadedFile", "content_hash", "expand", "load_file", "load_library",
           "load_text", "parse_yaml"]
