"""`disclosure serve`: the web application over the same pipeline as the CLI.

Departments upload workbooks and download their documents in a browser; the finance
bureau sees every department. Routes are thin: business rules live in plain modules
(generator/headline.py, generator/web/rules.py), storage in db.py and store.py, work
that touches uploaded files runs in separate processes (jobs.py).
"""
