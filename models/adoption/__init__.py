"""Tree adoption: adoptions, harvest shipping, the farmer's trees, personal data, reports."""
