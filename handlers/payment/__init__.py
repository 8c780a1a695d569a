"""Paying for an adoption or an order: Telegram invoices and offline payment."""

from __future__ import annotations

from typing import Any

from telegram.ext import BaseHandler

from bot.notify import Renderer
from handlers.payment import offline, receipts, step


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The payment step's handlers."""
    return [*step.handlers(), *offline.handlers(), *receipts.handlers()]


def renderers() -> dict[str, Renderer]:
    """The buyer's messages about payments: reminders, rejected proofs, late money, receipts."""
    return {**offline.renderers(), **receipts.renderers()}
