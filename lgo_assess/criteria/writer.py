"""Write an edition document back as a criteria YAML file (for ``flask criteria export --yaml``:
a workbook edited in Excel becomes a file for the criteria/ folder). Pure."""
from __future__ import annotations

import yaml

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _EditionDumper(_Dumper):
    """Bilingual texts ``{th: …, en: …}`` on one line, everything else in block style."""


def _represent_dict(dumper, data):
    flow = bool(data) and set(data) <= {"th", "en"} or (
        bool(data) and set(data) <= {"standard", "criterion", "framework", "ref"})
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


_EditionDumper.add_representer(dict, _represent_dict)


def dump_yaml(document: dict) -> str:
    header = "# Exported by flask criteria export --yaml; the format is in criteria/README.md.\n"
    return header + yaml.dump(document, Dumper=_EditionDumper, allow_unicode=True,
                              sort_keys=False, width=100, default_flow_style=False)
