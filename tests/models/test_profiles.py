"""Working sizes per profile: the model's resolution, multiples of 64, the poster's shape."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.models.profiles import PROFILES, diffusion_profile, working_size


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
    assert max(w, h) == profile.working_long_side
    # aspect kept to within half a step of the short side
    expected_short = min(width, height) * profile.working_long_side / max(width, height)
    assert abs(min(w, h) - expected_short) <= m / 2 or min(w, h) == m


def test_known_sizes() -> None:
    assert working_size((800, 800), PROFILES["sd15"]) == (512, 512)
    assert working_size((750, 1000), PROFILES["sd15"]) == (384, 512)
    assert working_size((1080, 1920), PROFILES["sdxl"]) == (576, 1024)
    assert working_size((800, 800), PROFILES["tiny"]) == (192, 192)
    assert working_size((750, 1000), PROFILES["tiny"]) == (144, 192)


def test_none_profile_has_no_diffusion() -> None:
    with pytest.raises(StudioError, match="procedural"):
        diffusion_profile("none")


def test_only_tiny_says_its_scenes_are_noise() -> None:
    assert "noise" in PROFILES["tiny"].note
    assert PROFILES["sd15"].note == "" and PROFILES["sdxl"].note == ""
