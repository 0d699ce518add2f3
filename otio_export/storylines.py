"""FCPXML storyline items OTIO's fcpx_xml reader does not read, rewritten into ones it does.

The reader knows asset-clips, clips and compound clips (ref-clip) and takes every one it
finds below the project's sequence: a title vanished (the docs promise a placeholder), an
audition put its alternates into the timeline too (moving every later clip), multicam and
sync clips vanished with their markers. Before the reader sees the tree (its times already
whole frames, see `read_fcpx`), each of these becomes what Final Cut shows:

- a title, and a generator (a solid: a clip whose video names an <effect>): a placeholder
  clip of its name (media missing);
- an audition: its active pick (the first clip in it), the alternates left out;
- a sync clip, a multicam clip (its active video angle) and, with `compound="content"`, a
  compound clip: the clips of its primary storyline that fall in its range, placed where it
  was, its markers moved onto them;
- with `compound="placeholder"`: multicam and sync clips become one placeholder clip of
  their name each, keeping their markers; compound clips stay nested sequences, which the
  importer keeps as placeholders.

Each kind is counted in one warning. Written by hand because no library reads FCPXML's
storyline forms; Final Cut's DTD is the reference for the shapes.
"""

from __future__ import annotations

import copy
from xml.etree import ElementTree

from otio_export.errors import TimelineError
from otio_export.safety import MAX_ITEMS

STORY = {"asset-clip", "clip", "gap", "title", "ref-clip", "sync-clip", "mc-clip",
         "audition", "video", "audio"}
_REWRITTEN = ("title", "audition", "sync-clip", "mc-clip", "ref-clip")
MAX_PASSES = 16  # compound clips inside compound clips; deeper (or a loop) becomes a gap
PLACEHOLDER = "promptcut-placeholder"
MAX_MADE = 4 * MAX_ITEMS  # elements made by opening compound clips (items and their parts)


