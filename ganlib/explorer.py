"""The latent explorer of the inversion lab: sliders on some coordinates of a latent vector, each
move redrawing G's image for it. Widgets belong where a user acts, so this one stays a widget."""
from __future__ import annotations

import torch
from torch import nn

from .inversion import render


class LatentExplorer:
    """Sliders on ``coordinates`` of ``z`` (the others stay fixed); ``widget`` is what to display,
    ``image`` the uint8 (C, H, W) image for the sliders' current values."""

    def __init__(self, netG: nn.Module, z: torch.Tensor, coordinates=range(4), low: float = -3, high: float = 3):
        import ipywidgets as widgets

        self.netG, self.z, self.coordinates = netG, z.clone(), list(coordinates)
        self.sliders = [widgets.FloatSlider(value=float(z[k]), min=low, max=high, step=0.1, description=f"z[{k}]")
                        for k in self.coordinates]
        self.out = widgets.Output()
        for slider in self.sliders:
            slider.observe(self.redraw, names="value")
        self.widget = widgets.VBox([*self.sliders, self.out])
        self.image = None

    def current_z(self) -> torch.Tensor:
        z = self.z.clone()
        for k, slider in zip(self.coordinates, self.sliders):
            z[k] = slider.value
        return z

    def redraw(self, _change=None) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        from .viz import show_grid

        self.image = render(self.netG, self.current_z()[None])[0]
        with self.out:
            self.out.clear_output(wait=True)
            fig = show_grid(self.image[None], "", nrow=1, size=2)
            display(fig)
            plt.close(fig)
