"""The symbolic work: derivatives, readable and self-referential forms, proofs, kinks,
properties, verification."""
