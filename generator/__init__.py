"""部门预算公开 generator: workbook → validated inputs → computed disclosure → DOCX/PDF."""

__version__ = "0.1.0"
