"""Procurement: purchases, spending categories, exchange rates and price indices."""
