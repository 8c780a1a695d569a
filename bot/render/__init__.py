"""Pictures the bot draws: fonts, text layout, certificates and charts."""
