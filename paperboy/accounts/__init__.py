"""Accounts below the surfaces: rules for names, emails and passwords; hashing; sign-up and
sign-in; API tokens. The web pages and the CLI both call these; neither hashes by itself."""
