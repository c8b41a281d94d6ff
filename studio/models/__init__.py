"""Models behind one manager: lazy, cached, one device policy, one GPU lock."""

from studio.models.manager import DevicePolicy, ModelManager

__all__ = ["DevicePolicy", "ModelManager"]
