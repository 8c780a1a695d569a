"""Shared pieces for every journey: screens, the dialogue guard, fallbacks, roles, users."""
