"""Routes of the pricing alliance: API routes through chamber.api.api_route, pages with add_url_rule."""
from flask import Blueprint

bp = Blueprint("pricing_alliance", __name__)
