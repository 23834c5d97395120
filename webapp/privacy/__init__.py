"""Privacy: erasing personal data, retention, data-subject requests and the notice."""
