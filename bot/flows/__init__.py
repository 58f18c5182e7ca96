"""Conversations: answering rounds of an instrument."""
