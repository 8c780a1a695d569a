"""The orchard bot application: configuration, wiring, console chat and services."""
