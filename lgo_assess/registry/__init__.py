"""The LGO registry: regions, provinces, districts, subdistricts and the LGOs themselves."""
