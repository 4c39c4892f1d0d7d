"""Routers of the REST API v1 (added to ``baocao.api.api.api``)."""
