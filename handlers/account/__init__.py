"""The user's own account: /start and /help, the language, privacy and data rights."""
