"""Promptcut's local service: generation jobs, the take library, events and security."""

__version__ = "0.1.0"
