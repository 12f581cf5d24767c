"""Governance: the risk questionnaire, reviews, decisions, controls, frameworks and evidence."""
