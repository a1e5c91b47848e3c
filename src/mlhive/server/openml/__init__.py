"""The OpenML v1 XML face: thin adapters from OpenML's URLs, XML and error codes onto the same
services the native API uses. :func:`install` mounts it; ``docs/openml-compat.md`` lists every
endpoint."""

from mlhive.server.openml.app import install

__all__ = ["install"]
