"""Review: screening, assessor teams under conflict-of-interest rules, independent scoring and
consensus, evidence requests, site visits, the recommendation to DLA and assessor calibration."""
