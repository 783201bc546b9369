"""KPI pure modules: roll-up by scope, SVG charts, exports."""
import io
import xml.etree.ElementTree as ET

from openpyxl import load_workbook

from lgo_assess.kpi import charts, export, rollup
from lgo_assess.kpi.rollup import Cells, Place, Scope, Spec

SVG = "{http://www.w3.org/2000/svg}"


def _cells() -> tuple[Cells, dict]:
    places = {1: Place(1, "10", "central", "central"), 2: Place(2, "50", "north", "north"),
              3: Place(3, "40", "northeast", "northeast")}
    cells = Cells()
    cells.population.update({(1, "sao"): 10, (1, "pao"): 1, (2, "sao"): 5, (3, "sao"): 4})
    cells.certified[(1, "sao", "GGL")].update({1: 3, 2: 2})
    cells.certified[(2, "sao", "GGL")].update({3: 1})
    cells.certified[(1, "pao", "GGL")].update({1: 1})
    cells.certified[(3, "sao", "SEP")].update({1: 4})
    return cells, places


def test_figures_by_scope_and_threshold():
    cells, places = _cells()
    share = Spec("K", True, "GGL", frozenset({"sao", "pao"}))
    good = Spec("K", False, "GGL", frozenset({"sao"}), threshold=2)
    assert rollup.figure(cells, places, share, Scope("nation")).value == 100 * 7 / 20
    assert rollup.figure(cells, places, good, Scope("nation")).value == 3.0
    assert rollup.figure(cells, places, share, Scope("province", "50")).numerator == 1
    assert rollup.figure(cells, places, share, Scope("type", "pao")).value == 100.0
    empty = rollup.figure(cells, places, share, Scope("geo6", "south"))
    assert (empty.numerator, empty.denominator, empty.value) == (0, 0, None)


def test_split_sums_each_scope_like_filtering_does():
    cells, places = _cells()
    spec = Spec("K", True, "GGL", frozenset({"sao", "pao"}), threshold=1)
    for kind in ("admin4", "geo6", "province", "type"):
        for code, part in rollup.split(cells, places, kind).items():
            direct = rollup.figure(cells, places, spec, Scope(kind, code))
            split = rollup.figure(part, {}, spec, Scope("nation"))
            assert (direct.numerator, direct.denominator) == (split.numerator,
                                                              split.denominator), (kind, code)


def test_scope_keys_parse_and_refuse_nonsense():
    assert Scope.parse(None).key == "nation"
    assert Scope.parse("admin4:north") == Scope("admin4", "north")
    for bad in ("region:x", "province:", "nation:x"):
        try:
            Scope.parse(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_target_met_follows_the_direction():
    assert rollup.target_met(50, 40, "up") and not rollup.target_met(50, 40, "down")
    assert rollup.target_met(None, 40, "up") is None and rollup.target_met(5, None, "up") is None


def test_bar_chart_is_accessible_svg_with_every_value_in_words():
    svg = charts.bar_chart("c1", "ผลการดำเนินงาน <ปี>", [
        charts.Bar("ภาคเหนือ", 40.0, 50.0, "/kpi/K/lgos?scope=geo6:north&fy=2569"),
        charts.Bar("ภาคใต้", None)], target_label="เป้าหมาย")
    root = ET.fromstring(str(svg))
    # a bar links to the drill-down: a group, since an image would hide its links
    assert root.get("role") == "group" and root.get("aria-labelledby") == "c1-title c1-desc"
    link = root.find(f"{SVG}a")
    assert link.get("aria-label") == "ภาคเหนือ: 40.0%"
    assert root.find(f"{SVG}title").text == "ผลการดำเนินงาน <ปี>"
    desc = root.find(f"{SVG}desc").text
    assert "ภาคเหนือ: 40.0%" in desc and "เป้าหมาย 50.0%" in desc and "ภาคใต้: –" in desc
    assert root.find(f"{SVG}a").get("href").endswith("&fy=2569")
    assert "style=" not in str(svg) and "<script" not in str(svg)


def test_line_chart_breaks_at_unknown_years():
    svg = str(charts.line_chart("t", "trend", [charts.Point("2561", None),
                                               charts.Point("2562", 10.0, 20.0),
                                               charts.Point("2563", 30.0, 30.0),
                                               charts.Point("2564", None, 40.0)]))
    ET.fromstring(svg)
    assert svg.count('class="chart-line"') == 1 and svg.count('class="chart-dot"') == 2
    assert svg.count('class="chart-target-line"') == 1


def test_exports_escape_formulas_keep_thai_and_numbers():
    table = export.Table("t", "ตาราง", ["ชื่อ", "ค่า"],
                         [["=SUM(A1)", 1.5], ["+66 2", -3], ["@x", None], ["อบต.บ้านปี่", 2]])
    text = b"".join(export.csv_stream(table)).decode("utf-8")
    assert text.startswith("\ufeff") and "'=SUM(A1)" in text and "'+66 2" in text
    assert "'@x" in text and "อบต.บ้านปี่" in text and ",-3\r\n" in text
    sheet = load_workbook(io.BytesIO(b"".join(export.xlsx_stream([table])))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "ตาราง" and rows[2] == ("'=SUM(A1)", 1.5) and rows[3][1] == -3
