"""Dataset use cases: publishing, files, processing and listing."""
