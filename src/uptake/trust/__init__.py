"""Trust and feedback: feedback on AI outputs, incidents, the trust score and label, feedback themes."""
