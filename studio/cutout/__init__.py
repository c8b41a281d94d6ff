"""Background removal: photo → Cutout (RGBA cropped to the product, its mask and box).

Importing this package is cheap: rembg, pymatting, scipy and cv2 load inside
the functions that need them.
"""

from studio.cutout.batch import cutout_batch, write_cutouts, zip_cutouts
from studio.cutout.catalog import DEFAULT_MODEL, MODELS, ModelInfo, model_info
from studio.cutout.matting import alpha_matte, decontaminate
from studio.cutout.model_files import ensure_model_file
from studio.cutout.preview import preview, touch_up_view
from studio.cutout.refine import refine_mask
from studio.cutout.remove import crop_to_product, product_box, product_mask, remove_background
from studio.cutout.touch_up import MaskHistory, apply_stroke, apply_touch_up, brush_canvas, paint_on_photo, with_mask
from studio.cutout.white_background import check_white_background, encode_white_background, white_background_image

__all__ = [
    "DEFAULT_MODEL",
    "MODELS",
    "MaskHistory",
    "ModelInfo",
    "alpha_matte",
    "apply_stroke",
    "apply_touch_up",
    "brush_canvas",
    "paint_on_photo",
    "check_white_background",
    "crop_to_product",
    "cutout_batch",
    "decontaminate",
    "encode_white_background",
    "ensure_model_file",
    "model_info",
    "preview",
    "product_box",
    "product_mask",
    "refine_mask",
    "touch_up_view",
    "remove_background",
    "white_background_image",
    "with_mask",
    "write_cutouts",
    "zip_cutouts",
]
