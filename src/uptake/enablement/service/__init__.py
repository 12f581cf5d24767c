"""Enablement's decisions, one module per noun:

- ``modules``: training modules (authored or imported from source), their images, what a learner sees;
- ``quizzes``: attempts scored against the pass mark, and resets;
- ``completions``: modules completed, one by one or in bulk, and whether a completion still counts;
- ``progress``: where a person stands on what their role and their use cases require;
- ``literacy``: the AI-literacy record of a person and its coverage per team;
- ``learning_paths``: ordered modules for a job role;
- ``champions``: people nominated for a team or a use case.

Another domain imports the module it needs under its name, e.g.
``from uptake.enablement.service import progress as progress_service``.
"""
