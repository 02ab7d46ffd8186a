"""Fetchers: the only code that talks to remote sources.

They fetch bytes politely (`http.HttpClient`), hand them to the pure parsers in
`paperboy.sources`, and write what those yield through `paperboy.ingest`.
"""

from paperboy.fetchers.http import HttpClient

__all__ = ["HttpClient"]
