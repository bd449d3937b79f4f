"""countyhub: the software a county runs to grow rural e-commerce and to prove its effect."""

__version__ = "0.1.0"
