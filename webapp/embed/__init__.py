"""The embeddable event list: /embed, framed only by the origins an admin allows, and the
admin page where those origins are set."""
