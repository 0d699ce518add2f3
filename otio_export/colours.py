"""Marker colours as Premiere writes them in FCP7 XML (`<pproColor>`), shared by the builder,
the FCP7 writer's fixes and the importer."""

from __future__ import annotations

# Premiere's marker colours as the ABGR integers it writes in <pproColor>. Premiere has no
# purple, magenta or black marker: those are written as its nearest colour (and said so).
PPRO_COLOURS = {"RED": 4281740498, "PINK": 4289825711, "ORANGE": 4280578025,
                "YELLOW": 4281049552, "WHITE": 4294967295, "BLUE": 4294741314,
                "CYAN": 4292277273, "GREEN": 4281828977}
NEAREST = {"PURPLE": "PINK", "MAGENTA": "PINK", "BLACK": "WHITE"}
COLOUR_OF_PPRO = {str(v): k for k, v in PPRO_COLOURS.items()}


def colour_hint(colour: str) -> dict[str, str]:
    colour = NEAREST.get(colour, colour)
    return {"pproColor": str(PPRO_COLOURS[colour])} if colour in PPRO_COLOURS else {}
