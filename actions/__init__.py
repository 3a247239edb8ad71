"""Shopdesk custom actions (Rasa SDK): thin adapters from the conversation to the back office."""
