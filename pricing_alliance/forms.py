"""WTForms of the pricing alliance, used by the pages and (through chamber.api) the JSON API."""
