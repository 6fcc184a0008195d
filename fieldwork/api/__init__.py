"""The JSON intake used by the phone's offline outbox, and the files that make the app a PWA."""
