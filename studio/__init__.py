"""Poster Studio: product photo → cutout → scene → copy → platform-exact posters.

Importing this package is free: no torch, gradio, rembg or diffusers are loaded
until a step that needs them runs.
"""

__version__ = "0.1.0"
