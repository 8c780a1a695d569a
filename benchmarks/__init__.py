"""Benchmarks: whole journeys through the real Application, against a bare echo bot's floor."""
