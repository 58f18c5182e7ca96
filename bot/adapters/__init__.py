"""Adapters turn platform events into neutral events and neutral replies into platform messages."""
