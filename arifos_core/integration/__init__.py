"""Documented integration import paths (kept stable across releases)."""
