"""A logging filter that masks phone numbers, addresses and payment details in every record.

The bot's own code never logs user text; this is the safety net for what libraries log (PTB
prints whole updates and API parameters at DEBUG). It replaces, in the message and in the
traceback: the values of fields that hold names, typed text or secrets (first_name, text,
caption, secret_token ...), bot and payment provider tokens, Chinese and Lao phone numbers,
card-like numbers, payment charge ids, Chinese and Lao text (names and addresses are written in
it), and Latin street addresses.
"""

from __future__ import annotations

import logging
import re

MASK = "[redacted]"
_SCRIPT = "\u0e80-\u0eff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"  # Lao, CJK

# Values of fields that hold what people typed or are called, in dict reprs, JSON and PTB's
# `User(first_name='...')` reprs: the whole value goes, whatever it looks like.
_FIELDS = (
    "first_name|last_name|username|phone_number|text|caption|address|recipient|"
    "gift_message|nickname|note|title|description|invoice_payload|params|"
    "token|bot_token|provider_token|secret_token|webhook_secret|data_key|password"
)
FIELD_VALUES = re.compile(
    rf"""(?i)\b((?:{_FIELDS})['"]?\s*[:=]\s*)(['"])(?:\\.|(?!\2).)*\2""", re.DOTALL
)

PATTERNS = [
    # bot tokens, also inside URLs (…/bot123456:AAE…/getMe), and payment provider tokens
    re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"),
    re.compile(r"(?<!\d)\d{5,}:(?:TEST|LIVE):[A-Za-z0-9_=+/-]+"),
    # data keys (Fernet: 32 bytes in URL-safe base64) and the tokens they make
    re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}="),
    re.compile(r"gAAAAA[A-Za-z0-9_=-]{20,}"),
    # charge ids: "telegram_payment_charge_id": "...", provider_charge_id='...'
    re.compile(r"""(?i)(?<=charge_id)(\W{1,4})[^\s"',}]+"""),
    re.compile(r"\b(?:ch|pi|py|tr|txn|pay)_[A-Za-z0-9]{6,}\b"),
    # card-like numbers: 13 to 19 digits, maybe grouped
    re.compile(r"\b\d(?:[ -]?\d){12,18}\b"),
    # China mobile: 1[3-9]x xxxx xxxx, optionally +86
    re.compile(r"(?:\+?86[\s-]?)?\b1[3-9]\d(?:[\s-]?\d){8}\b"),
    # Laos: +856 20 5555 1234, 020 5555 1234, 030 555 1234, 021 212345
    re.compile(r"(?:\+?856[\s-]?0?|\b0)(?:20|30|21)(?:[\s-]?\d){6,8}\b"),
    # any other international number: +country code and at least 7 more digits
    re.compile(r"\+\d(?:[\s-]?\d){7,14}"),
    # Chinese or Lao text, including the \uXXXX escapes JSON logs use for it
    re.compile(rf"[{_SCRIPT}](?:[{_SCRIPT}\d\s,#-]*[{_SCRIPT}\d])?"),
    re.compile(r"(?i)(?:\\u(?:0e[89a-f][0-9a-f]|[34][0-9a-f]{3}|[5-9][0-9a-f]{3}|ff[0-9a-f]{2}))+"),
    # Latin street addresses: "12 Kunming Road", "Unit 5, 88 Setthathirath Rd"
    re.compile(
        r"(?i)\b\d+[a-z]?,?\s+(?:[a-z][\w'.-]*\s+){0,4}"
        r"(?:street|st|road|rd|avenue|ave|lane|ln|alley|way|drive|dr|village|ban|lu|jie|hao)\b"
        r"[^\n\"']*"
    ),
]


def redact(text: str) -> str:
    """The text with names, typed text, phone numbers, addresses and payment details masked."""
    text = FIELD_VALUES.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) + MASK) if m.re.groups else MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks personal data in a record's message and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrites the record in place; never drops it."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging to report
            return True
        masked = redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> RedactingFilter:
    """Adds the filter to every handler of `logger` (default: the root logger)."""
    target = logger or logging.getLogger()
    flt = RedactingFilter()
    for handler in target.handlers:
        handler.addFilter(flt)
    return flt
