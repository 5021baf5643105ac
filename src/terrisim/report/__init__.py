"""Reports from sweep results: figures (PNG), tables (CSV), one self-contained HTML file and a
short terminal table.  Nothing heavy is imported at module level (``terrisim --help`` imports
the command module)."""
