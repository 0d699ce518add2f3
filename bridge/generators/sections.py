"""Prompts that change in time: where each one may take over, and the long-take call.

A request's `prompts` (bridge.conditions.PromptSection) are placed like keyframes (a frame,
seconds, or a beat or bar of the shot laid out in seconds) and made one of two ways
(`sections_as`, the editor's choice; a model offers what `Preset.section_routes` says):

- long_take: one take from the model's long multi-prompt pipeline (LTX:
  `LTXI2VLongMultiPromptPipeline`), which denoises overlapping windows of the take one
  after the other, each with its own prompt, and cross-fades each window into the one
  before. A prompt can only change where a window starts, so each section moves to the
  middle of the cross-fade nearest to where it was asked, and the record says by how many
  frames (as keyframes move to the model's stride). The window stride is chosen so the
  sections move as little as possible.
- chain: a take per section, each continuing on the last frames of the one before
  (bridge.library.direct.section_links plans the links, bridge.boards.chains queues them);
  a single job cannot be a chain, so `check` refuses it with the way to start one.

Why the pipeline's length is checked here: it cross-fades windows over `overlap - 1`
latent frames, and with an overlap of fewer than 3 latent frames that cross-fade is one
frame, which it concatenates instead, so each window after the first adds a latent frame
(a 33-frame take came back with 45 frames). A preset's overlap spans 3 latent frames or
more, which makes the pipeline return exactly the frames asked; should a pipeline still
return more, `trim` cuts the take to the asked length at its end and the record says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.conditions import PromptSection, place_frame
from bridge.errors import InvalidRequest
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest

MIN_OVERLAP_LATENTS = 3  # below this the pipeline's seams add frames (module docstring)
DECODE_TILE = 768  # pixels a side decoded in one piece (pipeline_kwargs)


@dataclass(frozen=True)
class LongTakePlan:
    """Windows of one long take, in frames: `window` frames each at most, starting every
    `stride` frames, cross-faded over `overlap`; `starts[i]` is the window each section
    takes over at (0: from the first frame)."""

    window: int
    overlap: int
    stride: int
    windows: int
    starts: tuple[int, ...]
    frames: int  # of the take
    ratio: int  # frames per latent frame

    def handover(self, window: int) -> int:
        """The frame where window `window`'s prompt takes over: the middle of its
        cross-fade with the window before (0 for the first window)."""
        return 0 if window == 0 else window * self.stride + self.overlap // 2

    def segments(self, base: str, prompts: tuple[PromptSection, ...]) -> list[dict[str, Any]]:
        """The pipeline's `prompt_segments`: each window's prompt, by window index."""
        texts = [base] * self.windows
        for start, section in zip(self.starts, prompts, strict=True):
            for w in range(start, self.windows):
                texts[w] = section.prompt
        return [{"start_window": w, "end_window": w, "text": t} for w, t in enumerate(texts)]

    def ranges(self) -> list[tuple[int, int]]:
        """The frames each window denoises (first, last + 1), as the pipeline splits the
        latent frames (latent 0 is frame 0, latent l > 0 frames (l-1)*r+1 to l*r)."""
        r, latents = self.ratio, (self.frames - 1) // self.ratio + 1
        size, step = max(1, self.window // r), max(1, self.stride // r)
        out = []
        for w in range(self.windows):
            a, b = w * step, min(w * step + size, latents)
            out.append((0 if a == 0 else (a - 1) * r + 1, (b - 1) * r + 1))
        return out


def latent_ratio(preset: Preset) -> int:
    """Frames per latent frame of the model's VAE (the tiny twin compresses 4, not 8)."""
    return preset.latent_frames or preset.frame_step


