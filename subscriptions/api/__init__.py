"""The JSON API for providers' services: entitlement and pay-as-you-go usage (DESIGN §6, R-G1)."""