class _Rewriter:
    def __init__(self, root: ElementTree.Element, compound: str, fmt: str | None) -> None:
        self.root = root
        self.compound = compound
        self.fmt = fmt
        self.resources = root.find("resources")
        self.media = {m.get("id"): m for m in root.iter("media")}
        self.count = {k: 0 for k in ("title", "audition", "alternate", "sync-clip",
                                     "mc-clip", "ref-clip", "placeholder", "connected")}
        self.placeholders = 0
        self.made = 0  # elements the rewrite has made
        self.live = True  # the element in hand is on a timeline (not a definition)

    def placeholder_asset(self) -> str:
        """One asset without media for every placeholder (the clip carries the name): the
        reader looks assets up by a linear search, so one per placeholder was quadratic."""
        if not self.placeholders:
            ElementTree.SubElement(self.resources, "asset", {
                "id": PLACEHOLDER, "name": "placeholder", "start": "0s", "duration": "0s",
                "hasVideo": "1", **({"format": self.fmt} if self.fmt else {})})
        self.placeholders += 1
        return PLACEHOLDER

    def _count(self, key: str, n: int = 1) -> None:
        if self.live:
            self.count[key] += n

    def run(self) -> None:
        kinds = _REWRITTEN if self.compound == "content" else _REWRITTEN[:-1]
        for _ in range(MAX_PASSES):
            parents = {c: p for p in self.root.iter() for c in p}
            found = {e for e in self.root.iter() if e.tag in kinds and e in parents}
            # The outermost only: one inside another is handled in its copies next pass.
            todo = [e for e in found if not _inside(e, found, parents)]
            if not todo:
                return
            hidden = set(self.resources.iter())  # compound clips' own: counted where used
            by_parent: dict[ElementTree.Element, set[ElementTree.Element]] = {}
            for element in todo:
                by_parent.setdefault(parents[element], set()).add(element)
            for parent, targets in by_parent.items():
                children = []  # each parent's children rebuilt once (linear in the file)
                for child in parent:
                    if child not in targets:
                        children.append(child)
                        continue
                    self.live = child not in hidden
                    pieces = getattr(self, "_" + child.tag.replace("-", "_"))(child)
                    self.made += sum(1 for piece in pieces for _ in piece.iter())
                    if self.made > MAX_MADE:
                        # Compound clips used inside compound clips multiply when opened
                        # (ten uses of ten uses of ...): bounded like any file's items.
                        raise TimelineError(
                            f"Opened, the file's compound and multicam clips hold more than "
                            f"{MAX_MADE} items; import it with compound=placeholder.",
                            field="file")
                    children.extend(pieces)
                parent[:] = children
        for element in [e for e in self.root.iter() if e.tag in kinds]:
            element.tag = "gap"  # nested too deep or in a loop: the time stays, empty

    # --- one method per element ---------------------------------------------------------

    def _title(self, element):
        self._count("title", 1)
        return [self._placeholder(element, element.get("name") or "Title")]

    def _audition(self, element):
        clips = [c for c in element if c.tag in STORY]
        if not clips:
            return []
        self._count("audition", 1)
        self._count("alternate", len(clips) - 1)
        pick = copy.deepcopy(clips[0])
        for name in ("offset", "lane"):
            if element.get(name) is not None:
                pick.set(name, element.get(name))
        return [pick]

    def _sync_clip(self, element):
        self._count("sync-clip", 1)
        if self.compound != "content":
            return [self._placeholder(element, element.get("name") or "Sync clip")]
        items = [c for c in element if c.tag in STORY and c.get("lane") is None]
        spine = element.find("spine")
        if spine is not None:
            items += [c for c in spine if c.tag in STORY]
        connected = [c for c in element if c.tag in STORY and c.get("lane") is not None]
        return self._content(element, items, connected)

    def _mc_clip(self, element):
        self._count("mc-clip", 1)
        media = self.media.get(element.get("ref"))
        multicam = media.find("multicam") if media is not None else None
        if self.compound != "content" or multicam is None:
            return [self._placeholder(element, element.get("name") or "Multicam clip")]
        angle_id = None
        for source in element.findall("mc-source"):
            if source.get("srcEnable", "all") in ("all", "video"):
                angle_id = source.get("angleID")
        angle = next((a for a in multicam.findall("mc-angle")
                      if a.get("angleID") == angle_id), None)
        if angle is None:
            return [self._placeholder(element, element.get("name") or "Multicam clip")]
        return self._content(element, [c for c in angle if c.tag in STORY], [])

    def _ref_clip(self, element):
        media = self.media.get(element.get("ref"))
        sequence = media.find("sequence") if media is not None else None
        spine = sequence.find("spine") if sequence is not None else None
        if spine is None:
            return [self._placeholder(element, element.get("name") or "Compound clip")]
        self._count("ref-clip", 1)
        connected = [c for c in element if c.tag in STORY and c.get("lane") is not None]
        return self._content(element, [c for c in spine if c.tag in STORY], connected)

    # --- shared -------------------------------------------------------------------------

    def _content(self, element, items, connected):
        """The items of a storyline that fall in `element`'s range [start, start +
        duration) of that storyline's time, placed at `element`'s offset and lane, its
        markers and connected clips moved onto the piece under each."""
        start, length, offset = _t(element, "start"), _t(element, "duration"), \
            _t(element, "offset")
        pieces: list[tuple[int, int, ElementTree.Element]] = []
        for item in items:
            at, span, first = _t(item, "offset"), _t(item, "duration"), _t(item, "start")
            lo, hi = max(at, start), min(at + span, start + length)
            if hi <= lo:
                continue
            piece = copy.deepcopy(item)
            piece.set("offset", f"{offset + lo - start}s")
            piece.set("start", f"{first + lo - at}s")
            piece.set("duration", f"{hi - lo}s")
            if element.get("lane") is not None:
                piece.set("lane", element.get("lane"))
            else:
                piece.attrib.pop("lane", None)
            if element.get("enabled") == "0":
                piece.set("enabled", "0")
            pieces.append((lo, hi, piece))
        if not pieces:
            return [self._placeholder(element, element.get("name") or "Clip")]
        for child in [*element.findall("marker"), *connected]:
            marker = child.tag == "marker"
            when = _t(child, "start" if marker else "offset")
            if not marker:  # a connected clip shows only within the range, like its parent
                end = min(when + _t(child, "duration"), start + length)
                skip = max(0, start - when)
                when += skip
                if end <= when:
                    self._count("connected", 1)
                    continue
            lo, _, piece = next(((lo, hi, p) for lo, hi, p in pieces if lo <= when < hi),
                                pieces[0])
            moved = copy.deepcopy(child)
            moved.set("start" if marker else "offset", f"{_t(piece, 'start') + when - lo}s")
            if not marker:
                moved.set("start", f"{_t(child, 'start') + skip}s")
                moved.set("duration", f"{end - when}s")
                if piece.tag in ("gap", "title"):
                    self._count("connected", 1)
                    continue
            piece.append(moved)
        return [p for _, _, p in pieces]

    def _placeholder(self, element, name):
        """An asset-clip of `name` on an asset without media: a placeholder clip."""
        clip = ElementTree.Element("asset-clip", {"ref": self.placeholder_asset(),
                                                  "name": name})
        for attr in ("offset", "duration", "lane", "enabled"):
            if element.get(attr) is not None:
                clip.set(attr, element.get(attr))
        start = _t(element, "start")  # the placeholder starts at 0: its children move so
        for child in element:
            if child.tag == "marker" or (child.tag in STORY and child.get("lane")
                                         and element.tag != "sync-clip"):
                moved = copy.deepcopy(child)
                at = "start" if child.tag == "marker" else "offset"
                moved.set(at, f"{_t(child, at) - start}s")
                clip.append(moved)
        if element.tag != "title":
            self._count("placeholder", 1)
        return clip


