"""Property-based: whatever the loader is fed (random documents, mutated valid editions, junk
text) it returns structured problems and never raises."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lgo_assess.criteria.loader import load_file, load_text
from lgo_assess.criteria.validation import Problem

VALID_FILE = (Path(__file__).resolve().parents[1] / "criteria_fixtures" / "valid" / "TST"
              / "2569.yaml")
VALID_DOC = yaml.safe_load(VALID_FILE.read_text(encoding="utf-8"))
VALID_DOC_LOADED = load_file(VALID_FILE).document

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                    st.sampled_from(["th", "en", "level", "maturity5", "1.1", "sao", "border",
                                     "lgo-assess/criteria@1", "SI9-G1-K1", "exclude"]))
keys = st.one_of(st.text(max_size=10), st.integers(-5, 5),
                 st.sampled_from(["format", "standard", "edition", "sections", "criteria",
                                  "scoring", "method", "code", "title", "th", "en"]))
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)), max_leaves=40)


def _assert_structured(loaded) -> None:
    assert isinstance(loaded.problems, list)
    for problem in loaded.problems:
        assert isinstance(problem, Problem)
        assert problem.loc.line is None or problem.loc.line >= 1
        assert isinstance(problem.path, str)
        text = problem.format()
        assert isinstance(text, str) and text.startswith(loaded.path)
    if loaded.problems:
        assert loaded.edition is None and loaded.content_hash is None
    elif loaded.kind == "edition":
        assert loaded.edition is not None


def _dump(doc) -> str:
    return yaml.dump(doc, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
                     allow_unicode=True, sort_keys=False)


@SETTINGS
@given(documents)
def test_random_documents_yield_problems_never_exceptions(doc):
    _assert_structured(load_text(_dump(doc), "random.yaml"))


@SETTINGS
@given(documents)
def test_random_edition_shaped_documents_never_raise(body):
    doc = {"format": "lgo-assess/criteria@1", "standard": body, "edition": body,
           "sections": [body] * 4, "result": body, "scales": {"s": body}}
    _assert_structured(load_text(_dump(doc), "shaped.yaml"))


def _containers(node, path=()):
    """Every (path, container) in a document, the root included."""
    yield path, node
    if isinstance(node, dict):
        items = node.items()
    else:
        items = enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if isinstance(value, (dict, list)):
            yield from _containers(value, path + (key,))


CONTAINERS = list(_containers(VALID_DOC))


@st.composite
def mutated(draw):
    doc = copy.deepcopy(VALID_DOC)
    for _ in range(draw(st.integers(1, 4))):
        path, _ = draw(st.sampled_from(CONTAINERS))
        target = doc
        try:
            for part in path:
                target = target[part]
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(target, (dict, list)) or not target:
            continue
        keys_ = list(target) if isinstance(target, dict) else list(range(len(target)))
        key = draw(st.sampled_from(keys_))
        action = draw(st.sampled_from(["delete", "replace", "insert", "duplicate", "empty"]))
        if action == "delete":
            del target[key]
        elif action == "replace":
            target[key] = draw(documents)
        elif action == "insert":
            if isinstance(target, dict):
                target[draw(keys)] = draw(documents)
            else:
                target.insert(key, draw(documents))
        elif action == "duplicate":
            if isinstance(target, list):
                target.append(copy.deepcopy(target[key]))
            else:
                target[f"{key}_copy"] = copy.deepcopy(target[key])
        else:
            target[key] = {} if draw(st.booleans()) else []
    return doc


@SETTINGS
@given(mutated())
def test_mutated_valid_editions_yield_problems_never_exceptions(doc):
    loaded = load_text(_dump(doc), "mutated.yaml")
    _assert_structured(loaded)
    if doc == VALID_DOC:
        assert loaded.problems == []


@SETTINGS
@given(st.text(max_size=300))
def test_junk_text_never_raises(text):
    _assert_structured(load_text(text, "junk.yaml"))


@SETTINGS
@given(st.integers(0, len(VALID_FILE.read_bytes()) - 1), st.text(min_size=1, max_size=5))
def test_valid_file_with_junk_spliced_in_never_raises(offset, junk):
    text = VALID_FILE.read_text(encoding="utf-8")
    _assert_structured(load_text(text[:offset] + junk + text[offset:], "spliced.yaml"))


# -- Workbooks ------------------------------------------------------------------------------------

def _workbook(rows_by_sheet):
    from openpyxl import Workbook
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet, rows in rows_by_sheet.items():
        ws = workbook.create_sheet(sheet)
        for row in rows:
            ws.append(row)
    return workbook


# Text a worksheet can hold (openpyxl refuses control characters, as Excel does).
cell_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=10)
cells = st.one_of(st.none(), st.booleans(), st.integers(-1000, 3000),
                  st.floats(allow_nan=False, allow_infinity=False), cell_text,
                  st.sampled_from(["1.1", "sao, pao", "[]", "level", "TRUE", "=1+1", " "]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_workbooks_yield_problems_never_exceptions(data):
    from lgo_assess.criteria import schema
    from lgo_assess.criteria.validation import Context
    from lgo_assess.criteria.xlsx import _Reader, document_rows
    rows = document_rows(VALID_DOC_LOADED)
    for _ in range(data.draw(st.integers(1, 6))):
        sheet = data.draw(st.sampled_from(sorted(rows)))
        table = rows[sheet]
        action = data.draw(st.sampled_from(["cell", "row", "header", "sheet", "drop"]))
        if action == "cell" and len(table) > 1:
            row = data.draw(st.integers(1, len(table) - 1))
            column = data.draw(st.integers(0, len(table[row])))
            table[row] = list(table[row]) + [None]
            table[row][column] = data.draw(cells)
        elif action == "row":
            table.append([data.draw(cells) for _ in range(data.draw(st.integers(0, 6)))])
        elif action == "header":
            table[0] = list(table[0]) + [data.draw(cell_text)]
        elif action == "sheet":
            name = data.draw(st.text("abcdefghij_- ก", min_size=1, max_size=8))
            rows[name.strip() or "x"] = [["x"], [data.draw(cells)]]
        elif action == "drop" and len(table) > 1:
            del table[data.draw(st.integers(1, len(table) - 1))]
    ctx = Context("fuzz.xlsx")
    root = _Reader("fuzz.xlsx", ctx).read(_workbook(rows))
    schema.check_edition(root, ctx)
    for problem in ctx.problems:
        assert isinstance(problem, Problem) and problem.format().startswith("fuzz.xlsx")


def test_unmutated_workbook_rows_read_back_clean():
    from lgo_assess.criteria import schema
    from lgo_assess.criteria.validation import Context
    from lgo_assess.criteria.xlsx import _Reader, document_rows
    ctx = Context("clean.xlsx")
    root = _Reader("clean.xlsx", ctx).read(_workbook(document_rows(VALID_DOC_LOADED)))
    assert schema.check_edition(root, ctx) == VALID_DOC_LOADED and ctx.problems == []
