"""Adapters at the import paths the arifOS v43 documentation uses."""
