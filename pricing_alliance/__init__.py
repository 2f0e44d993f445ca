"""Pricing alliance: products, price proposals, votes, compliance, joint purchasing (not built yet)."""
