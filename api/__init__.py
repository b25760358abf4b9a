"""The HTTP service: a thin FastAPI layer over the analyzer library (see docs/api.md)."""
