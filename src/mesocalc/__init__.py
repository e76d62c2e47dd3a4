"""mesocalc: a formulation calculator for mesotherapy injection cocktails."""

__version__ = "0.1.0"
