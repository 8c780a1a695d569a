"""How each village is paid offline: its payment methods (QR codes, accounts, the counter)."""
