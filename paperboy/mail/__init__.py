"""Delivery by email: digest composition, rendering, the send ledger and SMTP.

This package sits below the surfaces that use it (`jobs/`, `web/`, `cli/`) and imports none of
them: the worker, the settings pages and the command line send and preview the same mails.
"""
