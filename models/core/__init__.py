"""The bot's own records: users, updates, dialogue state, outbox, roles, contacts, payments."""
