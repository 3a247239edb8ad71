"""Shopdesk back office: store database, policies, knowledge base and identity (no Rasa imports)."""
