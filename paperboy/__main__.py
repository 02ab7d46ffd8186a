"""`python -m paperboy` runs the command line."""

from paperboy.cli import main

main()
