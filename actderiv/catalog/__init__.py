"""The catalog: TOML text to frozen records (no SymPy), and atomic edits."""
