"""The produce shop: products and carts, orders, shipping fees, back office and packing."""
