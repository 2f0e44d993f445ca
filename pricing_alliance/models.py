"""Tables of the pricing alliance (SQLAlchemy 2 typed models on chamber.db.Base).

Every table carries chamber_id and its constraints; a change here needs a migration in
migrations/ (`flask --app chamber db revision pricing_alliance -m "…"`).
"""
