"""Cycles, assessments, responses, the workflow states and the scoring rules."""
