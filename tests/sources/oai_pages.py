"""A one-record arXivRaw ListRecords page, written to order: its header datestamp and the
dates of its versions are what the announcement day is read from."""

from __future__ import annotations

PAPER = "2611.00150"


def raw_page(datestamp: str | None, *version_dates: str, title: str = "Dialect Identification"
             ) -> bytes:
    """`version_dates` are v1's, v2's ... ('Mon, 23 Nov 2026 20:10:00 GMT'); a None datestamp
    leaves the element out."""
    stamp = f"<datestamp>{datestamp}</datestamp>" if datestamp is not None else ""
    versions = "".join(f'<version version="v{n}"><date>{when}</date><size>1kb</size></version>'
                       for n, when in enumerate(version_dates, start=1))
    return (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords><record><header>'
        f"<identifier>oai:arXiv.org:{PAPER}</identifier>{stamp}<setSpec>cs</setSpec></header>"
        '<metadata><arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">'
        f"<id>{PAPER}</id>{versions}<title>{title}</title><authors>Rosa Ferreira</authors>"
        "<categories>cs.CL</categories><abstract>Twelve seconds of speech.</abstract>"
        "</arXivRaw></metadata></record></ListRecords></OAI-PMH>"
    ).encode()
