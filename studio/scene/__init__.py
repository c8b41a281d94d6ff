# Helper C: placement, procedural backdrops, shadow, exact re-composite (numpy/PIL only at import).
from studio.scene.backdrop import floor_line, render_backdrop, white_backdrop  # noqa: E402,F401
from studio.scene.composite import composite_poster, product_fidelity_psnr  # noqa: E402,F401
from studio.scene.placement import place_product, placement_for_platform, product_box_fraction  # noqa: E402,F401
from studio.scene.shadow import contact_shadow, reflection  # noqa: E402,F401
