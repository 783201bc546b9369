"""The main menu. Each domain's views module adds its entries; the menu shows a user only the
entries they may open."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, request, url_for
from flask_login import current_user

from lgo_assess.core.security import Permission


@dataclass(frozen=True)
class NavEntry:
    label: object          # a lazy string
    endpoint: str
    order: int
    permission: Permission | None = None
    needs_login: bool = False


_ENTRIES: dict[str, NavEntry] = {}


def add_nav_entry(label, endpoint: str, *, order: int = 50, permission: Permission | None = None,
                  needs_login: bool = False) -> None:
    _ENTRIES[endpoint] = NavEntry(label, endpoint, order, permission, needs_login)


def visible_entries(user) -> list[NavEntry]:
    entries = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: e.order):
        if entry.permission is not None:
            if not (user.is_authenticated and user.has_permission(entry.permission)):
                continue
        elif entry.needs_login and not user.is_authenticated:
            continue
        entries.append(entry)
    return entries


def register_navigation(app: Flask) -> None:
    @app.context_processor
    def inject_navigation():
        def navigation_items():
            items = []
            for entry in visible_entries(current_user):
                url = url_for(entry.endpoint)
                items.append({"label": entry.label, "url": url,
                              "active": request.path == url or (
                                  url != "/" and request.path.startswith(url))})
            return items
        return {"navigation_items": navigation_items}
