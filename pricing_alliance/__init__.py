"""Pricing alliance: products, price proposals, votes, compliance, joint purchasing (not built yet).

Declared to the core in feature.py; see README "Code layout" for what goes in each module.
"""
