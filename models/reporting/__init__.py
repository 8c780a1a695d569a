"""The operator's numbers: aggregate statistics and CSV exports."""
