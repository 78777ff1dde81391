"""Renderers: each reads a Result (or a list of them) and returns text or bytes. No scoring here."""
