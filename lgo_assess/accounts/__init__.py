"""Users, their role grants with scopes, and login sessions."""
