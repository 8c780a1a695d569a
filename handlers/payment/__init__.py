"""Paying for an adoption or an order: Telegram invoices and offline payment."""
