"""Paperboy: a self-hostable daily papers hub."""

__version__ = "0.1.0"
