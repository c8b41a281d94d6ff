"""Typed settings for one studio process: profile, model sources, limits and paths.

Flags win over environment variables, which win over the defaults here.
Nothing in this module touches torch or the network; resolving the `auto`
profile only asks whether a CUDA device is present, and only when called.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from studio.errors import StudioError

ProfileName = Literal["auto", "sd15", "sdxl", "zimage", "tiny", "tiny-zimage", "none"]
PROFILES: tuple[str, ...] = ("auto", "sd15", "sdxl", "zimage", "tiny", "tiny-zimage", "none")
DTYPES: tuple[str, ...] = ("auto", "float32", "float16", "bfloat16")

REPO_ROOT = Path(__file__).resolve().parent.parent
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

# Hub ids used when the seller gives no model of their own. Sellers' machines
# reach the hub; ours (and CI) do not, so tests use local folders instead.
DEFAULT_MODELS: dict[str, dict[str, str]] = {
    "sd15": {
        "base": "stable-diffusion-v1-5/stable-diffusion-inpainting",
        "controlnet": "lllyasviel/control_v11p_sd15_canny",
    },
    "sdxl": {
        "base": "diffusers/stable-diffusion-xl-1.0-inpainting-0.1",
        "controlnet": "diffusers/controlnet-canny-sdxl-1.0",
    },
    # Z-Image Turbo (Apache-2.0) and its union ControlNet with an inpaint mode (v2.1 weights, Apache-2.0),
    # one .safetensors file whose diffusers config the loader fetches itself; presets/models.json has the licences.
    "zimage": {
        "base": "Tongyi-MAI/Z-Image-Turbo",
        "controlnet": "https://huggingface.co/alibaba-pai/Z-Image-Turbo-Fun-Controlnet-Union-2.0/blob/main/"
        "Z-Image-Turbo-Fun-Controlnet-Union-2.1.safetensors",
    },
    "tiny": {"base": "", "controlnet": ""},
    "tiny-zimage": {"base": "", "controlnet": ""},
    "none": {"base": "", "controlnet": ""},
}


MB = 1024 * 1024


@dataclass(frozen=True)
class Budgets:
    """How much one request, one user and the whole process may ask for; checked before any work.

    studio/limits.py checks them (one function per kind of input); the README's limits table lists them.
    0 means no limit. `LOCAL_BUDGETS` serve the seller's own computer, `PUBLIC_BUDGETS` anyone else.
    """

    image_pixels: int  # one image, from its header (Pillow's own guard refuses 2× this unread)
    request_pixels: int  # all images of one request together (a photo and its logo, editor layers, a batch)
    upload_bytes: int  # one uploaded file or `data:` URL (checked on its length, before base64 decoding)
    ab_rows: int  # rows of one A/B results file
    batch_photos: int  # photos in one batch cut-out
    platforms_per_job: int  # after duplicates are dropped
    posters_per_job: int  # variants × platforms
    project_recipes: int  # recipes (variants) in one project file
    project_cutouts: int  # cut-outs in one project file
    copy_field_chars: int  # any one copy field, each selling point included
    session_bytes: int  # pixels held by every session of this process together
    session_idle_s: float  # a session untouched this long is dropped
    gradio_sessions: int  # tabs whose state Gradio itself keeps (~350 KB each); the studio's store finds the rest
    queued_jobs_per_user: int  # heavy jobs one user may have waiting or running at once
    streams_per_client: int  # open event streams and heartbeats per client address
    upload_bytes_per_user: int  # uploads one user may keep (a day's worth; older ones are swept)
    upload_bytes_total: int  # Gradio's upload cache, everyone together
    output_bytes_total: int  # the export folders, everyone together
    output_bytes_per_user: int = 0  # one user's export folders; their oldest go first (studio/output_ledger.py)


LOCAL_BUDGETS = Budgets(
    image_pixels=40_000_000, request_pixels=80_000_000, upload_bytes=40 * MB, ab_rows=500, batch_photos=50,
    platforms_per_job=12, posters_per_job=312, project_recipes=32, project_cutouts=32, copy_field_chars=120,
    session_bytes=6 * 1024 * MB, session_idle_s=2 * 3600.0, gradio_sessions=10_000, queued_jobs_per_user=0, streams_per_client=0,
    upload_bytes_per_user=0, upload_bytes_total=20 * 1024 * MB, output_bytes_total=20 * 1024 * MB,
)  # fmt: skip
# A Space, a share link, a log-in or a LAN address: strangers (or scripts) share one process and one GPU.
PUBLIC_BUDGETS = Budgets(
    image_pixels=25_000_000, request_pixels=40_000_000, upload_bytes=20 * MB, ab_rows=100, batch_photos=8,
    platforms_per_job=6, posters_per_job=24, project_recipes=8, project_cutouts=8, copy_field_chars=120,
    session_bytes=2 * 1024 * MB, session_idle_s=30 * 60.0, gradio_sessions=1000, queued_jobs_per_user=2, streams_per_client=8,
    upload_bytes_per_user=200 * MB, upload_bytes_total=2 * 1024 * MB, output_bytes_total=4 * 1024 * MB,
    output_bytes_per_user=1024 * MB,
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    profile: ProfileName = "auto"
    base_model: str = ""  # hub id, local diffusers folder or single-file .safetensors
    controlnet: str = ""  # hub id or local diffusers folder
    lora_dir: Path = REPO_ROOT / "loras"
    presets_dir: Path = REPO_ROOT / "presets"
    cache_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("STUDIO_CACHE", Path.home() / ".cache" / "poster-studio"))
    )
    device: str = "auto"  # auto | cpu | cuda
    dtype: str = "auto"  # auto (from the card, studio/models/device.py) | float32 | float16 | bfloat16
    # Apply the CUDA fast path (channels_last, fused QKV, compile with --compile) on any
    # device, so the GPU recipe can be reproduced on a CPU: --device cpu --dtype bfloat16 --fast-path.
    fast_path: bool = False
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: tuple[tuple[str, str], ...] | None = None  # log-in accounts (user, password); studio/auth.py checks them
    open_browser: bool = True
    allow_uploads_on_share: bool = False
    max_image_pixels: int = 40_000_000  # refuse bigger uploads before decoding them fully
    max_upload_mb: int = 40
    max_variants: int = 8
    max_catalogue_rows: int = 5000  # rows one catalogue batch may hold (studio/batch); a share link may lower it
    max_batch_skus_public: int = 20  # rows the app's Batch tab takes on a share link or a Space (local: no cap)
    low_vram: bool = False  # model CPU offload for 6–8 GB cards (slower, far less VRAM)
    compile: bool = False  # torch.compile the UNet/ControlNet on CUDA (minutes of warm-up; studio/models/fastpath.py)
    # Why `auto` resolved the way it did, shown in the UI and the CLI.
    profile_reason: str = ""
    # --- deployment: who can reach this process, and how much each of them may ask of it ---
    on_space: bool = False  # running on a Hugging Face Space (SPACE_ID is set): public, binds 0.0.0.0
    # The owner's explicit "serve a non-loopback address without a log-in" (--no-auth-i-know-the-risk).
    no_auth_accepted: bool = False
    mcp: bool = False  # also serve the named endpoints as MCP tools (needs gradio[mcp])
    max_canvas_side: int = 4096  # no poster or canvas larger than this on either side
    # Heavy jobs (cutout, scene, copy render, export) per user per minute; None = the
    # default for the audience: unlimited on this computer, 10 on a share link or a Space.
    jobs_per_minute: int | None = None
    max_queue: int = 32  # events waiting in Gradio's queue, across all users
    # --- the seller's names in every AI label (TC260 ContentProducer / ContentPropagator) ---
    content_producer: str = ""  # shop name or ID; "" writes the app's name (studio.export.aigc.DEFAULT_PRODUCER)
    content_propagator: str = ""  # who publishes the files (e.g. the shop on Tmall); "" leaves those fields empty
    # --- Content Credentials: sign each exported file (needs c2pa-python) ---
    c2pa: bool = False
    c2pa_cert: Path | None = None  # the seller's PEM certificate chain; None: a self-signed one in cache_dir
    c2pa_key: Path | None = None  # its private key (PEM)

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        """Defaults, then STUDIO_* environment variables, then explicit overrides (flags)."""
        env = os.environ
        values: dict[str, object] = {}
        if env.get("STUDIO_PROFILE"):
            values["profile"] = env["STUDIO_PROFILE"]
        if env.get("STUDIO_BASE_MODEL"):
            values["base_model"] = env["STUDIO_BASE_MODEL"]
        if env.get("STUDIO_CONTROLNET"):
            values["controlnet"] = env["STUDIO_CONTROLNET"]
        if env.get("STUDIO_LORA_DIR"):
            values["lora_dir"] = Path(env["STUDIO_LORA_DIR"])
        if env.get("STUDIO_DEVICE"):
            values["device"] = env["STUDIO_DEVICE"]
        if env.get("STUDIO_DTYPE"):
            values["dtype"] = env["STUDIO_DTYPE"]
        if env.get("STUDIO_FAST_PATH", "").lower() in ("1", "true", "yes"):
            values["fast_path"] = True
        if env.get("STUDIO_COMPILE", "").lower() in ("1", "true", "yes"):
            values["compile"] = True
        if env.get("STUDIO_LOW_VRAM", "").lower() in ("1", "true", "yes"):
            values["low_vram"] = True
        if env.get("STUDIO_PRODUCER"):
            values["content_producer"] = env["STUDIO_PRODUCER"]
        if env.get("STUDIO_PROPAGATOR"):
            values["content_propagator"] = env["STUDIO_PROPAGATOR"]
        if env.get("STUDIO_C2PA", "").lower() in ("1", "true", "yes"):
            values["c2pa"] = True
        for key in ("c2pa_cert", "c2pa_key"):
            if env.get(f"STUDIO_{key.upper()}"):
                values[key] = Path(env[f"STUDIO_{key.upper()}"])
        if env.get("STUDIO_MCP", "").lower() in ("1", "true", "yes"):
            values["mcp"] = True  # a Space has no flags: its variables turn MCP on
        if env.get("STUDIO_MAX_CATALOGUE_ROWS", "").strip().isdigit():
            values["max_catalogue_rows"] = int(env["STUDIO_MAX_CATALOGUE_ROWS"])
        if env.get("STUDIO_MAX_BATCH_SKUS_PUBLIC", "").strip().isdigit():
            values["max_batch_skus_public"] = int(env["STUDIO_MAX_BATCH_SKUS_PUBLIC"])
        if env.get("STUDIO_JOBS_PER_MINUTE", "").strip().isdigit():
            values["jobs_per_minute"] = int(env["STUDIO_JOBS_PER_MINUTE"])
        if env.get("SPACE_ID"):
            # Spaces route traffic to 0.0.0.0:7860 (GRADIO_SERVER_PORT) and nobody sits at its screen.
            values.update(on_space=True, host="0.0.0.0", open_browser=False)
            if env.get("GRADIO_SERVER_PORT", "").isdigit():
                values["port"] = int(env["GRADIO_SERVER_PORT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("lora_dir", "c2pa_cert", "c2pa_key"):
            if isinstance(values.get(key), str):
                values[key] = Path(values[key])  # type: ignore[arg-type]
        settings = cls(**values)  # type: ignore[arg-type]
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.profile not in PROFILES:
            raise StudioError(f"Unknown profile '{self.profile}'.", hint=f"Choose one of: {', '.join(PROFILES)}.")
        if self.device not in ("auto", "cpu", "cuda"):
            raise StudioError(f"Unknown device '{self.device}'.", hint="Choose auto, cpu or cuda.")
        if len(self.content_producer) > 100 or len(self.content_propagator) > 100:
            raise StudioError(
                "The producer or propagator name is longer than 100 characters.", hint="Use the shop's name or ID."
            )
        if (self.c2pa_cert is None) != (self.c2pa_key is None):
            raise StudioError(
                "Content Credentials need both a certificate and its private key.",
                hint="Give --c2pa-cert and --c2pa-key together, or neither for a self-signed one.",
            )
        if self.dtype not in DTYPES:
            raise StudioError(f"Unknown dtype '{self.dtype}'.", hint=f"Choose one of: {', '.join(DTYPES)}.")
        if self.jobs_per_minute is not None and self.jobs_per_minute < 0:
            raise StudioError("The jobs-per-minute limit cannot be negative.", hint="Use 0 for no limit.")

    @property
    def public(self) -> bool:
        """Reachable by people the owner does not sit next to: a share link, a Space, a log-in or a non-loopback address.

        A log-in only makes sense when others reach the studio, so `--auth` alone gets the share link's
        rules (uploads off, a job limit per user) even before the tunnel is up, e.g. on a LAN.
        """
        return self.share or self.on_space or self.auth is not None or self.host not in LOOPBACK_HOSTS

    @property
    def open_to_network_without_login(self) -> bool:
        """Listening beyond this computer (outside a Space, whose own page is the door) with no log-in:
        anyone on the network can use the GPU and read what sellers made, so it needs the owner's explicit yes."""
        return not self.on_space and self.auth is None and self.host not in LOOPBACK_HOSTS

    @property
    def uploads_allowed(self) -> bool:
        """LoRA and font uploads write files every visitor then shares: off in public unless the owner allows them."""
        return not self.public or self.allow_uploads_on_share

    @property
    def job_limit(self) -> int:
        """Heavy jobs one user may start per minute; 0 means no limit."""
        if self.jobs_per_minute is not None:
            return self.jobs_per_minute
        return 10 if self.public else 0

    @property
    def budgets(self) -> Budgets:
        """The budgets for this audience; an owner's explicit pixel, upload or variant limit can only tighten them."""
        base = PUBLIC_BUDGETS if self.public else LOCAL_BUDGETS
        return replace(
            base,
            image_pixels=min(base.image_pixels, int(self.max_image_pixels)),
            upload_bytes=min(base.upload_bytes, int(self.max_upload_mb) * MB),
        )

    def resolved(self) -> "Settings":
        """Turn `auto` into a concrete profile and record why."""
        if self.profile != "auto":
            return replace(
                self, profile_reason=self.profile_reason or f"profile '{self.profile}' was chosen explicitly"
            )
        from studio.models.device import probe_gpu  # torch only here, when asked

        gpu = probe_gpu()
        if gpu.usable:
            from studio.models.families import auto_profile, offload_advised

            profile, reason = auto_profile(gpu.label, gpu.vram_gb, gpu.capability)
            offload = offload_advised(profile, gpu.vram_gb)
            if offload and not self.low_vram:
                reason += "; model offload is on, so it fits beside the text encoder"
            return replace(
                self,
                profile=profile,  # type: ignore[arg-type]
                profile_reason=reason,
                low_vram=self.low_vram or offload,
            )
        if gpu.status in ("arch", "driver"):  # a GPU is there, but this torch cannot use it
            return replace(self, profile="none", profile_reason=gpu.message)
        return replace(
            self,
            profile="none",
            profile_reason="no CUDA GPU was found, so scenes are procedural studio backdrops "
            "(start with --profile sd15 on a machine with an NVIDIA GPU for AI-generated scenes, "
            "or --profile zimage on one with 16 GB)",
        )

    def model_source(self, role: Literal["base", "controlnet"]) -> str:
        explicit = self.base_model if role == "base" else self.controlnet
        return explicit or DEFAULT_MODELS.get(self.profile, {}).get(role, "")


def parse_auth(value: str | None) -> tuple[tuple[str, str], ...] | None:
    """`USER:PASS`, or the path of a file of `USER:PASS` lines (one account each)."""
    if not value:
        return None
    from studio.auth import read_accounts

    return read_accounts(value)
