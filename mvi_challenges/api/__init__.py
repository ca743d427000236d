"""Open data: read-only JSON under /api/v1/, its OpenAPI document, OCDS and feeds."""
