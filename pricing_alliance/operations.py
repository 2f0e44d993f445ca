"""Commands and queries of the pricing alliance: verb-first, session first, may flush(), never commit."""
