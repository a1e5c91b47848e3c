"""The API contract: pydantic request/response models and error codes shared by both sides."""
