"""Pricing alliance: products, price proposals, votes, compliance, joint purchasing.

Declared to the core in feature.py; see README "Code layout" for what goes in each module.
"""
