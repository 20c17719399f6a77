"""Document formats as data: what a region's disclosure contains, in which order, with which wording.

A format is a folder `templates/formats/<id>/` (or one in `DISCLOSURE_FORMATS`) holding `format.yaml`.
`spec.py` is its schema, `loader.py` reads and validates one file with located Chinese messages,
`registry.py` finds the installed formats.
"""
