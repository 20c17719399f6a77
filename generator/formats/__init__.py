"""Formats: the data that makes one region's document (its sentences live in text.py)."""
