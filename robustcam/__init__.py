"robustcam: Grad-CAM fused over semantic-preserving views, with per-pixel uncertainty."
__version__ = "0.0.1"
from .core import gradcam
from .models import load_model
from .fusion import RobustCAM
__all__ = ["gradcam", "load_model", "RobustCAM"]
