"""Boards: the board concept in one package, no Flask.

- records: Board, Shot, Duration, GridAdjust, Chain (typed, JSON round-trip, checked reads)
- store: every SQL statement about boards, shots, songs and chains
- mirror: each board's JSON file beside the database
- layout: where each shot sits in the cut, and the take plan that covers it
- service: BoardService, the one entry point of the HTTP handlers and `promptcut board`:
  transactions, the mirror, generate, assemble, chains, start-up
- chains: chains of takes for shots longer than one take, and their follower thread
- shotlist, cells: shot lists in and out; durations, grid, song, songs: time and music
"""
