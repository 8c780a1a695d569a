"""Paying for an adoption or an order: Telegram invoices and offline payment."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from handlers.payment import step


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The payment step's handlers."""
    return step.handlers()
