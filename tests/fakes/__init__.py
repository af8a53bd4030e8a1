"""Loopback servers that speak each provider's wire protocol, with fault injection."""
