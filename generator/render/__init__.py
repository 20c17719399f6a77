"""Stage 5: the computed disclosure → DOCX and PDF. Renderers only lay out the model."""
