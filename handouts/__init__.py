"""handouts: printed aftercare sheets for patients, in their language."""

__version__ = "0.1.0"
