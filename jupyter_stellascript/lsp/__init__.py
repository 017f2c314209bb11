"""Editing scripts with real language servers (through jupyter-lsp) and formatters."""
