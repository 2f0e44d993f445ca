"""JSON API views of the pricing alliance (registered in blueprint.py with chamber.api.api_route)."""
