"""Criteria: the standards LGOs assess themselves against, as versioned data files.

Pure modules (no Flask): ``validation`` (located nodes, closed-schema validators, problems),
``schema`` (the file format of criteria/README.md as code), ``loader`` (files → checked
documents → typed objects, every problem at once), ``edition`` and ``catalogue`` (immutable
dataclasses), ``xlsx`` and ``writer`` (workbook and YAML out, workbook in), ``diff`` (two
editions compared), ``pdf`` (an edition as an A4 book), ``labels``.
The app side: ``models``, ``services`` (import, publish, retire), ``queries``, ``policies``,
``views`` (the public browser at /criteria) and ``cli`` (``flask criteria …``).
"""
