"""Working sizes per profile: the model's resolution, multiples of 64, the poster's shape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.models.profiles import LONG_SIDE_SLACK, PROFILES, diffusion_profile, working_size
from studio.presets import all_presets, get_platform


@given(
    st.sampled_from(sorted(PROFILES)),
    st.integers(min_value=64, max_value=6000),
    st.integers(min_value=64, max_value=6000),
)
def test_working_size_is_snapped_and_keeps_shape(name: str, width: int, height: int) -> None:
    profile = PROFILES[name]
    w, h = working_size((width, height), profile)
    m = profile.size_multiple
    assert w % m == 0 and h % m == 0 and w % 8 == 0
    slack = LONG_SIDE_SLACK * m
    assert abs(max(w, h) - profile.working_long_side) <= slack
    assert (w >= h) == (width >= height) or w == h  # a near-square poster may snap to a square
    # aspect kept to within half a step of the short side
    expected_short = min(width, height) * max(w, h) / max(width, height)
    assert abs(min(w, h) - expected_short) <= m / 2 or min(w, h) == m


@pytest.mark.parametrize("name", ["sd15", "sdxl"])
def test_every_platform_keeps_its_aspect_within_one_percent(name: str) -> None:
    """Multiples of 8, not 64: Douyin 9:16 on SD1.5 was 256×512 (−11 %), now 288×512."""
    for pid in all_presets("platforms"):
        width, height = get_platform(pid).size
        w, h = working_size((width, height), PROFILES[name])
        assert w % 8 == 0 and h % 8 == 0
        assert abs((w / h) / (width / height) - 1) < 0.01, (pid, (w, h))


@given(st.floats(min_value=0.3, max_value=3.4))
def test_any_common_aspect_stays_within_one_percent(ratio: float) -> None:
    for name in ("sd15", "sdxl"):
        w, h = working_size((round(2000 * ratio), 2000), PROFILES[name])
        assert abs((w / h) / (round(2000 * ratio) / 2000) - 1) < 0.01


def test_known_sizes() -> None:
    assert working_size((800, 800), PROFILES["sd15"]) == (512, 512)
    assert working_size((750, 1000), PROFILES["sd15"]) == (384, 512)
    assert working_size((1080, 1920), PROFILES["sdxl"]) == (576, 1024)
    assert working_size((1080, 1920), PROFILES["sd15"]) == (288, 512)  # was 256×512 with multiples of 64
    assert working_size((800, 800), PROFILES["tiny"]) == (192, 192)
    assert working_size((750, 1000), PROFILES["tiny"]) == (144, 192)


def test_none_profile_has_no_diffusion() -> None:
    with pytest.raises(StudioError, match="procedural"):
        diffusion_profile("none")


def test_only_tiny_says_its_scenes_are_noise() -> None:
    assert "noise" in PROFILES["tiny"].note
    assert PROFILES["sd15"].note == "" and PROFILES["sdxl"].note == ""
