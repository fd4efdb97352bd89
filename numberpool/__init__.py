"""The number inventory: pools of mobile numbers, lucky tiers, search, holds."""
