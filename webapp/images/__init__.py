"""Each event's share image (og:image): the organiser's upload, or a generated card."""
