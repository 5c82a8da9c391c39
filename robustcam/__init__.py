"robustcam: Grad-CAM fused over semantic-preserving views, with per-pixel uncertainty."
__version__ = "0.0.1"
from .core import gradcam
from .augment import View, default_views
from .fusion import RobustCAM, RobustCAMResult
from .explanation import Explanation
from .explainers import GradCAMExplainer, RobustCAMExplainer
from .protocol import compute_all_metrics, perturbation_stability
from .models import load_model
from .viz import overlay
__all__ = ["gradcam", "View", "default_views", "RobustCAM", "RobustCAMResult", "Explanation", "GradCAMExplainer",
           "RobustCAMExplainer", "compute_all_metrics", "perturbation_stability", "load_model", "overlay"]
