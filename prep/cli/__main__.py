"""`python -m prep.cli`, as `python -m prep` and the `prep` command."""

from . import main

main()
