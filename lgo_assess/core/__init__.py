"""Plumbing shared by every domain package: database base, errors, i18n, security, audit log."""
