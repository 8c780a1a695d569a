"""The produce shop: shelves, the cart, checkout and the buyer's orders."""
