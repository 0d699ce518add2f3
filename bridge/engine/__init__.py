"""The job engine: requests, the queue and its states, the worker, events, the library lock."""
