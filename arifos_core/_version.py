__version__ = "43.0.0a1"
