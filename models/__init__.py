"""SQLModel tables and the domain operations on them; the only code that writes the database.

One package per domain: core/ (users, updates, state, outbox, roles, payments), catalog/ (places,
trees, import, samples), adoption/, shop/, reporting/; privacy.py holds consent and the registry of
personal-data providers. Importing a module imports only what it needs; `models.tables` imports
them all, which registers every table on `SQLModel.metadata`.
"""
