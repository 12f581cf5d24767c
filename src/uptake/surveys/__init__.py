"""Surveys: readiness assessments per team and pulse surveys, anonymous by default, behind the privacy floor."""
