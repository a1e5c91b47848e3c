"""The package version: one place, read by the build (hatch) and at run time."""

__version__ = "0.1.0"
