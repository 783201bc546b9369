"""Workspace criteria rendered once and reused, in two layers.

A workspace shows up to 39 criteria, ~210 KB of HTML, and rendering them through Jinja was most of
the page's cost. First layer, the parts: a criterion's title, badges, guidance, expected evidence
and answer choices depend only on the pinned edition (immutable once published; its content
hash is in the key for drafts), the criterion, the LGO type (variants) and the language (and
which choice is ticked), so each is rendered once and reused by every LGO of that type. Second
layer, the whole criterion: kept under a key holding every value ``_criterion.html`` reads of
the LGO's own (the answer, its version, the evidence cited...), so it is reused until one of
them changes. The CSRF token is a stand-in in the cache and the page's own on the way out.

Both caches are per application (its catalogue is part of what is rendered) and process,
bounded in bytes (whole criteria kept deflated), and need no invalidation: a key names everything its HTML is made
of, so a change makes a new key and the old one ages out.
"""
from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from typing import Callable, Hashable

from flask import current_app
from flask_babel import get_translations
from markupsafe import Markup

from lgo_assess.core.i18n import current_language, template_gettext

PARTS_TEMPLATE = "assessments/_criterion_parts.html"


class HtmlCache:
    """A least-recently-used map of rendered HTML (deflated, or as it is), bounded by its size in
    bytes, safe across threads. A workspace's 39 criteria are ~210 KB of HTML, ~65 KB deflated."""

    def __init__(self, max_bytes: int, deflate: bool = True):
        self.max_bytes = max_bytes
        self.deflate = deflate          # worth it for whole criteria (memory), not small parts
        self.size = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        with self._lock:
            packed = self._entries.get(key)
            if packed is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if packed is not None:
            return zlib.decompress(packed).decode() if self.deflate else packed.decode()
        html = str(render())
        packed = zlib.compress(html.encode(), 1) if self.deflate else html.encode()
        with self._lock:
            self.misses += 1
            previous = self._entries.pop(key, None)
            self.size += len(packed) - (len(previous) if previous is not None else 0)
            self._entries[key] = packed
            while self.size > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self.size -= len(evicted)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.size = self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


# Five standards × ~35 criteria × seven LGO types × two languages × six parts, plus one entry per
# answer choice ticked: ~30,000 entries of a few hundred bytes, kept as they are (each page
# reads ~200 of them when it renders its criteria: inflating them cost more than it saved).
PARTS_BYTES = 8 * 1024 * 1024
CSRF_STAND_IN = "__csrf_token_of_this_page__"


def cache() -> HtmlCache:
    """This application's cache of criterion parts."""
    found = current_app.extensions.get("lgo_assess_criterion_parts")
    if found is None:
        found = current_app.extensions["lgo_assess_criterion_parts"] = HtmlCache(
            PARTS_BYTES, deflate=False)
    return found


def articles() -> HtmlCache:
    """This application's cache of whole criteria (``WORKSPACE_CACHE_BYTES``, deflated)."""
    found = current_app.extensions.get("lgo_assess_criterion_articles")
    if found is None:
        found = current_app.extensions["lgo_assess_criterion_articles"] = HtmlCache(
            current_app.config["WORKSPACE_CACHE_BYTES"])
    return found


def _frozen(value):
    """A form's values as a key: lists become tuples, dicts sorted pairs."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


class CriterionParts:
    """The static parts of one page's criteria: ``parts.title(row)`` etc. return Markup.

    Built per request with the edition's key, the LGO type and the language; the Jinja macros
    of PARTS_TEMPLATE render a part the first time a process needs it."""

    def __init__(self, edition_key: tuple, lgo_type, language: str | None = None):
        self.edition_key = edition_key
        self.lgo_type = lgo_type
        self.language = language or current_language()
        self._module = None

    def _macro(self, name: str):
        if self._module is None:
            template = current_app.jinja_env.get_template(PARTS_TEMPLATE)
            self._module = template.make_module({
                "current_language": self.language, **template_gettext(get_translations())})
        return getattr(self._module, name)

    def _part(self, name: str, row, state: tuple = (), *args) -> Markup:
        key = (name, self.edition_key, row.code, str(self.lgo_type), self.language, state)
        return Markup(cache().get_or_render(  # noqa: S704 -- our own rendering
            key, lambda: self._macro(name)(row.effective, self.lgo_type, *args)))

    def title(self, row) -> Markup:
        return self._part("title", row)

    def badges(self, row) -> Markup:
        """Must pass, weight and the variant's badge (not the answer's state)."""
        return self._part("badges", row)

    def guidance(self, row) -> Markup:
        return self._part("guidance", row)

    def na_hint(self, row) -> Markup:
        return self._part("na_hint", row)

    def expected_evidence(self, row) -> Markup:
        return self._part("expected_evidence", row)

    def article(self, macro, row, assessment, problem, values_of, urls, csrf: str) -> Markup:
        """The whole criterion as ``macro`` (``_criterion.html``'s ``criterion``) renders it,
        reused while nothing it shows has changed: the key holds every value the macro reads
        (the answer as the form shows it, its version and time, the score state, whether it is
        editable, every evidence item cited as shown, the evidence still missing), so a save,
        a citation or a renamed item makes a new key. A refused save shown again and a
        criterion that does not apply (its badge names area tags from the registry) are
        rendered every time. The CSRF token is a stand-in in the cache, the page's own out."""
        args = (row, assessment, problem, values_of, self, urls)
        if not row.applicable or (problem and problem.get("code") == row.code):
            return macro(*args, csrf)
        response = row.response
        key = (self.edition_key, str(self.lgo_type), self.language, assessment.id, row.code,
               row.editable, str(row.score.state),
               None if response is None else (response.id, response.version,
                                              response.updated_at),
               _frozen(values_of(response)),
               tuple((link.id, link.item.id, str(link.item.kind), link.item.title,
                      link.item.is_file, link.item.original_filename, link.item.url)
                     for link in row.links),
               tuple(str(expected.kind) for expected in row.missing_evidence))
        html = articles().get_or_render(key, lambda: macro(*args, CSRF_STAND_IN))
        return Markup(html.replace(CSRF_STAND_IN, csrf))  # noqa: S704 -- our own rendering

    def choices(self, row, values: dict, cached: bool = True) -> Markup:
        """The answer's inputs with what ``values`` holds ticked or filled in. ``cached`` False
        for what a user just sent (a refused save shown again): arbitrary text is no key."""
        if not cached:
            return self._macro("choices")(row.effective, self.lgo_type, values)
        method = row.effective.scoring.method
        if method == "level":
            state = (str(values.get("level", "")),)
        elif method == "checklist":
            state = (tuple(sorted(values.get("checked") or ())), bool(values.get("checked_none")))
        elif method == "numeric":
            state = (str(values.get("value", "")),)
        else:
            state = (str(values.get("yes", "")),)
        return self._part("choices", row, state, values)


class CriterionUrls:
    """The addresses a workspace's criterion forms post to, built with ``url_for`` once per page
    (with a stand-in code, replaced per criterion) rather than four times per criterion."""

    STAND_IN = "__criterion__"

    def __init__(self, assessment_id: int):
        from flask import url_for
        self._patterns = {
            name: url_for(f"assessments.{name}", assessment_id=assessment_id,
                          criterion_code=self.STAND_IN)
            for name in ("save_response", "unlink_evidence", "evidence_picker", "link_evidence")}

    def __getattr__(self, name: str):
        try:
            pattern = self._patterns[name]
        except KeyError:
            raise AttributeError(name) from None
        return lambda code: pattern.replace(self.STAND_IN, code)
