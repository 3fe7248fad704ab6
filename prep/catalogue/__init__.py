"""The deliverable catalogue: a model as the tables a client keeps in
Excel, and those tables back into a model (docs/catalogue.md).

    export.py    Model + findings -> XLSX workbook / CSV files
    importer.py  XLSX workbook / CSV files -> .prep text
    columns.py   the tables and their columns, in English and Japanese
    cells.py     one cell's text, both ways (lists, quotes, formulas)

A stage after the renderer (it colours rows with the diagrams' health
colours) and before embed (a report may include the catalogue).
"""
