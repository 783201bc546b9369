"""The JSON API under ``/api/v1``: personal API tokens, scoped reads of the registry, criteria,
cycles, assessments and certificates, the LGO's answers and evidence links, assessors' scores,
and an OpenAPI 3.1 document generated from the operations' own declarations."""
