"""Pure decision rules of the pricing alliance (standard library only), with hypothesis tests beside them."""
