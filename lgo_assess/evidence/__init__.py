"""Evidence: each LGO's library of files and links for a fiscal year, stored once by content."""
