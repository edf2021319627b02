"""Formula text and SymPy: the allow-listed grammar, the parser, and back to text."""
