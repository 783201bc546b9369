"""An edition as an Excel workbook, for DLA authors who work in Excel, and back. Pure (openpyxl).

One sheet per part of the file: ``edition`` (the header, one field per row), ``scales``,
``scale_levels``, ``result_levels``, ``sections``, ``criteria``, ``variants``, ``descriptors``,
``checklist_items``, ``bands``, ``evidence``, ``crosswalk``. Texts have a ``…_th`` and a ``…_en``
column; lists go in one cell, comma-separated (``[]`` for an empty list); child sheets point at
their criterion by code and, for a variant's own scoring or evidence, at the variant by number.

Reading builds the same located node tree as the YAML loader, so the workbook goes through the
very same schema and every problem names its cell: ``file.xlsx:criteria!D7: path: message``.
Writing then reading an edition gives back the same document (the round-trip test proves it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lgo_assess.criteria.validation import (Context, Loc, MapNode, N_, ScalarNode, SeqNode)

README_SHEET = "README"


@dataclass(frozen=True)
class Col:
    name: str
    path: tuple          # where the value goes in the row's record
    kind: str = "str"    # str | int | num | bool | list_str | list_int


def _text(prefix: str, path: tuple) -> list[Col]:
    return [Col(f"{prefix}_th", path + ("th",)), Col(f"{prefix}_en", path + ("en",))]


SCORING_COLS = [
    Col("method", ("scoring", "method")),
    Col("scale", ("scoring", "scale")),
    *_text("unit", ("scoring", "unit")),
    Col("min", ("scoring", "min"), "num"),
    Col("max", ("scoring", "max"), "num"),
    Col("higher_is_better", ("scoring", "higher_is_better"), "bool"),
    Col("required_count", ("scoring", "required_count"), "int"),
]

# The header sheet: one row per field; ``value`` or ``th``/``en``.
HEADER_FIELDS = {
    "format": (("format",), "str"),
    "standard.code": (("standard", "code"), "str"),
    "standard.plan_ref": (("standard", "plan_ref"), "str"),
    "standard.name": (("standard", "name"), "text"),
    "standard.owner": (("standard", "owner"), "text"),
    "edition.code": (("edition", "code"), "str"),
    "edition.title": (("edition", "title"), "text"),
    "edition.fiscal_years": (("edition", "fiscal_years"), "list_int"),
    "edition.supersedes": (("edition", "supersedes"), "str"),
    "edition.certificate_validity_months": (("edition", "certificate_validity_months"), "int"),
    "edition.kpis": (("edition", "kpis"), "list_str"),
    "edition.summary": (("edition", "summary"), "text"),
    "edition.not_applicable_default": (("edition", "not_applicable_default"), "str"),
    "result.section_minimum_percent": (("result", "section_minimum_percent"), "num"),
}
HEADER_COLUMNS = ("field", "value", "th", "en")

SHEETS: dict[str, list[Col]] = {
    "scales": [Col("scale", ("@scale",)), *_text("name", ("name",))],
    "scale_levels": [Col("scale", ("@scale",)), Col("value", ("value",), "int"),
                     *_text("label", ("label",)), *_text("descriptor", ("descriptor",))],
    "result_levels": [Col("code", ("code",)), *_text("label", ("label",)),
                      Col("min_percent", ("min_percent",), "num"),
                      Col("section_minimum_percent", ("section_minimum_percent",), "num")],
    "sections": [Col("code", ("code",)), *_text("title", ("title",)),
                 *_text("description", ("description",)), Col("weight", ("weight",), "num"),
                 Col("section_minimum_percent", ("section_minimum_percent",), "num")],
    "criteria": [
        Col("section", ("@section",)), Col("code", ("code",)),
        *_text("title", ("title",)), *_text("guidance", ("guidance",)),
        Col("weight", ("weight",), "num"), *SCORING_COLS,
        Col("must_pass", ("must_pass",), "bool"),
        Col("must_pass_min_level", ("must_pass", "min_level"), "int"),
        Col("must_pass_min_fraction", ("must_pass", "min_fraction"), "num"),
        Col("na_allowed", ("not_applicable", "allowed"), "bool"),
        *_text("na_when", ("not_applicable", "when")),
        Col("na_effect", ("not_applicable", "effect")),
        Col("lgo_types", ("applies_to", "lgo_types"), "list_str"),
        Col("area_tags_any", ("applies_to", "area_tags_any"), "list_str"),
        Col("onsite_methods", ("onsite", "methods"), "list_str"),
        *_text("onsite_note", ("onsite", "note")),
        Col("kpis", ("kpis",), "list_str"),
    ],
    "variants": [Col("criterion", ("@criterion",)), Col("variant", ("@variant",), "int"),
                 Col("lgo_types", ("lgo_types",), "list_str"),
                 *_text("title", ("title",)), *_text("guidance", ("guidance",)),
                 Col("weight", ("weight",), "num"), *SCORING_COLS],
    "descriptors": [Col("criterion", ("@criterion",)), Col("variant", ("@variant",), "int"),
                    Col("value", ("@value",), "int"), *_text("text", ())],
    "checklist_items": [Col("criterion", ("@criterion",)), Col("variant", ("@variant",), "int"),
                        Col("code", ("code",)), *_text("text", ("text",))],
    "bands": [Col("criterion", ("@criterion",)), Col("variant", ("@variant",), "int"),
              Col("min_count", ("min_count",), "int"), Col("min", ("min",), "num"),
              Col("max", ("max",), "num"), Col("fraction", ("fraction",), "num")],
    "evidence": [Col("criterion", ("@criterion",)), Col("variant", ("@variant",), "int"),
                 Col("kind", ("kind",)), *_text("description", ("description",)),
                 Col("required", ("required",), "bool"),
                 Col("recency_months", ("recency_months",), "int")],
    "crosswalk": [Col("criterion", ("@criterion",)), Col("standard", ("standard",)),
                  Col("to_criterion", ("criterion",)), Col("framework", ("framework",)),
                  Col("ref", ("ref",))],
}

# Drop-down lists offered in Excel for the columns that take one of a few words.
CHOICES = {
    ("criteria", "method"): "level,checklist,numeric,yes_no",
    ("variants", "method"): "level,checklist,numeric,yes_no",
    ("criteria", "na_effect"): "exclude,score_zero,score_full",
    ("evidence", "kind"): "document,photo,url,system_record",
}

README_ROWS = (
    ("เกณฑ์มาตรฐานในรูปแบบ Excel", "A criteria edition as an Excel workbook"),
    ("แต่ละแผ่นงานคือส่วนหนึ่งของไฟล์เกณฑ์ (criteria/README.md) คอลัมน์ _th คือภาษาไทย _en คือภาษาอังกฤษ",
     "Each sheet is one part of the criteria file (criteria/README.md); _th columns are Thai, "
     "_en columns English."),
    ("รายการหลายค่าในช่องเดียวคั่นด้วยจุลภาค เช่น sao, pao และ [] คือรายการว่าง",
     "Several values in one cell are comma-separated, e.g. sao, pao; [] is an empty list."),
    ("แผ่นงานย่อยอ้างถึงเกณฑ์ด้วยรหัส (criterion) และถึงรูปแบบเฉพาะด้วยลำดับ (variant, เริ่มที่ 1)",
     "Child sheets point at a criterion by its code, and at a variant by its number (from 1)."),
    ("ตรวจไฟล์ด้วย flask criteria validate ไฟล์.xlsx แล้วนำเข้าด้วย flask criteria import --xlsx ไฟล์.xlsx",
     "Check it with flask criteria validate FILE.xlsx, import it with "
     "flask criteria import --xlsx FILE.xlsx."),
)


# -- Writing --------------------------------------------------------------------------------------

def _get(record: dict, path: tuple):
    value = record
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _cell_value(value, kind: str):
    if value is None:
        return None
    if kind in ("list_str", "list_int"):
        return ", ".join(str(v) for v in value) if value else "[]"
    return value


def _row(record: dict, cols: list[Col], extra: dict) -> list:
    out = []
    for col in cols:
        if col.path and col.path[0].startswith("@"):
            out.append(extra.get(col.path[0]))
        elif col.path == ("must_pass",):
            value = record.get("must_pass")
            out.append(value if isinstance(value, bool) else None)
        else:
            out.append(_cell_value(_get(record, col.path), col.kind))
    return out


def document_rows(doc: dict) -> dict[str, list[list]]:
    """The rows (header row first) of every sheet for ``doc``."""
    rows: dict[str, list[list]] = {"edition": [list(HEADER_COLUMNS)]}
    for name, (path, kind) in HEADER_FIELDS.items():
        value = _get(doc, path)
        if value is None:
            continue
        if kind == "text":
            rows["edition"].append([name, None, value.get("th"), value.get("en")])
        else:
            rows["edition"].append([name, _cell_value(value, kind), None, None])
    for sheet, cols in SHEETS.items():
        rows[sheet] = [[c.name for c in cols]]

    def add(sheet, record, **extra):
        rows[sheet].append(_row(record, SHEETS[sheet], {"@" + k: v for k, v in extra.items()}))

    for code, scale in (doc.get("scales") or {}).items():
        add("scales", scale, scale=code)
        for level in scale.get("levels") or ():
            add("scale_levels", level, scale=code)
    for level in doc.get("result", {}).get("levels") or ():
        add("result_levels", level)

    def scoring_children(criterion_code, scoring, variant):
        for value, text in (scoring.get("descriptors") or {}).items():
            add("descriptors", text, criterion=criterion_code, variant=variant, value=int(value))
        for item in scoring.get("items") or ():
            add("checklist_items", item, criterion=criterion_code, variant=variant)
        for band in scoring.get("bands") or ():
            add("bands", band, criterion=criterion_code, variant=variant)

    for section in doc.get("sections") or ():
        add("sections", section)
        for criterion in section.get("criteria") or ():
            code = criterion["code"]
            add("criteria", criterion, section=section["code"])
            scoring_children(code, criterion.get("scoring") or {}, None)
            for item in criterion.get("evidence") or ():
                add("evidence", item, criterion=code, variant=None)
            for number, variant in enumerate(criterion.get("variants") or (), start=1):
                add("variants", variant, criterion=code, variant=number)
                scoring_children(code, variant.get("scoring") or {}, number)
                for item in variant.get("evidence") or ():
                    add("evidence", item, criterion=code, variant=number)
            for link in criterion.get("crosswalk") or ():
                add("crosswalk", link, criterion=code)
    return rows


def write_workbook(doc: dict, target) -> None:
    """Write ``doc`` (a validated edition document) to ``target`` (a path or a binary file)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    readme = workbook.active
    readme.title = README_SHEET
    for row in README_ROWS:
        readme.append(list(row))
    readme.column_dimensions["A"].width = 70
    readme.column_dimensions["B"].width = 70
    readme["A1"].font = readme["B1"].font = Font(bold=True, size=14)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for sheet, rows in document_rows(doc).items():
        ws = workbook.create_sheet(sheet)
        for row in rows:
            ws.append([None] * len(row))
            for index, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=ws.max_row, column=index, value=value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text, never a formula
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for index, name in enumerate(rows[0], start=1):
            letter = ws.cell(row=1, column=index).column_letter
            is_text = name.endswith(("_th", "_en")) or name in ("th", "en")
            ws.column_dimensions[letter].width = 40 if is_text else max(10, len(name) + 2)
            if is_text:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.alignment = wrap
            choices = CHOICES.get((sheet, name))
            if choices:
                validation = DataValidation(type="list", formula1=f'"{choices}"',
                                            allow_blank=True)
                ws.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}1048576")
    workbook.save(target)


