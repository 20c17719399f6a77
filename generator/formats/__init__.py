"""Document formats as data: what a region's disclosure contains, in which order, with which wording.

A format is a folder `templates/formats/<id>/` (or one in `DISCLOSURE_FORMATS`) holding `format.yaml` and
its section templates (`sections/`). `spec.py` is its schema, `loader.py` reads and validates one file with
located Chinese messages, `registry.py` finds the installed formats, `text.py` loads the sandboxed,
arithmetic-free section templates that word the computed figures.
"""
