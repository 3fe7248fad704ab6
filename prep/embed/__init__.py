"""The embedding stage: prep pictures inside other documents.

    markdown_fences.py  ```prep blocks of a Markdown file -> SVG files (`prep md`)
    markdown_ext.py     the same inside Python-Markdown / MkDocs
    sphinx_ext.py       the `.. prep::` Sphinx directive
    report.py           the one-page HTML/Markdown report (`prep report`)
    rule_docs.py        docs/rules/: one page per lint rule, with pictures
"""
