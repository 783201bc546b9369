"""Uploaded files go straight to the evidence store's ``tmp/``, hashed as they arrive.

Werkzeug's form parser writes each uploaded file to a temporary file of its own (``/tmp``);
staging it in the store then read it back, hashed it and wrote it a second time. With
``SpoolingRequest`` as the app's request class the parser writes into a ``HashingSpool`` in the
store's own ``tmp/`` instead, so staging takes the file over with an fsync: one write of each
uploaded byte, one pass of the hash, a rename to the content address. Files that are not
staged (a CSV import, a refused form) are read as before and removed when the request ends.
"""
from __future__ import annotations

from flask import Request, current_app

from lgo_assess.evidence.storage import BlobStore


class SpoolingRequest(Request):
    def _get_file_stream(self, total_content_length, content_type, filename=None,
                         content_length=None):
        return BlobStore(current_app.config["EVIDENCE_DIR"]).spool()


def install(app) -> None:
    """Make ``SpoolingRequest`` the app's request class (keeping a custom one if set)."""
    if app.request_class is Request:
        app.request_class = SpoolingRequest
