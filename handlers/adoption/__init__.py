"""Adopting a tree: browsing, the adoption dialogue, my trees, certificates, notices."""
