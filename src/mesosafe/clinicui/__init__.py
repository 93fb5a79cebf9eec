"""Clinic staff pages: review queue, today, patients, treatments, complications, batch recall."""
