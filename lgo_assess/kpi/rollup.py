"""Rolling KPI counts up to any scope. Pure: no Flask, no database.

The database hands over **cells**: counts per (province, LGO type) of active LGOs (the
denominators) and of those holding a valid certificate of a standard, by level position (the
numerators). A scope (nation, a region of either scheme, a province, an LGO type) is a set of
cells, so every figure on a dashboard is a sum over at most a few hundred cells, whatever the
number of LGOs.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

NATION = "nation"
SCOPE_KINDS = ("nation", "admin4", "geo6", "province", "type")


@dataclass(frozen=True)
class Place:
    """Where a province sits: its code and its region in each scheme."""

    province_id: int
    province_code: str
    admin4: str | None
    geo6: str | None


@dataclass(frozen=True)
class Scope:
    kind: str            # nation | admin4 | geo6 | province | type
    code: str = ""

    @classmethod
    def parse(cls, key: str | None) -> "Scope":
        """``nation``, ``admin4:central``, ``geo6:north``, ``province:10``, ``type:sao``."""
        key = (key or NATION).strip()
        if key == NATION:
            return cls(NATION)
        kind, _, code = key.partition(":")
        if kind not in SCOPE_KINDS or kind == NATION or not code:
            raise ValueError(f"unknown scope {key!r}")
        return cls(kind, code)

    @property
    def key(self) -> str:
        return NATION if self.kind == NATION else f"{self.kind}:{self.code}"

    def holds(self, place: Place | None, lgo_type: str) -> bool:
        if self.kind == NATION:
            return True
        if self.kind == "type":
            return lgo_type == self.code
        if place is None:
            return False
        return {"admin4": place.admin4, "geo6": place.geo6,
                "province": place.province_code}[self.kind] == self.code


@dataclass(frozen=True)
class Spec:
    """What a computed KPI counts: ``share`` (percent) or ``count`` of LGOs of
    ``lgo_types`` holding ``standard`` at level position ``threshold`` or above."""

    kpi_id: str
    share: bool
    standard: str
    lgo_types: frozenset[str]
    threshold: int = 1


@dataclass
class Cells:
    """Counts for one fiscal year, by (province id, LGO type)."""

    population: dict[tuple[int, str], int] = field(default_factory=dict)
    # (province id, LGO type, standard) → {level position: LGOs}
    certified: dict[tuple[int, str, str], dict[int, int]] = field(
        default_factory=lambda: defaultdict(dict))


@dataclass(frozen=True)
class Figure:
    numerator: int
    denominator: int
    share: bool

    @property
    def value(self) -> float | None:
        if not self.share:
            return float(self.numerator)
        return 100.0 * self.numerator / self.denominator if self.denominator else None


def figure(cells: Cells, places: dict[int, Place], spec: Spec, scope: Scope) -> Figure:
    everywhere = scope.kind == NATION
    denominator = sum(n for (province_id, lgo_type), n in cells.population.items()
                      if lgo_type in spec.lgo_types
                      and (everywhere or scope.holds(places.get(province_id), lgo_type)))
    numerator = 0
    for (province_id, lgo_type, standard), by_level in cells.certified.items():
        if standard != spec.standard or lgo_type not in spec.lgo_types:
            continue
        if everywhere or scope.holds(places.get(province_id), lgo_type):
            numerator += sum(n for position, n in by_level.items() if position >= spec.threshold)
    return Figure(numerator, denominator, spec.share)


def split(cells: Cells, places: dict[int, Place], kind: str) -> dict[str, Cells]:
    """The cells summed per scope of one kind, in one pass (each scope's figures then sum a few
    cells instead of all of them). Keys of the returned cells use province 0."""
    if kind in ("admin4", "geo6", "province"):
        attribute = "province_code" if kind == "province" else kind
        code_of = {pid: getattr(place, attribute) for pid, place in places.items()}
    out: dict[str, Cells] = {}

    def bucket(province_id: int, lgo_type: str) -> Cells | None:
        code = "" if kind == NATION else lgo_type if kind == "type" else \
            code_of.get(province_id)
        if code is None:
            return None
        found = out.get(code)
        if found is None:
            found = out[code] = Cells()
        return found

    for (province_id, lgo_type), n in cells.population.items():
        target = bucket(province_id, lgo_type)
        if target is not None:
            key = (0, lgo_type)
            target.population[key] = target.population.get(key, 0) + n
    for (province_id, lgo_type, standard), by_level in cells.certified.items():
        target = bucket(province_id, lgo_type)
        if target is None:
            continue
        levels = target.certified[(0, lgo_type, standard)]
        for position, n in by_level.items():
            levels[position] = levels.get(position, 0) + n
    return out


def target_met(value: float | None, target: float | None, direction: str) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if direction == "up" else value <= target
