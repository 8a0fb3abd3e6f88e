"""Jupyter integration: magics and widgets. The only package that imports IPython and ipywidgets."""
