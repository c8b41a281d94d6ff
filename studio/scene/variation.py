"""Per-seed variation of a procedural scene: the same family, a visibly different backdrop.

Without a model the seed used to move only grain and a few accents (0.4 % of pixels),
so "seed" A/B variants tested nothing. Each seed ≥ 1 now picks, within the scene's family:
a hue and lightness shift of the wall and floor palette, where the light comes from, a floor
tone and, on plain scenes, soft props (bokeh) on the wall. Seed 0 is the scene as designed
(thumbnails, defaults). Geometry (horizon, podium) never changes, so the product stands on the
same floor line whatever the seed.

Consecutive seeds are spread by golden-ratio sequences, so seed n and n+1 always differ a lot.
"""

from __future__ import annotations

import colorsys
from typing import Any

_PHI = (0.6180339887, 0.7548776662, 0.5698402910, 0.4142135624)
HUE_SPAN = 28.0  # degrees, ± half of it: a red scene stays red
LIGHT_SPAN = 0.26  # HLS lightness, ± half of it (at least 0.07: ~18 levels)
FLOOR_SPAN = 0.14
_WALL_KEYS = ("top", "bottom")
_FLOOR_KEYS = ("floor", "floor_far")


def _frac(seed: int, k: int) -> float:
    return (seed * _PHI[k]) % 1.0


def _hex(value: Any) -> tuple[float, float, float] | None:
    if not isinstance(value, str) or not value.startswith("#") or len(value) != 7:
        return None
    try:
        return tuple(int(value[i : i + 2], 16) / 255.0 for i in (1, 3, 5))  # type: ignore[return-value]
    except ValueError:
        return None


def _shift(value: Any, hue_deg: float, light: float, tint: float, pale_step: float) -> Any:
    rgb = _hex(value)
    if rgb is None:
        return value
    h, lum, s = colorsys.rgb_to_hls(*rgb)
    if s < 0.08:  # a grey or white has no hue to turn: give it a faint warm or cool one
        h, s = tint, 0.16
    if lum > 0.88:
        # Pale walls cannot get lighter: they step down, by an amount that alternates with the seed.
        lum -= pale_step
    else:
        lum = min(max(lum + light, 0.03), 0.97)
    r, g, b = colorsys.hls_to_rgb((h + hue_deg / 360.0) % 1.0, lum, s)
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in (r, g, b))


def vary_procedural(proc: dict[str, Any], seed: int) -> dict[str, Any]:
    """The procedural block for this seed (a new dict; seed 0 returns it unchanged)."""
    if seed <= 0:
        return proc
    out = dict(proc)
    hue = (_frac(seed, 0) - 0.5) * HUE_SPAN
    light = (_frac(seed, 1) - 0.5) * LIGHT_SPAN
    light = light if abs(light) >= 0.07 else (0.07 if light >= 0 else -0.07)  # never a near-zero step
    odd = seed % 2 == 1
    tint = 0.08 if odd else 0.58  # greys and whites turn warm or cool
    pale = (0.13 if odd else 0.05) + 0.03 * _frac(seed, 2)
    floor = (_frac(seed, 2) - 0.5) * FLOOR_SPAN
    for key in _WALL_KEYS:
        out[key] = _shift(proc.get(key), hue, light, tint, pale)
    for key in _FLOOR_KEYS:
        out[key] = _shift(proc.get(key), hue, light * 0.5 + floor, tint, pale * 0.8)
    # The light swings from one side to the other and up or down.
    t = _frac(seed, 3)
    out["light"] = [round(0.18 + 0.64 * t, 3), round(0.12 + 0.22 * _frac(seed, 1), 3)]
    patterns = proc.get("pattern") or []
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    if not patterns and seed % 2 == 1:
        out["pattern"] = ["bokeh"]  # a plain scene gets soft props on every other seed
    return out
