"""Pages of the pricing alliance: thin views (parse, load with access, one operation, render or redirect)."""