def _inside(element: ElementTree.Element, found: set, parents: dict) -> bool:
    parent = parents.get(element)
    while parent is not None:
        if parent in found:
            return True
        parent = parents.get(parent)
    return False


def _t(element: ElementTree.Element, name: str) -> int:
    return int((element.get(name) or "0s").removesuffix("s"))


def _generators(root: ElementTree.Element, rewriter: _Rewriter) -> int:
    """A generator (a solid, a background: `<clip><video ref="effect id">`) names an
    <effect>, where the reader looks up an <asset> and failed on it ("export it again"): it
    refers to a placeholder of its clip's name instead."""
    effects = {e.get("id"): e for e in root.iter("effect")}
    parents = {c: p for p in root.iter() for c in p}
    inside = set(rewriter.resources.iter())  # compound clips' own: counted where used
    count = 0
    for element in [e for e in root.iter() if e.tag in ("video", "audio")
                    and e.get("ref") in effects]:
        owner = parents.get(element)
        if owner is not None and not owner.get("name"):
            owner.set("name", effects[element.get("ref")].get("name") or "Generator")
        element.set("ref", rewriter.placeholder_asset())
        count += element not in inside
    return count


def rewrite(root: ElementTree.Element, compound: str, fmt: str | None,
            warnings: list[str]) -> None:
    """Rewrite `root` in place (see the module docstring); what changed, in `warnings`."""
    kinds = set(_REWRITTEN)
    effects = {e.get("id") for e in root.iter("effect")}
    if not any(e.tag in kinds or (e.tag in ("video", "audio") and e.get("ref") in effects)
               for e in root.iter()):
        return
    if root.find("resources") is None:
        root.insert(0, ElementTree.Element("resources"))
    rewriter = _Rewriter(root, compound, fmt)
    rewriter.run()
    generators = _generators(root, rewriter)
    if generators:
        warnings.append(f"{generators} generator(s) (solids, backgrounds) read as placeholder "
                        "clips of their names.")
    c = rewriter.count
    if c["title"]:
        warnings.append(f"{c['title']} title(s) read as placeholder clips of their names "
                        "(their text and look stay in Final Cut).")
    if c["audition"]:
        warnings.append(f"{c['audition']} audition(s) read as their active pick; "
                        f"{c['alternate']} alternate(s) left out.")
    how = ("what they show (their active content)" if compound == "content"
           else "placeholder clips of their names")
    for tag, label in (("sync-clip", "sync clip(s)"), ("mc-clip", "multicam clip(s)")):
        if c[tag]:
            warnings.append(f"{c[tag]} {label} read as {how}.")
    if c["ref-clip"]:
        warnings.append(f"{c['ref-clip']} compound clip(s) read as their contents.")
    if c["connected"]:
        warnings.append(f"{c['connected']} connected clip(s) of sync or compound clips lay "
                        "outside their range or on a gap and were left out.")
