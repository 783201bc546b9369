"""Test data in the format of DLA's open-data LGO list ("ชื่อและที่ตั้งองค์กรปกครองส่วนท้องถิ่น").

Built from the shared DOPA geography and the synthetic registry (``registry.synthesis``), so every
place name is real and every LGO plausible. What the real file is known to do, this file does
too: one row per LGO × area (a PAO repeats once per subdistrict of its province; a lower-tier
LGO repeats once per village of the subdistricts it covers, which is how about 7,800 LGOs make
about 82,600 rows), no Bangkok, no English, places by Thai name only, area and coordinates empty
for about a third of LGOs, website cells with a literal comma or escaped quotes (RFC 4180), CRLF
line ends. It is written in UTF-8, UTF-8 with a BOM or Windows-874.
"""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from lgo_assess.registry.lgo_csv import HEADER
from lgo_assess.registry.reference import Geography
from lgo_assess.registry.synthesis import synthesize

TYPE_LABEL = {"pao": "อบจ.", "city_municipality": "เทศบาลนคร", "town_municipality": "เทศบาลเมือง",
              "subdistrict_municipality": "เทศบาลตำบล", "sao": "อบต.",
              "pattaya": "ท้องถิ่นรูปแบบพิเศษ"}


@dataclass
class DlaFile:
    rows: list[list[str]]
    lgos: int
    by_type: Counter
    with_coordinates: int
    codes: list[str]
    subdistrict_links: int

    def lines(self) -> list[str]:
        """The data rows as they will read in the file (line 2 onwards)."""
        return [",".join(row) for row in self.rows]

    def to_bytes(self, encoding: str = "utf-8") -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(self.rows)
        return buffer.getvalue().encode(encoding)

    def write(self, path: Path, encoding: str = "utf-8") -> Path:
        path.write_bytes(self.to_bytes(encoding))
        return path


def dla_file(geography: Geography, *, seed: int = 0, provinces: set[str] | None = None,
             villages: tuple[int, int] = (5, 14)) -> DlaFile:
    """A DLA-format file for the synthetic registry of ``seed`` (all provinces but Bangkok, or
    only ``provinces``). ``villages``: rows per subdistrict for a lower-tier LGO."""
    rng = random.Random(seed)
    province_names = {p.code: p.name_th for p in geography.provinces}
    district_names = {d.code: d.name_th for d in geography.districts}
    subdistricts = {s.code: s for s in geography.subdistricts}
    rows: list[tuple] = []
    by_type: Counter = Counter()
    with_coordinates = 0
    codes = []
    links = 0
    for lgo in synthesize(geography, seed):
        if lgo.lgo_type == "bangkok" or (provinces and lgo.province_code not in provinces):
            continue
        codes.append(lgo.code)
        by_type[lgo.lgo_type] += 1
        links += len(lgo.subdistrict_codes)
        has_place = rng.random() < 0.65
        with_coordinates += has_place
        address = rng.choice(["", str(rng.randint(1, 999)), f"{rng.randint(1, 999)}/{rng.randint(1, 9)}",
                              f"{rng.randint(1, 99)}, ถนนสายหลัก"])
        moo = str(rng.randint(1, 15)) if rng.random() < 0.7 else ""
        website = rng.choice([
            f"www.{lgo.code}.go.th", f"http://www.lgo{lgo.code}.go.th/", "",
            f"www,lgo{lgo.code}.go.th",                      # a literal comma, as in the real file
            f'http://www.lgo{lgo.code}.go.th/"index"',       # escaped quotes
        ])
        area = f"{rng.uniform(5, 400):.2f}" if has_place else ""
        lat = f"{rng.uniform(6.0, 20.0):.6f}" if has_place else ""
        lon = f"{rng.uniform(98.0, 105.0):.6f}" if has_place else ""
        postal = lgo.postal_code or ""
        repeat = 1 if lgo.lgo_type == "pao" else None
        for code in lgo.subdistrict_codes:
            s = subdistricts[code]
            for _ in range(repeat or rng.randint(*villages)):
                rows.append((lgo.province_code, s.district_code, s.code, lgo.code, [
                    province_names[lgo.province_code], district_names[s.district_code],
                    s.name_th, lgo.code, TYPE_LABEL[lgo.lgo_type], lgo.name_th, address, moo,
                    postal, area, lat, lon, website]))
    rows.sort(key=lambda r: r[:4])
    return DlaFile([r[4] for r in rows], len(codes), by_type, with_coordinates, codes, links)


def write_geography(directory: Path, source: Path, provinces: set[str]) -> Path:
    """A copy of DOPA's geography JSON files in ``source`` holding only ``provinces``: a small,
    real geography that imports in a blink."""
    import json
    directory.mkdir(parents=True, exist_ok=True)
    for name, key in (("provinces", "provinceCode"), ("districts", "provinceCode"),
                      ("subdistricts", "provinceCode")):
        items = json.loads((source / f"{name}.json").read_text(encoding="utf-8"))
        kept = [item for item in items if f"{item[key]:02d}" in provinces]
        (directory / f"{name}.json").write_text(json.dumps(kept, ensure_ascii=False),
                                                encoding="utf-8")
    return directory
