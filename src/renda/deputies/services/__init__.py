"""Writes of 代表履职服务: each module in this package holds one topic (roster, activities, archive)."""
