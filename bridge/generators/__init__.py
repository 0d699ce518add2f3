"""Generators turn a GenerationRequest into frames. The job engine knows only `base`."""
