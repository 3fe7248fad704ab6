"""Python-Markdown / MkDocs extension entry point: `extensions=["prep.markdown_ext"]`.
The extension lives in `prep.embed.markdown_ext`; this is the name users
configure, so it stays."""

from .embed.markdown_ext import PrepExtension, makeExtension, superfences_format  # noqa: F401
