"""The JSON API: tokens, the endpoints that call the features' services, its OpenAPI description."""
