"""Who is asking and what they may do: the roles and API-key scopes (`roles`) and the caller (`principal`).

Core, below every domain: each domain's routes check role and workspace with these, so they cannot live in
`auth` (which reads the directory to log people in).
"""
