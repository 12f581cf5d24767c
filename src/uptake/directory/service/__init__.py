"""The directory's decisions, one module per noun:

- ``people``: people of one workspace, one at a time or in bulk;
- ``teams``: the team tree, its leads and head counts;
- ``job_roles``: job roles and how many hold each;
- ``visibility``: who may see whom (the API's view, the pages' browsing scope);
- ``people_uploads``: a confirmed upload of people, imported at once or by the worker.

SCIM (``directory/scim.py``) and the people import (``directory/people_import.py``) live beside this package.
Another domain imports the module it needs under its name, e.g.
``from uptake.directory.service import people as people_service``.
"""
