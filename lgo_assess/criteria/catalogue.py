"""The KPI catalogue of the plan (criteria/kpis/*.yaml) as typed, immutable objects. Pure."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from lgo_assess.criteria.edition import Text


@dataclass(frozen=True)
class KpiFormula:
    type: str                          # share_certified | count_certified
    standard: str                      # a standard code
    population_lgo_types: frozenset[str]
    min_result_level: str | None = None  # None: the standard's lowest result level


@dataclass(frozen=True)
class Kpi:
    id: str
    strategic_issue: str
    goal: str
    name: Text
    kind: str
    unit: str
    direction: str
    source: str                        # computed | manual
    plan_line: int
    formula: KpiFormula | None = None
    note: Text | None = None

    @property
    def is_computed(self) -> bool:
        return self.source == "computed"


@dataclass(frozen=True)
class KpiCatalogue:
    plan_code: str
    plan_name: Text
    first_fiscal_year: int
    last_fiscal_year: int
    kpis: tuple[Kpi, ...]

    def kpi(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpis if k.id == kpi_id), None)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(k.id for k in self.kpis)

    @classmethod
    def from_document(cls, doc: Mapping) -> KpiCatalogue:
        plan = doc["plan"]
        kpis = []
        for k in doc["kpis"]:
            formula = k.get("formula")
            kpis.append(Kpi(
                k["id"], k["strategic_issue"], k["goal"], Text.from_doc(k["name"]), k["kind"],
                k["unit"], k["direction"], k["source"], k["plan_line"],
                KpiFormula(formula["type"], formula["standard"],
                           frozenset(formula["population"]["lgo_types"]),
                           formula.get("min_result_level")) if formula else None,
                Text.from_doc(k.get("note"))))
        return cls(plan["code"], Text.from_doc(plan["name"]), plan["fiscal_years"]["from"],
                   plan["fiscal_years"]["to"], tuple(kpis))
