"""Renderers: pure functions from records to text (json) or Rich renderables (terminal)."""
