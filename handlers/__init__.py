"""Telegram-facing code, one module per user journey; `bot.app` wires them in order."""
