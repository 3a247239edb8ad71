"""Shopdesk web front: the demo shop page and the chat relay to the Rasa server."""
