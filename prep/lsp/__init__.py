"""`prep lsp`: editor support over the Language Server Protocol.

    analysis.py  one document: tolerant parse, model, lint findings, names
                 and their places, hover, rename, completion, quick fixes
                 (pure: no protocol, testable alone)
    server.py    the pygls server: LSP messages to and from analysis.py

This package sits after `embed` in the pipeline order: it is a front end
(like the CLI) that uses the language, the linter and the formatter, and
nothing imports it but the CLI. pygls and lsprotocol come with the `lsp`
extra and are imported only by server.py.
"""
