"""Trust: reviews, complaints and the members' credit score (a service of the core)."""
