"""ganlib: networks, losses, training loop, data, metrics and figures for the GAN labs."""
__version__ = "0.1.0"
