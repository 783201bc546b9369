"""Notifications: in-app messages for each user, e-mail through an outbox, deadline reminders."""
