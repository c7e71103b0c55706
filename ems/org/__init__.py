"""The organisation: settings, sites, departments and headcount per year."""
