"""Sphinx extension entry point: `extensions = ["prep.sphinx_ext"]` in conf.py.
The directive lives in `prep.embed.sphinx_ext`; this is the name users
configure, so it stays."""

from .embed.sphinx_ext import PrepDirective, setup  # noqa: F401
