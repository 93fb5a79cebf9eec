"""Patient pages reached through the private link /p/<token>/: screening, aftercare, check-in, recovery."""
