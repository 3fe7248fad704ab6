"""The layout stage: a model (or a view of it) in, geometry out."""
