"""The program's own package (Python 3 and 2 alike)."""