# -- Reading --------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, label: str, ctx: Context):
        self.label, self.ctx = label, ctx
        self.columns: dict[str, dict[str, int]] = {}  # sheet → column name → column number

    def loc(self, sheet, row, column=1) -> Loc:
        return Loc(self.label, sheet=sheet, row=row, column=column)

    def report(self, loc: Loc, message: str, **params) -> None:
        self.ctx.report(loc, (), message, **params)

    # Cell values ---------------------------------------------------------------------------
    def scalar(self, value, kind: str, loc: Loc):
        if kind in ("list_str", "list_int"):
            if isinstance(value, str) and value.strip() == "[]":
                return SeqNode([], loc)
            parts = [p.strip() for p in str(value).split(",")] if isinstance(
                value, str) else [value]
            items = [ScalarNode(self.convert(p, "int" if kind == "list_int" else "str"), loc,
                                str(p)) for p in parts if p != ""]
            return SeqNode(items, loc)
        return ScalarNode(self.convert(value, kind), loc, str(value))

    @staticmethod
    def convert(value, kind: str):
        if kind == "str":
            if isinstance(value, bool):
                return value
            if isinstance(value, int):
                return str(value)
            if isinstance(value, float):
                return str(int(value)) if value.is_integer() else repr(value)
            return value.strip() if isinstance(value, str) else value
        if kind in ("int", "num") and isinstance(value, str):
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                pass
            if kind == "num":
                try:
                    return float(text)
                except ValueError:
                    pass
            return value
        if kind == "int" and isinstance(value, float) and value.is_integer():
            return int(value)
        if kind == "bool":
            if isinstance(value, str):
                word = value.strip().lower()
                if word in ("true", "yes", "ใช่", "จริง"):
                    return True
                if word in ("false", "no", "ไม่ใช่", "เท็จ"):
                    return False
            if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
                return bool(value)
        return value

    # Sheets --------------------------------------------------------------------------------
    def rows(self, workbook, sheet: str, cols: list[Col]):
        """(row number, {column name: (value, loc)}) for every non-blank data row."""
        if sheet not in workbook.sheetnames:
            return
        ws = workbook[sheet]
        known = {c.name: c for c in cols}
        header: list[str | None] = []
        flagged: set[int] = set()
        self.columns[sheet] = {}
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            if number == 1:
                for index, name in enumerate(values, start=1):
                    name = str(name).strip() if name is not None else None
                    if name is not None and name not in known:
                        self.report(self.loc(sheet, 1, index),
                                    N_("unknown column %(column)s in sheet %(sheet)s; allowed: "
                                       "%(known)s"), column=name, sheet=sheet,
                                    known=", ".join(known))
                        flagged.add(index)
                        name = None
                    elif name is not None and name in header:
                        self.report(self.loc(sheet, 1, index),
                                    N_("column %(column)s appears twice"), column=name)
                        flagged.add(index)
                        name = None
                    header.append(name)
                    if name is not None:
                        self.columns[sheet][name] = index
                continue
            cells = {}
            for index, value in enumerate(values, start=1):
                if value is None or (isinstance(value, str) and not value.strip()):
                    continue
                name = header[index - 1] if index <= len(header) else None
                if name is None:
                    if index not in flagged:
                        self.report(self.loc(sheet, number, index),
                                    N_("this cell has no column name in row 1"))
                    continue
                cells[name] = (value, self.loc(sheet, number, index))
            if cells:
                yield number, cells

    def record(self, sheet: str, number: int, cells: dict, cols: list[Col]):
        """A MapNode for one row, and the row's ``@`` references (criterion, variant, …)."""
        root = MapNode({}, self.loc(sheet, number))
        refs = {}
        columns = self.columns.get(sheet, {})
        for col in cols:
            # English without Thai: the text's problem belongs in the (empty) Thai cell.
            if col.name.endswith("_th") and col.name not in cells and col.name in columns \
                    and col.name[:-3] + "_en" in cells and len(col.path) > 1:
                self.ensure(root, col.path[:-1], self.loc(sheet, number, columns[col.name]))
        for col in cols:
            if col.name not in cells:
                continue
            value, loc = cells[col.name]
            node = self.scalar(value, col.kind, loc)
            if col.path and col.path[0].startswith("@"):
                refs[col.path[0][1:]] = (node.value, loc)
                continue
            self.put(root, col.path, node, loc)
        return root, refs

    def ensure(self, root: MapNode, path: tuple, loc: Loc) -> None:
        target = root
        for part in path:
            entry = target.items.setdefault(part, (loc, MapNode({}, loc)))
            if not isinstance(entry[1], MapNode):
                return
            target = entry[1]

    def put(self, root: MapNode, path: tuple, node, loc: Loc) -> None:
        target = root
        for part in path[:-1]:
            entry = target.items.get(part)
            if entry is None:
                entry = (loc, MapNode({}, loc))
                target.items[part] = entry
            elif not isinstance(entry[1], MapNode):
                self.report(loc, N_("%(field)s: give one value or the detailed columns, "
                                    "not both"), field=part)
                return
            target = entry[1]
        if path[-1] in target.items:
            self.report(loc, N_("%(field)s: give one value or the detailed columns, not both"),
                        field=path[-1])
            return
        target.items[path[-1]] = (loc, node)

    def header(self, workbook) -> MapNode:
        sheet = "edition"
        root = MapNode({}, self.loc(sheet, 1))
        if sheet not in workbook.sheetnames:
            self.report(self.loc(sheet, 1), N_("the workbook has no sheet %(sheet)s"), sheet=sheet)
            return root
        seen: dict[str, int] = {}
        cols = [Col(name, ()) for name in HEADER_COLUMNS]
        for number, cells in self.rows(workbook, sheet, cols):
            if "field" not in cells:
                self.report(self.loc(sheet, number), N_("the field column (A) is empty"))
                continue
            field_name, field_loc = cells["field"]
            field_name = str(field_name).strip()
            spec = HEADER_FIELDS.get(field_name)
            if spec is None:
                self.report(field_loc, N_("unknown field %(field)s; allowed: %(known)s"),
                            field=field_name, known=", ".join(HEADER_FIELDS))
                continue
            if field_name in seen:
                self.report(field_loc, N_("field %(field)s is given twice (first in row "
                                          "%(row)s)"), field=field_name, row=seen[field_name])
                continue
            seen[field_name] = number
            path, kind = spec
            if kind == "text":
                text = MapNode({}, cells.get("th", (None, self.loc(sheet, number, 3)))[1])
                for lang in ("th", "en"):
                    if lang in cells:
                        value, loc = cells[lang]
                        text.items[lang] = (loc, ScalarNode(self.convert(value, "str"), loc,
                                                            str(value)))
                if text.items:
                    self.put(root, path, text, text.loc)
            elif "value" in cells:
                value, loc = cells["value"]
                self.put(root, path, self.scalar(value, kind, loc), loc)
        return root

    def read(self, workbook) -> MapNode:
        for name in workbook.sheetnames:
            if name not in SHEETS and name not in ("edition", README_SHEET):
                self.report(self.loc(name, 1), N_("unknown sheet %(sheet)s; the sheets are: "
                                                  "%(known)s"), sheet=name,
                            known=", ".join(["edition", *SHEETS]))
        root = self.header(workbook)
        rows = {sheet: [(n, *self.record(sheet, n, cells, cols))
                        for n, cells in self.rows(workbook, sheet, cols)]
                for sheet, cols in SHEETS.items()}
        self.attach_scales(root, rows)
        result = root.items.get("result")
        if result is None:
            result = (self.loc("result_levels", 1), MapNode({}, self.loc("result_levels", 1)))
            root.items["result"] = result
        if rows["result_levels"] and isinstance(result[1], MapNode):
            result[1].items["levels"] = (rows["result_levels"][0][1].loc, SeqNode(
                [record for _, record, _ in rows["result_levels"]],
                rows["result_levels"][0][1].loc))
        self.attach_sections(root, rows)
        return root

    def attach_scales(self, root, rows):
        if not rows["scales"]:
            return
        scales = MapNode({}, rows["scales"][0][1].loc)
        for number, record, refs in rows["scales"]:
            code, loc = refs.get("scale", (None, record.loc))
            if code is None:
                self.report(record.loc, N_("the scale column is empty"))
                continue
            if code in scales.items:
                self.report(loc, N_("scale %(scale)s is defined twice"), scale=code)
                continue
            scales.items[code] = (loc, record)
        for number, record, refs in rows["scale_levels"]:
            code, loc = refs.get("scale", (None, record.loc))
            entry = scales.items.get(code)
            if entry is None:
                self.report(loc, N_("no scale %(scale)s in sheet scales"), scale=code)
                continue
            levels = entry[1].items.setdefault("levels", (loc, SeqNode([], loc)))[1]
            levels.items.append(record)
        root.items["scales"] = (scales.loc, scales)

    def attach_sections(self, root, rows):
        first = rows["sections"][0][1].loc if rows["sections"] else self.loc("sections", 1)
        sections = SeqNode([], first)
        by_code = {}
        for number, record, refs in rows["sections"]:
            sections.items.append(record)
            code = record.items.get("code")
            if code is not None and code[1].value not in by_code:
                by_code[code[1].value] = record
        criteria = {}
        for number, record, refs in rows["criteria"]:
            code, loc = refs.get("section", (None, record.loc))
            section = by_code.get(code)
            if section is None:
                self.report(loc, N_("no section %(code)s in sheet sections"), code=code)
                continue
            section.items.setdefault("criteria", (record.loc, SeqNode([], record.loc)))[1] \
                .items.append(record)
            own = record.items.get("code")
            if own is not None:
                criteria.setdefault(own[1].value, record)
        variants = {}
        for number, record, refs in rows["variants"]:
            criterion = self.criterion(criteria, refs, record)
            if criterion is None:
                continue
            criterion.items.setdefault("variants", (record.loc, SeqNode([], record.loc)))[1] \
                .items.append(record)
            variant_number, loc = refs.get("variant", (None, record.loc))
            key = (refs["criterion"][0], variant_number)
            if variant_number is None:
                self.report(record.loc, N_("the variant column is empty"))
            elif key in variants:
                self.report(loc, N_("variant %(n)s of criterion %(code)s is given twice"),
                            n=variant_number, code=key[0])
            else:
                variants[key] = record
        self.attach_children(rows, criteria, variants)
        root.items["sections"] = (first, sections)

    def criterion(self, criteria, refs, record):
        code, loc = refs.get("criterion", (None, record.loc))
        found = criteria.get(code)
        if found is None:
            self.report(loc, N_("no criterion %(code)s in sheet criteria"), code=code)
        return found

    def owner(self, criteria, variants, refs, record):
        """The criterion, or its variant when the row names one."""
        criterion = self.criterion(criteria, refs, record)
        if criterion is None:
            return None
        if "variant" not in refs:
            return criterion
        number, loc = refs["variant"]
        variant = variants.get((refs["criterion"][0], number))
        if variant is None:
            self.report(loc, N_("criterion %(code)s has no variant %(n)s in sheet variants"),
                        code=refs["criterion"][0], n=number)
        return variant

    def scoring_of(self, owner: MapNode, loc: Loc) -> MapNode | None:
        entry = owner.items.setdefault("scoring", (loc, MapNode({}, loc)))
        return entry[1] if isinstance(entry[1], MapNode) else None

    def attach_children(self, rows, criteria, variants):
        for number, record, refs in rows["descriptors"]:
            owner = self.owner(criteria, variants, refs, record)
            if owner is None:
                continue
            value, loc = refs.get("value", (None, record.loc))
            scoring = self.scoring_of(owner, record.loc)
            if value is None or isinstance(value, bool) or not isinstance(value, int):
                self.report(loc, N_("the value column must hold a level's whole number"))
                continue
            descriptors = scoring.items.setdefault("descriptors",
                                                   (record.loc, MapNode({}, record.loc)))[1]
            if value in descriptors.items:
                self.report(loc, N_("level %(value)s is described twice"), value=value)
                continue
            record.loc = record.items["th"][1].loc if "th" in record.items else loc
            descriptors.items[value] = (loc, record)
        for sheet, key in (("checklist_items", "items"), ("bands", "bands")):
            for number, record, refs in rows[sheet]:
                owner = self.owner(criteria, variants, refs, record)
                if owner is None:
                    continue
                scoring = self.scoring_of(owner, record.loc)
                scoring.items.setdefault(key, (record.loc, SeqNode([], record.loc)))[1] \
                    .items.append(record)
        for sheet, key, owner_of in (("evidence", "evidence", self.owner),
                                     ("crosswalk", "crosswalk", None)):
            for number, record, refs in rows[sheet]:
                owner = (owner_of(criteria, variants, refs, record) if owner_of
                         else self.criterion(criteria, refs, record))
                if owner is None:
                    continue
                owner.items.setdefault(key, (record.loc, SeqNode([], record.loc)))[1] \
                    .items.append(record)


def read_workbook(path, label: str, ctx: Context) -> MapNode | None:
    """The located node tree of a workbook written by ``write_workbook`` (or edited in Excel);
    None, with a problem, if it is not a workbook."""
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable file is one problem, not a crash
        ctx.report(Loc(label), (), N_("not an Excel workbook (.xlsx): %(problem)s"),
                   problem=str(error) or type(error).__name__)
        return None
    try:
        root = _Reader(label, ctx).read(workbook)
    finally:
        workbook.close()
    ctx.locs[()] = root.loc
    return root


def document_from_workbook(path, label: str | None = None):
    """Read and validate a workbook; (document, problems)."""
    from lgo_assess.criteria import schema
    ctx = Context(label or str(Path(path)))
    root = read_workbook(path, ctx.file, ctx)
    if root is None:
        return {}, ctx.problems
    return schema.check_edition(root, ctx), ctx.problems
