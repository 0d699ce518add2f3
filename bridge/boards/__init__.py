"""Boards: shot lists, shot durations (seconds, frames, beats, bars) and song analysis.

Plain modules, no Flask and no SQL: the library stores boards (bridge.library.boards_store),
the API parses requests (bridge.api.boards), and `otio_export.assemble` turns a board into a
cut. Everything here is testable without a server.
"""
