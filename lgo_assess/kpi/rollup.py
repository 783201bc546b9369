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
    denominator = sum(n for (province_id, lgo_type), n in cells.population.items()
                      if lgo_type in spec.lgo_types
                      and scope.holds(places.get(province_id), lgo_type))
    numerator = 0
    for (province_id, lgo_type, standard), by_level in cells.certified.items():
        if standard != spec.standard or lgo_type not in spec.lgo_types:
            continue
        if scope.holds(places.get(province_id), lgo_type):
            numerator += sum(n for position, n in by_level.items() if position >= spec.threshold)
    return Figure(numerator, denominator, spec.share)


def scopes_present(cells: Cells, places: dict[int, Place], kind: str) -> list[Scope]:
    """The scopes of one kind that hold at least one active LGO, sorted by code."""
    codes = set()
    for province_id, lgo_type in cells.population:
        place = places.get(province_id)
        if kind == "type":
            codes.add(lgo_type)
        elif place is not None:
            code = {"admin4": place.admin4, "geo6": place.geo6,
                    "province": place.province_code}[kind]
            if code:
                codes.add(code)
    return [Scope(kind, code) for code in sorted(codes)]


def target_met(value: float | None, target: float | None, direction: str) -> bool | None:
    if value is None or target is None:
        return None
    return value >= target if direction == "up" else value <= target