def window_count(frames: int, window: int, overlap: int, ratio: int) -> int:
    """How many windows the pipeline splits `frames` into, counted as it counts them (in
    latent frames). Written out rather than imported so queueing a job does not import
    torch; tests check the windows the pipeline really runs against this count."""
    latents = (frames - 1) // ratio + 1
    size, step = max(1, window // ratio), max(1, (window - overlap) // ratio)
    if latents <= size:
        return 1
    return 1 + -(-(latents - size) // step)


def plan(preset: Preset, frames: int, asked: list[int]) -> LongTakePlan:
    """The window stride (a multiple of the model's frame step, from the largest the
    preset allows down to a quarter of it) that moves the sections least; on a tie, the
    one with fewer windows (less compute). Each section takes the window whose handover
    is nearest to where it was asked."""
    step, ratio = preset.frame_step, latent_ratio(preset)
    overlap = preset.long_take_overlap
    largest = preset.long_take_window - overlap
    best: tuple[Any, LongTakePlan] | None = None
    stride = largest
    while stride >= max(step, largest // 4):
        count = window_count(frames, stride + overlap, overlap, ratio)
        starts = []
        for a in asked:
            w = 0 if a == 0 else round((a - overlap / 2) / stride)
            starts.append(min(max(w, 0 if a == 0 else 1), count - 1))
        candidate = LongTakePlan(stride + overlap, overlap, stride, count, tuple(starts),
                                 frames, ratio)
        moved = max((abs(candidate.handover(w) - a) for w, a in zip(starts, asked, strict=True)),
                    default=0)
        clash = len(set(starts)) != len(starts) or any(
            a > 0 and w == 0 for w, a in zip(starts, asked, strict=True))
        key = (clash, moved, count)
        if best is None or key < best[0]:
            best = (key, candidate)
        stride -= step
    assert best is not None
    return best[1]


def route_of(request: GenerationRequest, preset: Preset) -> str | None:
    """long_take or chain for a request with timed prompts (None: none, or undecided)."""
    if not request.prompts:
        return None
    if request.sections_as:
        return request.sections_as
    return "long_take" if "long_take" in preset.section_routes else None


def longest(request: GenerationRequest, preset: Preset) -> int:
    """The most frames this request may ask for: a long take goes past one window."""
    if route_of(request, preset) == "long_take" and preset.multi_prompt_class:
        return max(preset.max_frames, preset.long_take_max_frames)
    return preset.max_frames


def check(request: GenerationRequest, preset: Preset) -> GenerationRequest:
    """The request with each section on a frame where the model lets its prompt change;
    a 4xx naming the field and the model for what it cannot do."""
    if not request.prompts:
        return request
    routes = preset.section_routes
    details = {"model": preset.name, "timed_prompts": list(routes)}
    if not routes:
        raise InvalidRequest(
            f"{preset.label} cannot change the prompt within a take ('{preset.name}' makes "
            "neither a long take with a prompt per section nor a chain of takes); pick a "
            "model with timed_prompts in GET /models, or remove 'prompts'.",
            field="prompts", code="unsupported", details=details)
    route = route_of(request, preset)
    if route is None or route not in routes:
        raise InvalidRequest(
            f"{preset.label} makes timed prompts as {' or '.join(routes)} only; "
            f"'{preset.name}' offers no {route or 'long take'}.", field="sections_as",
            code="unsupported", details=details)
    n, fps = int(request.num_frames), float(request.fps)
    asked = []
    for i, section in enumerate(request.prompts):
        at = _asked(section, fps, n)
        if not 0 <= at <= n - 1:
            raise InvalidRequest(
                f"'prompts[{i}]' starts on frame {at}, outside the take (frames 0 to {n - 1} "
                f"at {fps:g} fps).", field=f"prompts[{i}].frame", code="out_of_range",
                details={"frame": at, "max": n - 1})
        if asked and at <= asked[-1]:
            raise InvalidRequest(f"'prompts[{i}]' must start after prompts[{i - 1}] (frame "
                                 f"{at} is not after {asked[-1]}).",
                                 field=f"prompts[{i}].frame", code="conflict")
        asked.append(at)
    if route == "chain":
        raise InvalidRequest(
            "A chain makes a take per section, so it is made for a shot, not as one job: "
            "POST /shots/{shot_id}/chain with these prompts and sections_as 'chain'.",
            field="sections_as", code="needs_chain", details=details)
    for name in ("keyframes", "video"):
        if getattr(request, name):
            raise InvalidRequest(
                f"A long take with timed prompts ({preset.label}) starts from a prompt or a "
                f"start image only; remove '{name}', or make the sections as a chain.",
                field=name, code="conflict", details=details)
    if int(request.steps) < 2:  # it skips each window's last step (a sigma near 0)
        raise InvalidRequest(
            f"A long take of {preset.label} denoises each window steps - 1 times; ask for 2 "
            "steps or more.", field="steps", code="out_of_range",
            details={**details, "suggestion": 2})
    windows = plan(preset, n, asked)
    for j, (w, a) in enumerate(zip(windows.starts, asked, strict=True)):
        if a > 0 and w == 0:
            raise InvalidRequest(
                f"'prompts[{j}]' cannot change the prompt: a take of {n} frames is one "
                f"window of {preset.label}'s long take (up to {windows.window} frames); make "
                "the take longer or the sections a chain.", field=f"prompts[{j}].frame",
                code="conflict", details={**details, "window": windows.window})
        if j and w == windows.starts[j - 1]:
            raise InvalidRequest(
                f"'prompts[{j}]' and the section before it fall in one window of "
                f"{preset.label}'s long take (windows start every {windows.stride} frames); "
                "move them further apart or make them a chain.", field=f"prompts[{j}].frame",
                code="conflict", details={**details, "stride": windows.stride})
    placed = tuple(PromptSection(
        prompt=s.prompt, frame=windows.handover(w), place=s.place or {"frame": a},
        asked=a if windows.handover(w) != a else None)
        for s, w, a in zip(request.prompts, windows.starts, asked, strict=True))
    return request.replace(prompts=placed, sections_as="long_take")


def _asked(section: PromptSection, fps: float, n: int) -> int:
    """The frame a section was asked for (placed as keyframes are: bridge.conditions)."""
    return place_frame(section.place, section.asked if section.asked is not None
                       else section.frame, fps, n)


def asked_of(request: GenerationRequest) -> list[int]:
    n, fps = int(request.num_frames), float(request.fps)
    return [_asked(s, fps, n) for s in request.prompts]


def pipeline_kwargs(request: GenerationRequest, preset: Preset, start_image: Any
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The long multi-prompt pipeline's arguments, and what the record says of them."""
    windows = plan(preset, int(request.num_frames), asked_of(request))
    kwargs: dict[str, Any] = {
        "prompt_segments": windows.segments(request.prompt, request.prompts),
        "temporal_tile_size": windows.window, "temporal_overlap": windows.overlap,
        "seed": int(request.seed),
        # The pipeline hands the step callback its whole-take `latents` under that name
        # and takes back whatever the callback returns as the window's packed latents;
        # asking for no tensors keeps our progress callback from swapping them.
        "callback_on_step_end_tensor_inputs": [],
        # The pipeline decodes in 4 x 4 spatial tiles by default, 16 VAE passes even for a
        # small take; tile only what is wider or taller than a plain LTX decode handles.
        "decode_horizontal_tiles": max(1, -(-int(request.width) // DECODE_TILE)),
        "decode_vertical_tiles": max(1, -(-int(request.height) // DECODE_TILE)),
    }
    if start_image is not None:
        kwargs.update(cond_image=start_image, cond_strength=1.0)
    info = {
        "sections_as": "long_take", "window": windows.window, "overlap": windows.overlap,
        "stride": windows.stride,
        "windows": [{"frames": list(r), "prompt": seg["text"]} for r, seg in
                    zip(windows.ranges(), kwargs["prompt_segments"], strict=True)],
        "sections": section_info(request),
    }
    return kwargs, info


def section_info(request: GenerationRequest) -> list[dict[str, Any]]:
    """Each section as the take record and its credentials name it: its prompt, the frames
    it holds, and how far it moved from where it was asked."""
    n = int(request.num_frames)
    out = []
    bounds = [s.frame for s in request.prompts] + [n]
    for i, s in enumerate(request.prompts):
        out.append({"prompt": s.prompt, "frames": [s.frame, bounds[i + 1]],
                    "asked": s.asked if s.asked is not None else s.frame,
                    "moved_by": s.moved_by, **({"place": s.place} if s.place else {})})
    return out


def trim(frames: Any, want: int) -> tuple[Any, int]:
    """The take cut to `want` frames at its end, and how many were cut (module docstring)."""
    extra = int(frames.shape[0]) - want
    return (frames[:want], extra) if extra > 0 else (frames, 0)
