"""The pricing alliance package as the core sees it: its one declaration (see chamber/features.py)."""
from chamber.features import Feature

FEATURE = Feature(
    name="pricing_alliance",
    blueprints=["pricing_alliance.blueprint:bp"],
    jobs=[],  # ("pricing_alliance.jobs:function", seconds)
    models=["pricing_alliance.models"],
    migrations="migrations",
    template_hooks={},  # e.g. "chamber.dashboard.member": "pricing_alliance/_dashboard_member.html"
    access={},  # every endpoint of the blueprint → "public" | "login" | "own" | "member" | "organizer" | "merchant"
    demo=None,  # "pricing_alliance.demo:load_demo", called as load_demo(session, chamber)
)
