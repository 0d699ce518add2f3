"""Executors: one per place a job can run (local device, Ray actor, cloud provider)."""
