"""OpenML's v2 JSON face: the GET calls of OpenML's new server (openml/server-api), under
the same paths and in the same shapes, as thin adapters onto the services every other face
uses. :func:`install` mounts it at :data:`PREFIX`; ``docs/openml-compat.md`` lists every
endpoint and how it differs."""

from mlhive.server.openml.v2.app import PREFIX, build, install

__all__ = ["PREFIX", "build", "install"]
