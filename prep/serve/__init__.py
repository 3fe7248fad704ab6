"""`prep serve`: a live preview of one model in the browser.

    watch.py    the files to watch (the model, its prep.toml / pyproject.toml)
    worker.py   the long-lived render process (keeps the last layout and label sizes)
    server.py   the preview (re-render on save) and the local HTTP server

It sits above the embed stage (it serves embed's viewer page) and below the
command line. Needs the `[serve]` extra (watchfiles).
"""
