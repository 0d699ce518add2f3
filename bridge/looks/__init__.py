"""Looks: what keeps one world across a film's shots.

`loras` is the shelf of LoRA adapters (records, storage, the one service HTTP and the CLI
call); `lora_check` reads a LoRA file's layers and tells, before any job runs, whether a
model can take it. Applying adapters to a warm pipeline is the generators' business
(`bridge.generators.adapters`); this package imports nothing above the library.
"""
